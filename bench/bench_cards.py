"""Card read benchmarks, printed as JSON lines of ratios (measured in the same run).

* ID card: read time through the real serial driver and the pty simulator (which waits
  each frame's wire time at the configured baud) divided by the wire time of the frames.
* Citizen card: APDU count and read time in-process and through pcscd + vpcd, with the
  pcscd time as a ratio to the in-process time.
"""

from __future__ import annotations

import json
import time

from card import gat467
from card.citizen_reader import read_citizen_card
from card.emulation.citizen_card import CitizenCardEmulator
from card.profiles import load_profile
from drivers.idcard.sim import SimulatedIdCardReader
from drivers.pcsc.daemon import PcscDaemon
from drivers.pcsc.sim import SimulatedCardReader

ROUNDS = 5


def _wire_s(nbytes: int, baud: int) -> float:
    return nbytes * 10 / baud


def bench_idcard(baud: int) -> dict[str, object]:
    dev = SimulatedIdCardReader("bench-idcard", SimulatedIdCardReader.Settings(
        profile="zhang_wei", baud=baud, poll_interval_s=30, timeout_s=5))
    dev.simulator.baud = baud
    dev.simulator.wire_timing = True
    dev.open()
    try:
        requests = 3 * len(gat467.encode_request(gat467.Command.FIND_CARD))
        responses = (len(gat467.encode_response(0x9F, bytes(4)))
                     + len(gat467.encode_response(0x90, bytes(8))) + 1295)
        wire = _wire_s(requests + responses, baud)
        start = time.perf_counter()
        for _ in range(ROUNDS):
            dev.read().result(60)
        elapsed = (time.perf_counter() - start) / ROUNDS
    finally:
        dev.close()
    return {"bench": "idcard_read", "baud": baud, "wire_s": round(wire, 4),
            "read_s": round(elapsed, 4), "ratio_to_wire": round(elapsed / wire, 3)}


def bench_citizen() -> list[dict[str, object]]:
    profile = load_profile("wang_fang").citizen_card
    assert profile is not None
    card = CitizenCardEmulator(profile)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        read_citizen_card(card.process)
    in_process = (time.perf_counter() - start) / ROUNDS
    apdus = card.apdu_count // ROUNDS
    out: list[dict[str, object]] = [{"bench": "citizen_read_in_process", "apdus": apdus,
                                     "read_s": round(in_process, 5), "ratio": 1.0}]
    daemon = PcscDaemon.shared()
    if not daemon.acquire():
        out.append({"bench": "citizen_read_pcscd", "skipped": "no pcscd"})
        return out
    try:
        dev = SimulatedCardReader("bench-card", SimulatedCardReader.Settings(
            profile="wang_fang", transport="pcscd", poll_interval_s=0.2))
        dev.open()
        try:
            deadline = time.monotonic() + 10
            while (dev.status.detail.get("media") != "present"
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            dev.read().result(60)  # warm up: pcscd powers the card on
            start = time.perf_counter()
            for _ in range(ROUNDS):
                dev.read().result(60)
            through = (time.perf_counter() - start) / ROUNDS
        finally:
            dev.close()
    finally:
        daemon.release()
    out.append({"bench": "citizen_read_pcscd", "apdus": apdus, "read_s": round(through, 4),
                "ratio_to_in_process": round(through / in_process, 1)})
    return out


def main() -> None:
    for baud in (115200, 9600):
        print(json.dumps(bench_idcard(baud)), flush=True)
    for line in bench_citizen():
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()

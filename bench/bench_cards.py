"""Card read benchmarks: JSON lines of ratios to baselines measured in the same run,
interleaved (baseline, ours, baseline, ours...), with the median and the spread.

* ID card: the real serial driver reading from the pty simulator with wire timing on.
  Baseline: the frames' wire time at the baud (what the bytes cost on a real line) plus
  the simulator's own delays (its per-command processing sleep), i.e. the least any
  driver could take. The ratio shows what the driver and the pty add.
* Citizen card, through the system pcscd + vpcd (it takes ``/tmp/pcscd.lock`` itself):
  the kiosk's identify read (``PcscCardReader.read()``: connect, APDUs, disconnect)
  against raw pyscard sending the minimal APDU list for holder + balance (SELECT SSSE
  without FCI, the six records the identify screen shows with their known lengths,
  SELECT MF, SELECT purse without FCI, GET BALANCE) to the same card through the same
  pcscd, with the same connect / transaction / disconnect. The card (the simulator's
  emulated card on vpcd) answers from a process of its own, as a real card does from
  outside the kiosk's process. Also the time per APDU.

Run: .venv/bin/python bench/bench_cards.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from card import gat467

ROUNDS = 7

#: The least a reader must send for holder (name, SSN, sex, birth, card number, expiry)
#: and balance, each record with its known length, no FCI fetched.
MINIMAL_APDUS = [bytes.fromhex(h) for h in (
    "00A4040C0F" + (b"sx1.sh." + "社会保障".encode("gbk")).hex(),
    "00B2062C06", "00B2072C0B",  # EF05: expiry, card number
    "00B2083414", "00B2093420", "00B20A3403", "00B20D3406",  # EF06: SSN, name, sex, birth
    "00A4000C023F00", "00A4000C021001", "805C000204",
)]


def _ratios(ours: list[float], base: list[float]) -> dict[str, float]:
    r = [o / b for o, b in zip(ours, base, strict=True)]
    return {"ratio_median": round(statistics.median(r), 3), "ratio_min": round(min(r), 3),
            "ratio_max": round(max(r), 3)}


def _interleave(ours: Callable[[], Any], base: Callable[[], Any],
                rounds: int) -> tuple[list[float], list[float]]:
    o: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for fn, out in ((base, b), (ours, o)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return o, b


def bench_idcard(baud: int, rounds: int) -> dict[str, object]:
    from drivers.idcard.sim import SimulatedIdCardReader

    dev = SimulatedIdCardReader("bench-idcard", SimulatedIdCardReader.Settings(
        profile="zhang_wei", baud=baud, poll_interval_s=30, timeout_s=5))
    sim = dev.simulator
    sim.baud = baud
    sim.wire_timing = True
    requests: list[int] = []
    responses: list[int] = []
    respond, send = sim.respond, sim._send

    def counting_respond(body: bytes) -> bytes | None:
        requests.append(len(gat467.encode(body)))
        return respond(body)

    def counting_send(frame: bytes) -> None:
        responses.append(len(frame))
        send(frame)

    sim.respond = counting_respond  # type: ignore[method-assign]
    sim._send = counting_send  # type: ignore[method-assign]
    dev.open()
    try:
        dev.read().result(60)  # warm: the port is open, the speed agreed
        times, floors, sleeps = [], [], []
        for _ in range(rounds):
            requests.clear()
            responses.clear()
            t = time.perf_counter()
            dev.read().result(60)
            times.append(time.perf_counter() - t)
            # The frames both ways at the line's speed: what a real reader's line costs.
            floors.append((sum(requests) + sum(responses)) * 10 / baud)
            # The simulator's own delay: it sleeps each response's wire time (requests
            # cost nothing on a pty), so this much of the read time is the simulator's.
            sleeps.append(sum(responses) * 10 / baud)
    finally:
        dev.close()
    r = [t / f for t, f in zip(times, floors, strict=True)]
    overhead = [t - s for t, s in zip(times, sleeps, strict=True)]
    return {"bench": "idcard_read", "baud": baud, "rounds": rounds,
            "baseline": "wire time of every frame both ways at the baud",
            "frames": len(requests) + len(responses), "wire_s": round(floors[-1], 4),
            "simulator_sleep_s": round(sleeps[-1], 4),
            "read_s_median": round(statistics.median(times), 4),
            "ratio_median": round(statistics.median(r), 3), "ratio_min": round(min(r), 3),
            "ratio_max": round(max(r), 3),
            "driver_overhead_ms_median": round(statistics.median(overhead) * 1000, 2),
            "note": "overhead = read time minus the simulator's own sleeps"}


def bench_citizen(rounds: int) -> list[dict[str, object]]:
    """Holds /tmp/pcscd.lock (as ``flock /tmp/pcscd.lock`` would) while it uses the
    system's pcscd and vpcd: tests and benches on the same machine share them."""
    import fcntl

    with open("/tmp/pcscd.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _bench_citizen(rounds)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


#: The emulated card in a process of its own, as a real card is outside the kiosk's: in
#: the reading process its thread would share the GIL with the reader, and every bit of
#: Python between two APDUs would wait on it (measured: 50 us of work between the ten
#: APDUs of a raw read cost 125 us). Prints "in" once vpcd has taken the card, counts the
#: APDUs it answered on each line read from stdin, leaves at the end of stdin.
CARD_PROCESS = """
import sys
from card.profiles import load_profile
from card.emulation.citizen_card import CitizenCardEmulator
from drivers.pcsc.vpcd import VPCD_PORTS, VirtualCardLink
card = CitizenCardEmulator(load_profile("wang_fang").citizen_card)
link = VirtualCardLink(card, VPCD_PORTS[0])
link.start()
print("in" if link.connected.wait(10) else "vpcd never connected", flush=True)
for _ in sys.stdin:
    print(card.apdu_count, flush=True)
link.stop()
"""


def _bench_citizen(rounds: int) -> list[dict[str, object]]:
    from smartcard import scard as S

    from drivers.pcsc.daemon import PcscDaemon, wait_for_slot
    from drivers.pcsc.reader import PcscCardReader
    from drivers.pcsc.simulator import CARD_READER

    daemon = PcscDaemon.shared()
    if not daemon.acquire():
        return [{"bench": "citizen_read_pcscd", "skipped": "no pcscd"}]
    card = subprocess.Popen([sys.executable, "-c", CARD_PROCESS], text=True,
                            cwd=Path(__file__).resolve().parents[1],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert card.stdin is not None and card.stdout is not None
    try:
        if card.stdout.readline().strip() != "in" or not wait_for_slot(CARD_READER, True):
            raise RuntimeError("the card process's card never reached pcscd")

        def apdus_answered() -> int:
            assert card.stdin is not None and card.stdout is not None
            card.stdin.write("count\n")
            card.stdin.flush()
            return int(card.stdout.readline())

        # The kiosk's own driver, as a terminal runs it (PcscCardReader.read()).
        dev = PcscCardReader("bench-card", PcscCardReader.Settings(
            reader=CARD_READER, poll_interval_s=0.2))
        dev.open()
        try:
            deadline = time.monotonic() + 10
            while (dev.status.detail.get("media") != "present"
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            dev.read().result(60)  # warm up: pcscd powers the card on
            before = apdus_answered()
            dev.read().result(60)
            apdus = apdus_answered() - before
            hr, ctx = S.SCardEstablishContext(S.SCARD_SCOPE_USER)
            assert hr == S.SCARD_S_SUCCESS

            def raw() -> None:
                hr, hcard, proto = S.SCardConnect(ctx, CARD_READER, S.SCARD_SHARE_SHARED,
                                                  S.SCARD_PROTOCOL_T0 | S.SCARD_PROTOCOL_T1)
                assert hr == S.SCARD_S_SUCCESS, S.SCardGetErrorMessage(hr)
                S.SCardBeginTransaction(hcard)
                for apdu in MINIMAL_APDUS:
                    hr, resp = S.SCardTransmit(hcard, proto, list(apdu))
                    assert hr == S.SCARD_S_SUCCESS and resp[-2] in (0x90, 0x61), resp
                S.SCardEndTransaction(hcard, S.SCARD_LEAVE_CARD)
                S.SCardDisconnect(hcard, S.SCARD_RESET_CARD)

            ours, base = _interleave(lambda: dev.read().result(60), raw, rounds)
            S.SCardReleaseContext(ctx)
        finally:
            dev.close()
    finally:
        card.stdin.close()
        try:
            card.wait(10)
        except subprocess.TimeoutExpired:
            card.kill()
        wait_for_slot(CARD_READER, False)
        daemon.release()
    per_apdu = [b / len(MINIMAL_APDUS) for b in base]
    return [{
        "bench": "citizen_read_pcscd", "rounds": rounds, "apdus": apdus,
        "minimal_apdus": len(MINIMAL_APDUS),
        "baseline": "raw pyscard, minimal APDU list, same card, same pcscd + vpcd",
        "read_s_median": round(statistics.median(ours), 4),
        "baseline_s_median": round(statistics.median(base), 4),
        **_ratios(ours, base),
    }, {
        "bench": "pcscd_vpcd_per_apdu", "rounds": rounds,
        "ms_per_apdu_median": round(statistics.median(per_apdu) * 1000, 3),
        "ms_per_apdu_max": round(max(per_apdu) * 1000, 3),
        "note": "raw pyscard connect + minimal list + disconnect, divided by the APDU count",
    }]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--only", choices=("idcard", "citizen"), default=None)
    args = parser.parse_args()
    if args.only != "citizen":
        for baud in (115200, 9600):
            print(json.dumps(bench_idcard(baud, args.rounds)), flush=True)
    if args.only != "idcard":
        # ~7 ms a round (both reads): cheap. Fewer rounds leave the median to the noise
        # (31 rounds gave 0.87-1.22x around a 3 ms read).
        for line in bench_citizen(max(args.rounds, 151)):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()

"""The real PC/SC driver through pcscd + vpcd, and the in-process fallback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from card import pboc
from card.citizen import CitizenCardType
from card.errors import CardBlockedError, SecurityError
from drivers.pcsc.daemon import PcscDaemon
from drivers.pcsc.sim import SimulatedCardReader
from drivers.status import DeviceState
from kiosk_base.errors import DeviceError, MediaError


def wait_for(condition: Callable[[], bool], limit_s: float = 30.0) -> None:
    """Wait for a condition; the limit only stops a broken test (no timed assertion)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.05)


@pytest.fixture(params=["pcscd", "in-process"])
def reader(request: pytest.FixtureRequest) -> Iterator[SimulatedCardReader]:
    if request.param == "pcscd":
        request.getfixturevalue("pcscd")
    dev = SimulatedCardReader("card", SimulatedCardReader.Settings(
        profile="wang_fang", transport=request.param, poll_interval_s=0.1))
    dev.open()
    wait_for(lambda: dev.simulator.in_process or dev.simulator.card_connected)
    wait_for(lambda: dev.status.detail.get("media") == "present")
    yield dev
    dev.close()


def _mac2(req_serial: bytes, random: bytes, seq: int, amount: int, term: bytes,
          when: datetime) -> bytes:
    dlk = pboc.diversify(pboc.TEST_MLK, req_serial[2:])
    ses = pboc.load_session_key(dlk, random, seq.to_bytes(2, "big"))
    return pboc.load_mac2(ses, amount, pboc.TX_EP_LOAD, term, when)


def test_read_load_purchase(reader: SimulatedCardReader) -> None:
    card = reader.read().result(30)
    assert card.card_type is CitizenCardType.CITIZEN_CARD and card.name == "王芳"
    term = bytes.fromhex("440305000001")
    req = reader.begin_load(1000, term).result(30)
    when = datetime(2026, 11, 21, 10, 15)
    mac2 = _mac2(req.card_serial, req.card_random, req.online_seq, 1000, term, when)
    result = reader.complete_load(mac2, when).result(30)
    assert result.new_balance == 6000 == reader.purse_balance().result(30)
    assert reader.purchase(500, when).result(30).new_balance == 5500
    assert reader.statistics.snapshot()["loads"] == 1


def test_wrong_mac2_is_typed(reader: SimulatedCardReader) -> None:
    reader.begin_load(100, bytes(6)).result(30)
    with pytest.raises(SecurityError):
        reader.complete_load(b"\x01\x02\x03\x04", datetime(2026, 1, 1)).result(30)
    assert reader.purse_balance().result(30) == 5000


def test_blocked_and_removed(reader: SimulatedCardReader) -> None:
    reader.simulator.insert_card("liu_yang_blocked")
    wait_for(lambda: reader.read().exception(30) is not None)
    with pytest.raises(CardBlockedError):
        reader.read().result(30)
    reader.simulator.insert_card("wang_fang")
    wait_for(lambda: reader.status.detail.get("media") == "present")
    reader.simulator.inject("card_removed_mid_read", after=4)
    with pytest.raises(MediaError) as info:
        reader.read().result(30)
    assert info.value.message_key in ("error.card.removed_during_read", "error.card.no_card")
    wait_for(lambda: reader.status.detail.get("media") == "not_present")


@pytest.mark.parametrize("transport", ["pcscd", "in-process"])
def test_a_card_pulled_before_the_poll_saw_it_is_seen_to_leave(
        transport: str, request: pytest.FixtureRequest) -> None:
    """The poll runs on the reader's worker: a read that waits there for a card the
    status still shows must look itself. Before, it waited with the poll held off, the
    card came back in the meantime, and the kiosk never saw it leave: the resident's
    re-insert was not a new card, and the identify screen never read it again."""
    if transport == "pcscd":
        request.getfixturevalue("pcscd")
    dev = SimulatedCardReader("card", SimulatedCardReader.Settings(
        profile="chen_jie_ss", transport=transport, poll_interval_s=30))
    dev.open()
    media: list[str] = []
    dev.subscribe(lambda change: media.append(str(change.new.detail.get("media"))))
    try:
        wait_for(lambda: dev.status.detail.get("media") == "present")
        dev.simulator.remove_card()  # the next poll is 30 s away
        read = dev.read()
        time.sleep(0.3)
        dev.simulator.insert_card("chen_jie_ss")  # back, while the read may still wait
        wait_for(lambda: read.done())
        assert "not_present" in media  # the removal was seen
        assert dev.read().result(30).card_number == "S51010700"
    finally:
        dev.close()


def test_corrupt_response_is_typed(reader: SimulatedCardReader) -> None:
    reader.simulator.inject("corrupt_response")
    with pytest.raises(DeviceError):
        reader.read().result(30)
    assert reader.read().result(30).card_number == "C44030500"


@pytest.mark.pcscd
def test_pcscd_restart_and_reader_gone(pcscd: PcscDaemon) -> None:
    if not pcscd.owned:
        pytest.skip("pcscd was not started by this test session")
    dev = SimulatedCardReader("card", SimulatedCardReader.Settings(
        profile="chen_jie_ss", transport="pcscd", poll_interval_s=0.1))
    dev.open()
    try:
        wait_for(lambda: dev.status.detail.get("media") == "present")
        dev.simulator.inject("pcscd_restart")
        wait_for(lambda: dev.status.state is DeviceState.ONLINE
                 and dev.status.detail.get("media") == "present")
        assert dev.read().result(30).card_type is CitizenCardType.SOCIAL_SECURITY
        dev.simulator.inject("reader_gone")
        wait_for(lambda: dev.status.state is DeviceState.NO_DEVICE)
        dev.simulator.clear("reader_gone")
        wait_for(lambda: dev.status.detail.get("media") == "present")
        assert dev.read().result(30).card_number == "S51010700"
    finally:
        dev.close()


@pytest.mark.pcscd
def test_kiosk_diag_card(pcscd: PcscDaemon) -> None:
    dev = SimulatedCardReader("card", SimulatedCardReader.Settings(
        profile="wang_fang", transport="pcscd"))
    dev.open()
    try:
        wait_for(lambda: dev.simulator.card_connected)
        out = subprocess.run(
            [sys.executable, "-m", "kiosk.diag.cli", "card", "--reader", "Virtual PCD 00 00",
             "--json", "--unmask"], capture_output=True, text=True, timeout=90, check=False)
        assert out.returncode == 0, out.stdout + out.stderr
        data = json.loads(out.stdout)
        assert data["card_type"] == "citizen_card" and data["purse"] == {"balance": 5000}
        assert data["ssn"] == "440305194209150287"
        dev.simulator.remove_card()
        out = subprocess.run(
            [sys.executable, "-m", "kiosk.diag.cli", "card", "--reader", "Virtual PCD 00 00",
             "--json", "--timeout", "0.5"], capture_output=True, text=True, timeout=90,
            check=False)
        assert out.returncode == 3, out.stdout + out.stderr
    finally:
        dev.close()

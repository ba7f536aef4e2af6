"""The real serial driver against the GA/T 467 simulator on a pty."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from card.errors import IdCardMediaError, IdReaderFaultError
from card.idcard import IdCardType
from drivers.idcard.serial_reader import SerialIdCardReader
from drivers.idcard.sim import SimulatedIdCardReader
from drivers.idcard.simulator import IdCardReaderSimulator
from drivers.status import DeviceState
from kiosk_base.errors import DeviceError


def wait_for(condition: Callable[[], bool], limit_s: float = 30.0) -> None:
    """Wait for a condition; the limit only stops a broken test (no timed assertion)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.05)


@pytest.fixture
def reader() -> Iterator[SimulatedIdCardReader]:
    dev = SimulatedIdCardReader("idcard", SimulatedIdCardReader.Settings(
        profile="zhang_wei", timeout_s=0.5, poll_interval_s=0.1))
    dev.open()
    yield dev
    dev.close()


def test_reads_with_fingerprint(reader: SimulatedIdCardReader) -> None:
    card = reader.read(fingerprint=True).result(30)
    assert card.name == "张伟" and card.long_term and len(card.fingerprint) == 1024
    assert reader.statistics.snapshot()["cards_read"] == 1


def test_presence_follows_the_card(reader: SimulatedIdCardReader) -> None:
    wait_for(lambda: reader.status.detail.get("media") == "present")
    reader.simulator.remove_card()
    wait_for(lambda: reader.status.detail.get("media") == "not_present")
    with pytest.raises(IdCardMediaError) as info:
        reader.read().result(30)
    assert info.value.code == "SW3_80" and info.value.message_key == "error.idcard.no_card"


def test_noise_and_checksum_errors_are_retried(reader: SimulatedIdCardReader) -> None:
    reader.simulator.inject("noise", bytes=40)
    reader.simulator.inject("checksum_error", count=2)
    assert reader.read().result(30).id_number == "110101195803070230"
    assert reader.statistics.snapshot()["retries"] >= 2


def test_slow_and_truncated_frames(reader: SimulatedIdCardReader) -> None:
    reader.simulator.inject("slow_frames", delay_s=0.001)
    reader.simulator.inject("truncated_frame")
    assert reader.read().result(30).card_type is IdCardType.RESIDENT_ID


def test_card_removed_mid_read(reader: SimulatedIdCardReader) -> None:
    reader.simulator.inject("removed_mid_read")
    with pytest.raises(IdCardMediaError) as info:
        reader.read().result(30)
    assert info.value.message_key == "error.idcard.removed_during_read"
    assert info.value.user_facing().message_key == "error.idcard.removed_during_read"
    reader.simulator.insert_card("li_na_expired")
    card = reader.read().result(30)
    assert card.valid_until is not None and card.expired(card.valid_until.replace(year=2026))


def test_reader_gone_and_back(reader: SimulatedIdCardReader) -> None:
    reader.simulator.inject("reader_gone")
    wait_for(lambda: reader.status.state is DeviceState.OFFLINE)
    with pytest.raises(DeviceError):
        reader.read().result(30)
    reader.simulator.clear("reader_gone")
    wait_for(lambda: reader.status.state is DeviceState.ONLINE)
    assert reader.read().result(30).name == "张伟"


def test_sam_fault_is_a_hardware_error(reader: SimulatedIdCardReader) -> None:
    reader.simulator.inject("sam_fault")
    with pytest.raises(IdReaderFaultError) as info:
        reader.read().result(30)
    assert info.value.code == "SW3_60"


def test_baud_switch_from_factory_speed() -> None:
    sim = IdCardReaderSimulator("hmt_permit")
    path = sim.start()
    try:
        dev = SerialIdCardReader("idcard", SerialIdCardReader.Settings(
            port=path, baud=9600, timeout_s=0.3, retries=0, poll_interval_s=0.2))
        dev.open()
        try:
            assert dev.status.state is DeviceState.ONLINE
            assert sim.baud == 9600
            assert dev.read().result(30).permit_number == "H60000001"
        finally:
            dev.close()
    finally:
        sim.stop()


def test_missing_port_is_no_device() -> None:
    dev = SerialIdCardReader("idcard", SerialIdCardReader.Settings(port="/dev/nonexistent-x"))
    try:
        assert dev.open().state is DeviceState.NO_DEVICE
    finally:
        dev.close()


def _simulator_process(profile: str | None) -> tuple[subprocess.Popen[str], str]:
    args = [sys.executable, "-m", "drivers.idcard.simulator"]
    if profile:
        args += ["--profile", profile]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def _diag(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.diag.cli", *args],
                          capture_output=True, text=True, timeout=90, check=False)


def test_kiosk_diag_idcard_end_to_end() -> None:
    proc, path = _simulator_process("hmt_permit")
    try:
        out = _diag("idcard", "--port", path, "--json", "--unmask")
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert data["card_type"] == "hmt_permit" and data["issue_count"] == 1
        assert data["id_number"] == "81000019880705004X" and data["sex"] == "女"
        masked = json.loads(_diag("idcard", "--port", path, "--json").stdout)
        assert masked["name"] == "林*"
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()


def test_kiosk_diag_idcard_no_card_and_no_port() -> None:
    proc, path = _simulator_process(None)
    try:
        out = _diag("idcard", "--port", path, "--json", "--timeout", "0.5")
        assert out.returncode == 3
        assert json.loads(out.stdout)["code"] == "SW3_80"
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stdout is not None
        proc.stdout.close()
    out = _diag("idcard", "--port", "/dev/nonexistent-x", "--json", "--timeout", "0.5")
    assert out.returncode == 4 and json.loads(out.stdout)["code"] == "PORT_OPEN"

"""SaneScanner against a broken transport: garbage output, a hang, a missing program,
and the simulator's slow fault against a short timeout."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from drivers.base import Device
from drivers.scanner.base import PaperJamError
from drivers.scanner.sane import SaneScanner, SaneScannerSettings
from drivers.scanner.sim import SimulatedScanner, SimulatedScannerSettings
from drivers.status import DeviceState
from kiosk_base.errors import DeviceTimeoutError, NoDeviceError, ProtocolError

needs_sane = pytest.mark.skipif(shutil.which("scanimage") is None, reason="needs sane-utils")


def fake_scanimage(tmp_path: Path, scan_body: str) -> Path:
    """A stand-in scanimage: lists one device, then runs ``scan_body`` to scan."""
    script = tmp_path / "scanimage"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-L" ]; then echo "device \\`fake:0\' is a Fake flatbed"; exit 0; fi\n'
        f"{scan_body}\n",
        encoding="ascii",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def open_scanner(program: Path, **settings: object) -> SaneScanner:
    scanner = SaneScanner("scanner", SaneScannerSettings(scanimage=str(program), **settings))
    scanner.open()
    return scanner


def test_garbage_instead_of_an_image_is_a_protocol_error(tmp_path: Path) -> None:
    scanner = open_scanner(fake_scanimage(tmp_path, "printf 'not a png at all'; exit 0"))
    try:
        assert state_of(scanner) == DeviceState.ONLINE
        with pytest.raises(ProtocolError) as info:
            scanner.scan().result(timeout=30)
        assert info.value.code == "IMAGE_DECODE"
        assert state_of(scanner) == DeviceState.HARDWARE_ERROR
    finally:
        scanner.close()


def test_truncated_png_is_a_protocol_error(tmp_path: Path) -> None:
    body = "printf '\\211PNG\\r\\n\\032\\n\\0\\0\\0\\rIHDR'; exit 0"
    scanner = open_scanner(fake_scanimage(tmp_path, body))
    try:
        with pytest.raises(ProtocolError):
            scanner.scan().result(timeout=30)
    finally:
        scanner.close()


def test_hung_scanner_is_killed_at_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    body = f"echo $$ > {pid_file}; exec sleep 600"
    scanner = open_scanner(fake_scanimage(tmp_path, body), scan_timeout_s=0.5)
    try:
        with pytest.raises(DeviceTimeoutError) as info:
            scanner.scan().result(timeout=60)
        assert info.value.code == "SCAN_TIMEOUT"
        assert state_of(scanner) == DeviceState.OFFLINE
        pid = int(pid_file.read_text())
        # The driver killed and reaped it: the process no longer exists.
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    finally:
        scanner.close()


def test_a_jam_reported_before_a_hang_is_the_jam(tmp_path: Path) -> None:
    # What the SANE test backend does now and then: sane_read fails, scanimage prints
    # the status, then its reader thread deadlocks in sane_cancel and it never exits.
    pid_file = tmp_path / "pid"
    body = (f"echo $$ > {pid_file}; echo 'scanimage: sane_read: Document feeder jammed' >&2;"
            " exec sleep 600")
    scanner = open_scanner(fake_scanimage(tmp_path, body), scan_timeout_s=120,
                           failure_exit_s=0.5)
    try:
        with pytest.raises(PaperJamError) as info:
            # Far below the scan timeout: the answer was on stderr, no retry is made.
            scanner.scan().result(timeout=60)
        assert info.value.code == "SANE_STATUS_JAMMED"
        assert scanner.status.detail["media"] == "jammed"
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid_file.read_text()), 0)
    finally:
        scanner.close()


def test_missing_scanimage_means_no_device(tmp_path: Path) -> None:
    scanner = SaneScanner(
        "scanner", SaneScannerSettings(scanimage=str(tmp_path / "no-such-program"))
    )
    try:
        status = scanner.open()
        assert status.state == DeviceState.NO_DEVICE
        assert status.error_code == "SCANIMAGE_MISSING"
        with pytest.raises(NoDeviceError):
            scanner.scan().result(timeout=30)
    finally:
        scanner.close()


def test_configured_device_absent_names_what_sane_sees(tmp_path: Path) -> None:
    scanner = open_scanner(fake_scanimage(tmp_path, "exit 0"), device="epson2:usb")
    try:
        assert state_of(scanner) == DeviceState.NO_DEVICE
        assert "fake:0" in scanner.status.reason
    finally:
        scanner.close()


@needs_sane
def test_slow_fault_runs_into_the_scan_timeout() -> None:
    scanner = SimulatedScanner("scanner", SimulatedScannerSettings(scan_timeout_s=1))
    try:
        scanner.open()
        scanner.simulator.inject("slow", delay_ms=200)
        with pytest.raises(DeviceTimeoutError):
            scanner.scan(150).result(timeout=60)
        scanner.simulator.clear("slow")
        assert not scanner.scan(75).result(timeout=60).blank
    finally:
        scanner.close()


@needs_sane
def test_simulator_removes_its_sane_config_on_close() -> None:
    scanner = SimulatedScanner("scanner")
    scanner.open()
    config = Path(scanner._environment()["SANE_CONFIG_DIR"])
    assert (config / "dll.conf").read_text() == "test\n"
    scanner.close()
    assert not config.exists()


def state_of(device: Device) -> DeviceState:
    """The current state (a call, so mypy does not narrow it across actions)."""
    return device.status.state

"""What ``scanimage`` (sane-utils) says, turned into data and typed errors.

``scanimage -L`` prints one line per device::

    device `test:0' is a Noname frontend-tester virtual device

A scan that fails in ``sane_read`` exits with the SANE status code and prints
``scanimage: sane_read: <message>``; a device that cannot be opened exits 1 with
``scanimage: open of device X failed: <message>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from drivers.scanner.base import CoverOpenError, NoDocumentError, PaperJamError
from kiosk_base.errors import (
    DeviceBusyError,
    DeviceError,
    HardwareError,
    NoDeviceError,
    ProtocolError,
)

_DEVICE_LINE = re.compile(r"^device `(?P<name>[^']+)' is an? (?P<description>.*)$")
_OPEN_FAILED = re.compile(r"open of device (?P<name>\S+) failed")


class SaneStatus(IntEnum):
    """SANE_Status (sane.h); scanimage exits with it when a read fails."""

    GOOD = 0
    UNSUPPORTED = 1
    CANCELLED = 2
    DEVICE_BUSY = 3
    INVAL = 4
    EOF = 5
    JAMMED = 6
    NO_DOCS = 7
    COVER_OPEN = 8
    IO_ERROR = 9
    NO_MEM = 10
    ACCESS_DENIED = 11


@dataclass(frozen=True)
class SaneDevice:
    name: str
    description: str


def parse_device_list(output: str) -> list[SaneDevice]:
    """The devices in ``scanimage -L`` output (other lines are ignored)."""
    devices = []
    for line in output.splitlines():
        match = _DEVICE_LINE.match(line.strip())
        if match:
            devices.append(SaneDevice(match["name"], match["description"]))
    return devices


def error_for_exit(exit_code: int, stderr: str, *, device: str) -> DeviceError:
    """The typed error for a failed ``scanimage`` run (the code is the SANE status)."""
    message = _last_message(stderr) or f"scanimage exited with {exit_code}"
    if _OPEN_FAILED.search(stderr):
        return NoDeviceError(message, device=device, code="SANE_OPEN_FAILED")
    try:
        status = SaneStatus(exit_code)
    except ValueError:
        return ProtocolError(message, device=device, code=f"SCANIMAGE_EXIT_{exit_code}")
    code = f"SANE_STATUS_{status.name}"
    if status == SaneStatus.JAMMED:
        return PaperJamError(message, device=device, code=code)
    if status == SaneStatus.COVER_OPEN:
        return CoverOpenError(message, device=device, code=code)
    if status == SaneStatus.NO_DOCS:
        return NoDocumentError(message, device=device, code=code)
    if status == SaneStatus.DEVICE_BUSY:
        return DeviceBusyError(message, device=device, code=code)
    if status == SaneStatus.ACCESS_DENIED:
        return NoDeviceError(message, device=device, code=code)
    return HardwareError(message, device=device, code=code)


#: sane_strstatus() texts, for a scanimage that printed a failure but exited 0.
_STATUS_TEXTS = {
    "Document feeder out of documents": 7,
    "Document feeder jammed": 6,
    "Scanner cover is open": 8,
    "Device busy": 3,
    "Error during device I/O": 9,
    "Access to resource has been denied": 11,
}


def status_in_stderr(stderr: str) -> int | None:
    """The SANE status a ``sane_*`` failure line on stderr names, if any."""
    for line in stderr.splitlines():
        if "sane_" not in line:
            continue
        for text, status in _STATUS_TEXTS.items():
            if text in line:
                return status
    return None


def _last_message(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    # Prefer the line naming the failing SANE call over trailers such as
    # "received signal 13" that scanimage may print while exiting.
    telling = [line for line in lines if "sane_" in line or "failed" in line]
    return (telling or lines)[-1].removeprefix("scanimage: ")

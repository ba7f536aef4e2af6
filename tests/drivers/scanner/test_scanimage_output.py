"""Parsing scanimage's device list and mapping its exit codes to typed errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.scanner.base import CoverOpenError, NoDocumentError, PaperJamError
from drivers.scanner.scanimage import SaneDevice, error_for_exit, parse_device_list
from kiosk_base.errors import DeviceBusyError, HardwareError, NoDeviceError, ProtocolError

LISTING = """\
device `test:0' is a Noname frontend-tester virtual device
device `epson2:libusb:001:004' is an Epson PID 0x0142 flatbed scanner

No scanners were identified.
"""


def test_device_list_is_parsed() -> None:
    assert parse_device_list(LISTING) == [
        SaneDevice("test:0", "Noname frontend-tester virtual device"),
        SaneDevice("epson2:libusb:001:004", "Epson PID 0x0142 flatbed scanner"),
    ]


@given(st.text())
def test_device_list_parser_never_crashes(text: str) -> None:
    for device in parse_device_list(text):
        assert device.name and "'" not in device.name


@pytest.mark.parametrize(
    ("code", "stderr", "error", "sane_code"),
    [
        (6, "scanimage: sane_read: Document feeder jammed", PaperJamError, "SANE_STATUS_JAMMED"),
        (
            8,
            "scanimage: sane_read: Scanner cover is open",
            CoverOpenError,
            "SANE_STATUS_COVER_OPEN",
        ),
        (
            7,
            "scanimage: sane_read: Document feeder out of documents",
            NoDocumentError,
            "SANE_STATUS_NO_DOCS",
        ),
        (3, "scanimage: sane_read: Device busy", DeviceBusyError, "SANE_STATUS_DEVICE_BUSY"),
        (
            9,
            "scanimage: sane_read: Error during device I/O\nscanimage: received signal 13",
            HardwareError,
            "SANE_STATUS_IO_ERROR",
        ),
        (
            1,
            "scanimage: open of device x:0 failed: Invalid argument",
            NoDeviceError,
            "SANE_OPEN_FAILED",
        ),
        (139, "", ProtocolError, "SCANIMAGE_EXIT_139"),
    ],
)
def test_exit_codes_map_to_typed_errors(
    code: int, stderr: str, error: type[Exception], sane_code: str
) -> None:
    exc = error_for_exit(code, stderr, device="scanner")
    assert type(exc) is error
    assert exc.code == sane_code
    assert "signal" not in str(exc)

"""scanimage sometimes prints a SANE failure and still exits 0: the printed status wins."""

from __future__ import annotations

from drivers.scanner.scanimage import status_in_stderr


def test_status_named_on_stderr() -> None:
    assert status_in_stderr("scanimage: sane_read: Document feeder out of documents\n") == 7
    assert status_in_stderr("scanimage: sane_read: Scanner cover is open\n"
                            "scanimage: received signal 13\n") == 8
    assert status_in_stderr("scanimage: received signal 13\n") is None
    assert status_in_stderr("") is None

"""The scanner family contract: scan one page on the worker, get an image back.

Status detail keys of this family (plain strings, the values of drivers.status enums):

* ``media``: the page / feeder: ``present`` after a good scan, ``not_present`` when the
  feeder is empty, ``jammed`` after a paper jam, ``unknown`` before the first scan;
* ``cover``: ``closed``, ``open`` (the scanner refused to scan with its lid open) or
  ``unknown``.

Scanners report media and cover only when asked to scan, so both are learned from the
last scan; a jam or an open cover makes the state ``user_error`` until a scan succeeds.
"""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from dataclasses import dataclass
from typing import ClassVar, Literal

from drivers.base import Device
from kiosk_base.errors import MediaError


class PaperJamError(MediaError):
    """A page is stuck in the feeder."""

    default_message_key = "error.scanner.jammed"


class CoverOpenError(MediaError):
    """The scanner's lid or feeder cover is open."""

    default_message_key = "error.scanner.cover_open"


class NoDocumentError(MediaError):
    """The feeder is empty."""

    default_message_key = "error.scanner.no_document"


@dataclass(frozen=True)
class ScannedPage:
    """One scanned page."""

    data: bytes
    format: Literal["png", "jpeg"]
    width: int
    height: int
    dpi: int
    #: The page is (nearly) one flat colour: nothing on the glass, or the lid was up.
    blank: bool

    def __repr__(self) -> str:  # never dump a resident's document into a log
        return (
            f"ScannedPage({self.format}, {self.width}x{self.height} @ {self.dpi} dpi, "
            f"{len(self.data)} bytes, blank={self.blank})"
        )


class Scanner(Device):
    """Base of every scanner implementation."""

    family: ClassVar[str] = "scanner"

    def scan(self, resolution_dpi: int = 200) -> Future[ScannedPage]:
        """Scan one page on the worker; the future raises a DeviceError on failure."""
        if not 50 <= resolution_dpi <= 1200:
            raise ValueError(f"resolution {resolution_dpi} dpi outside 50..1200")
        return self.submit(self._scan, resolution_dpi)

    @abstractmethod
    def _scan(self, resolution_dpi: int) -> ScannedPage:
        """Scan one page (runs on the worker)."""

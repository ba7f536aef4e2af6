"""The A4 document printer family, and what CUPS printer-state-reasons mean to it."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from concurrent.futures import Future
from typing import ClassVar

from drivers.base import Device
from drivers.status import CoverStatus, MediaStatus, PaperStatus, TonerStatus
from kiosk_base.errors import DeviceError
from printers.jobs import (
    CoverOpenError,
    PaperJamError,
    PaperOutError,
    PrinterFaultError,
    PrinterOfflineError,
    PrintOutcome,
)


class DocumentPrinter(Device):
    """An A4 printer. Status detail: ``paper``, ``toner``, ``cover``, ``media``."""

    family: ClassVar[str] = "document_printer"

    @abstractmethod
    def print_pdf(self, pdf: bytes, title: str) -> Future[PrintOutcome]:
        """Submit ``pdf`` and follow the job; the future resolves when it completed and
        raises a print error (with ``.outcome``) when it was aborted, stopped or the
        printer cannot print."""


def _base(reason: str) -> tuple[str, str]:
    """``media-empty-error`` -> (``media-empty``, ``error``); CUPS adds the severity."""
    for suffix in ("-error", "-warning", "-report"):
        if reason.endswith(suffix):
            return reason[: -len(suffix)], suffix[1:]
    return reason, ""


def detail_from_reasons(reasons: Iterable[str]) -> dict[str, str]:
    """printer-state-reasons -> the family's status detail."""
    bases = {_base(r)[0] for r in reasons}
    paper = PaperStatus.FULL
    if "media-jam" in bases:
        paper = PaperStatus.JAMMED
    elif bases & {"media-empty", "media-needed"}:
        paper = PaperStatus.OUT
    elif "media-low" in bases:
        paper = PaperStatus.LOW
    toner = TonerStatus.FULL
    if bases & {"toner-empty", "marker-supply-empty"}:
        toner = TonerStatus.OUT
    elif bases & {"toner-low", "marker-supply-low"}:
        toner = TonerStatus.LOW
    cover = CoverStatus.OPEN if bases & {"cover-open", "door-open"} else CoverStatus.CLOSED
    media = MediaStatus.JAMMED if "media-jam" in bases else MediaStatus.NOT_PRESENT
    return {"paper": paper.value, "toner": toner.value, "cover": cover.value,
            "media": media.value}  # fmt: skip


def error_from_reasons(reasons: Iterable[str], device: str) -> DeviceError | None:
    """The error that keeps the printer from printing, or None (warnings do not)."""
    found = {_base(r)[0]: r for r in reasons}
    if "media-jam" in found:
        return PaperJamError("paper jam", device=device, code=f"CUPS_{found['media-jam']}")
    for key in ("media-empty", "media-needed"):
        if key in found:
            return PaperOutError("paper is out", device=device, code=f"CUPS_{found[key]}")
    for key in ("cover-open", "door-open"):
        if key in found:
            return CoverOpenError("cover is open", device=device, code=f"CUPS_{found[key]}")
    for key in ("toner-empty", "marker-supply-empty"):
        if key in found:
            return PrinterFaultError("toner is empty", device=device, code=f"CUPS_{found[key]}")
    for key in ("offline", "shutdown", "paused"):
        if key in found:
            return PrinterOfflineError(
                f"printer is {key}", device=device, code=f"CUPS_{found[key]}"
            )
    return None

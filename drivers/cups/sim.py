"""An in-process A4 printer: keeps what it "prints", follows the CUPS job model.

Faults: ``media_empty``, ``media_jam``, ``cover_open``, ``offline`` (the printer refuses
work, as CUPS reports through printer-state-reasons), ``toner_low`` (a warning: jobs
still print) and ``job_aborted`` (the next job is aborted by the "backend").
"""

from __future__ import annotations

import itertools
import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import ClassVar

from pydantic import Field

from drivers.base import DeviceSettings
from drivers.cups.family import DocumentPrinter, detail_from_reasons, error_from_reasons
from drivers.health import HealthLevel, HealthReport
from drivers.status import DeviceState
from kiosk_base.faults import FaultInjectable, FaultSet
from printers.jobs import JobState, PrintJobFailedError, PrintOutcome, failed

log = logging.getLogger(__name__)

FAULTS = {
    "media_empty": "tray empty (media-empty-error)",
    "media_jam": "paper jam (media-jam-error)",
    "cover_open": "cover open (cover-open-error)",
    "offline": "printer offline (offline-report)",
    "toner_low": "toner low (toner-low-warning): still prints",
    "job_aborted": "the next job is aborted by the backend",
}
_REASONS = {
    "media_empty": "media-empty-error",
    "media_jam": "media-jam-error",
    "cover_open": "cover-open-error",
    "offline": "offline-report",
    "toner_low": "toner-low-warning",
}


@dataclass(frozen=True)
class PrintedDocument:
    job_id: str
    title: str
    pdf: bytes


class SimulatedDocumentSettings(DeviceSettings):
    keep_documents: int = Field(20, ge=0, description="Printed PDFs kept for inspection.")


class _SimulatedA4(FaultSet):
    """The fault set, plus the documents the simulated printer has printed."""

    def __init__(self, owner: str, keep: int) -> None:
        super().__init__(FAULTS, owner=owner)
        self.keep = keep
        self.printed: list[PrintedDocument] = []
        self.lock = threading.Lock()

    def reasons(self) -> list[str]:
        active = self.active_faults()
        return [reason for fault, reason in _REASONS.items() if fault in active] or ["none"]


class SimulatedDocumentPrinter(DocumentPrinter):
    Settings: ClassVar[type[DeviceSettings]] = SimulatedDocumentSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        s = self.settings
        assert isinstance(s, SimulatedDocumentSettings)
        self._sim = _SimulatedA4(self.name, s.keep_documents)
        self._sim._on_change = self._on_fault_change
        self._jobs = itertools.count(1)

    @property
    def simulator(self) -> FaultInjectable:
        return self._sim

    @property
    def printed(self) -> list[PrintedDocument]:
        with self._sim.lock:
            return list(self._sim.printed)

    def _on_fault_change(self) -> None:
        if self.is_open:
            self.submit(self._refresh)

    def _refresh(self) -> None:
        reasons = self._sim.reasons()
        self._set_status(detail=detail_from_reasons(reasons))
        exc = error_from_reasons(reasons, self.name)
        if exc is None:
            self._set_status(DeviceState.ONLINE, error_code="", reason="")
        else:
            self._set_status(self._state_for_error(exc), error_code=exc.code, reason=str(exc))

    def _open(self) -> None:
        self._refresh()

    def _close(self) -> None:
        pass

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        reasons = self._sim.reasons()
        exc = error_from_reasons(reasons, self.name)
        report.check("state", exc is None, ", ".join(reasons))
        if level is HealthLevel.EXTERNAL and exc is None:
            report.check("test_page", True, "test page accepted by the simulator")

    def print_pdf(self, pdf: bytes, title: str) -> Future[PrintOutcome]:
        return self.submit(self._print_pdf, pdf, title)

    def _print_pdf(self, pdf: bytes, title: str) -> PrintOutcome:
        job_id = str(next(self._jobs))
        self._refresh()
        exc = error_from_reasons(self._sim.reasons(), self.name)
        if exc is None and not pdf.startswith(b"%PDF-"):
            exc = PrintJobFailedError("not a PDF", device=self.name, code="CUPS_document-format")
        if exc is None and self._sim.take("job_aborted"):
            exc = PrintJobFailedError(
                "job aborted by the backend", device=self.name, code="CUPS_job-aborted"
            )
        if exc is not None:
            self.statistics.increment("errors")
            log.warning("%s: job %s failed: %s", self.name, job_id, exc)
            raise failed(exc, job_id, JobState.FAILED)
        pages = max(1, pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"))
        with self._sim.lock:
            self._sim.printed.append(PrintedDocument(job_id, title, pdf))
            del self._sim.printed[: -self._sim.keep or None]
        self.statistics.increment("pages_printed", pages)
        return PrintOutcome(JobState.COMPLETED, job_id, pages=pages)

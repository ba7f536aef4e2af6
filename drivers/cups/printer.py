"""A4 printing through CUPS (pycups): submit a PDF, follow the job to its end.

The printer's ``printer-state-reasons`` become the status detail (paper, toner, cover,
media); an error reason (media-empty, media-jam, cover-open, offline) refuses the job
before it is submitted. A submitted job is polled until completed, aborted, cancelled
or stopped; a job that does not finish within ``job_timeout_s`` (or that the printer
stopped on) is cancelled, so it cannot come out later, unnoticed, for someone else.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

import cups
from pydantic import Field

from drivers.base import DeviceSettings
from drivers.cups.family import DocumentPrinter, detail_from_reasons, error_from_reasons
from drivers.health import HealthLevel, HealthReport
from drivers.status import DeviceState
from kiosk_base.errors import DeviceError, NoDeviceError
from printers.jobs import JobState, PrintJobFailedError, PrintOutcome, failed

log = logging.getLogger(__name__)

# IPP job-state values (RFC 8011 5.3.7).
PENDING, HELD, PROCESSING, STOPPED, CANCELED, ABORTED, COMPLETED = range(3, 10)
_PRINTER_ATTRS = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"]
_JOB_ATTRS = ["job-state", "job-state-reasons", "job-impressions-completed"]


class CupsSettings(DeviceSettings):
    queue: str = Field("kiosk-a4", min_length=1, description="CUPS queue name.")
    server: str | None = Field(
        None, description="CUPS server host or socket path (default: the system's)."
    )
    poll_interval_s: float = Field(0.25, gt=0, description="How often a job is polled.")
    job_timeout_s: float = Field(180.0, gt=0, description="Longest time one job may take.")


class CupsDocumentPrinter(DocumentPrinter):
    Settings: ClassVar[type[DeviceSettings]] = CupsSettings
    settings: CupsSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._conn: Any = None
        self._cancelled = threading.Event()

    # -- transport ----------------------------------------------------------------

    def _open(self) -> None:
        try:
            self._conn = (
                cups.Connection(host=self.settings.server)
                if self.settings.server
                else cups.Connection()
            )
            queues = self._conn.getPrinters()
        except (RuntimeError, cups.IPPError) as exc:
            raise NoDeviceError(f"CUPS not reachable: {exc}", device=self.name,
                                code="CUPS_UNREACHABLE") from None  # fmt: skip
        if self.settings.queue not in queues:
            raise NoDeviceError(f"no CUPS queue {self.settings.queue!r}", device=self.name,
                                code="CUPS_NO_QUEUE")  # fmt: skip
        problem = self._refresh()
        if problem is not None:
            raise problem

    def _close(self) -> None:
        self._conn = None

    def _ipp(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._conn is None:
            raise NoDeviceError("CUPS connection is not open", device=self.name, code="NOT_OPEN")
        try:
            return fn(*args, **kwargs)
        except cups.IPPError as exc:
            status, message = exc.args if len(exc.args) == 2 else (0, str(exc))
            raise PrintJobFailedError(f"{what}: {message}", device=self.name,
                                      code=f"IPP_{status:#06x}") from None  # fmt: skip
        except RuntimeError as exc:
            raise NoDeviceError(f"{what}: {exc}", device=self.name,
                                code="CUPS_UNREACHABLE") from None  # fmt: skip

    def _reasons(self) -> list[str]:
        attrs = self._ipp("printer attributes", self._conn.getPrinterAttributes,
                          self.settings.queue, requested_attributes=_PRINTER_ATTRS)  # fmt: skip
        reasons = attrs.get("printer-state-reasons", [])
        return [reasons] if isinstance(reasons, str) else list(reasons)

    def _refresh(self) -> DeviceError | None:
        """Publish the printer's status; return the error that stops it printing, if any."""
        reasons = self._reasons()
        self._set_status(detail=detail_from_reasons(reasons))
        exc = error_from_reasons(reasons, self.name)
        if exc is None:
            if self.status.state != DeviceState.BUSY:
                self._set_status(DeviceState.ONLINE, error_code="", reason="")
        else:
            self._set_status(self._state_for_error(exc), error_code=exc.code, reason=str(exc))
        return exc

    # -- family API ----------------------------------------------------------------

    def print_pdf(self, pdf: bytes, title: str) -> Future[PrintOutcome]:
        return self.submit(self._print_pdf, pdf, title)

    def _print_pdf(self, pdf: bytes, title: str) -> PrintOutcome:
        options = {"document-format": "application/pdf"}
        try:
            problem = self._refresh()
            if problem is not None:
                raise problem
            with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
                Path(tmp.name).write_bytes(pdf)
                job = self._ipp("submit", self._conn.printFile, self.settings.queue,
                                tmp.name, title, options)  # fmt: skip
        except DeviceError as exc:
            self._record_error(exc)
            raise failed(exc, "") from None
        job_id = str(job)
        log.info("%s: submitted job %s (%d bytes)", self.name, job_id, len(pdf))
        self._set_status(DeviceState.BUSY, reason=f"printing job {job_id}")
        try:
            return self._follow(job)
        except DeviceError as exc:
            self._record_error(exc)
            log.warning("%s: job %s failed: %s", self.name, job_id, exc)
            raise
        finally:
            if self.status.state == DeviceState.BUSY:
                self._set_status(DeviceState.ONLINE, reason="")

    def _follow(self, job: int) -> PrintOutcome:
        job_id = str(job)
        deadline = time.monotonic() + self.settings.job_timeout_s
        while True:
            attrs = self._ipp("job attributes", self._conn.getJobAttributes, job,
                              requested_attributes=_JOB_ATTRS)  # fmt: skip
            state = int(attrs.get("job-state", 0))
            pages = int(attrs.get("job-impressions-completed", 0) or 0)
            if state == COMPLETED:
                self._refresh()
                self.statistics.increment("jobs_printed")
                self.statistics.increment("pages_printed", pages)
                return PrintOutcome(JobState.COMPLETED, job_id, pages=pages)
            if state in (CANCELED, ABORTED):
                how = "aborted" if state == ABORTED else "canceled"
                ended = self._refresh() or PrintJobFailedError(
                    f"job {how}: {attrs.get('job-state-reasons')}",
                    device=self.name, code=f"CUPS_job-{how}",
                )  # fmt: skip
                raise failed(ended, job_id, JobState.FAILED, pages)
            stuck = self._refresh() if state in (PENDING, PROCESSING, STOPPED) else None
            if state == STOPPED or stuck is not None or time.monotonic() > deadline:
                self._cancel(job)
                stuck = stuck or PrintJobFailedError(
                    f"job did not finish (state {state})", device=self.name,
                    code="CUPS_job-stopped" if state == STOPPED else "CUPS_job-timeout",
                )  # fmt: skip
                raise failed(stuck, job_id, JobState.CANCELLED, pages)
            time.sleep(self.settings.poll_interval_s)

    def _cancel(self, job: int) -> None:
        try:
            self._ipp("cancel", self._conn.cancelJob, job)
            log.info("%s: cancelled job %s so it cannot print later", self.name, job)
        except DeviceError as exc:
            log.warning("%s: could not cancel job %s: %s", self.name, job, exc)

    # -- health -------------------------------------------------------------------

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        exc = self._refresh()
        report.check("state", exc is None, str(exc) if exc else ", ".join(self._reasons()))

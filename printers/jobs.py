"""What a print job ends as, and the printer errors both families raise.

``print_pdf`` and ``print_receipt`` resolve their future to a :class:`PrintOutcome` only
when the job really completed; any failure raises one of the errors below (each carrying
the failed outcome), so a flow cannot claim success by forgetting to look at a flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk_base.errors import DeviceError, DeviceOfflineError, HardwareError, MediaError


class JobState(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class PrintOutcome:
    """The end of one print job."""

    state: JobState
    #: The printer's job id (CUPS job id, or the receipt's process id).
    job_id: str
    #: Pages (A4) or receipts printed.
    pages: int = 0
    #: Device code of the failure ("DLE_EOT_PAPER_OUT", "CUPS_media-jam"...), "" if none.
    error_code: str = ""
    message_key: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state is JobState.COMPLETED


class _PrintFailure:
    """Mixin: the outcome of the job the error ended (None when no job had started)."""

    outcome: PrintOutcome | None = None


class PaperOutError(MediaError, _PrintFailure):
    default_message_key = "error.printer.paper_out"


class CoverOpenError(MediaError, _PrintFailure):
    default_message_key = "error.printer.cover_open"


class PaperJamError(MediaError, _PrintFailure):
    default_message_key = "error.printer.paper_jam"


class PrinterNoAnswerError(DeviceOfflineError, _PrintFailure):
    default_message_key = "error.printer.no_answer"


class PrinterOfflineError(DeviceOfflineError, _PrintFailure):
    default_message_key = "error.printer.offline"


class PrinterFaultError(HardwareError, _PrintFailure):
    """Cutter error, unrecoverable error, toner out: needs a technician."""

    default_message_key = "error.printer.fault"


class PrintJobFailedError(DeviceError, _PrintFailure):
    """The job ended without completing (aborted, cancelled, not confirmed)."""

    default_message_key = "error.printer.job_failed"


def failed(
    exc: DeviceError, job_id: str, state: JobState = JobState.FAILED, pages: int = 0
) -> DeviceError:
    """Attach the failed outcome to ``exc`` (when it is a print failure) and return it."""
    if isinstance(exc, _PrintFailure):
        exc.outcome = PrintOutcome(state, job_id, pages, exc.code, exc.message_key, str(exc))
    return exc

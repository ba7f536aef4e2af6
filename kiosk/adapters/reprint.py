"""Printing a receipt with its journal entry, and the staff's "reprint the last receipt".

The orchestration of a receipt printer (drivers/) and the print journal (printers/), so it
lives with the adapters, the lowest layer that knows both.
"""

from __future__ import annotations

from drivers.escpos.family import ReceiptPrinter
from kiosk_base.errors import DeviceError
from printers.jobs import PrintOutcome
from printers.journal import PrintJournal
from printers.receipt import Receipt


def print_journaled(
    printer: ReceiptPrinter, journal: PrintJournal, receipt: Receipt,
    reprint_of: int | None = None, timeout: float = 60.0,
) -> PrintOutcome:  # fmt: skip
    """Journal, print and record the outcome (blocking: call it off the UI thread)."""
    entry = journal.start_receipt(printer.name, receipt, reprint_of)
    try:
        outcome = printer.print_receipt(receipt).result(timeout)
    except DeviceError as exc:
        failed = getattr(exc, "outcome", None)
        if isinstance(failed, PrintOutcome):
            journal.finish(entry, failed)
        else:
            journal.fail(entry, exc.code)
        raise
    journal.finish(entry, outcome)
    return outcome


def reprint_last_receipt(
    printer: ReceiptPrinter, journal: PrintJournal, timeout: float = 60.0
) -> PrintOutcome | None:
    """Print the last receipt again (staff); None when there is none left to reprint."""
    last = journal.last_receipt()
    if last is None:
        return None
    entry, receipt = last
    return print_journaled(printer, journal, receipt, reprint_of=entry, timeout=timeout)

"""The print journal with the real receipt simulator: outcomes and staff reprints."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drivers.escpos.sim import SimulatedReceiptPrinter
from kiosk.adapters.reprint import print_journaled, reprint_last_receipt
from printers.jobs import PaperOutError
from printers.journal import PrintJournal
from printers.receipt import Receipt, ReceiptLine


@pytest.fixture
def printer() -> Iterator[SimulatedReceiptPrinter]:
    dev = SimulatedReceiptPrinter("receipt_printer")
    dev.open()
    yield dev
    dev.close()


def test_jobs_and_reprint(printer: SimulatedReceiptPrinter, tmp_path: Path) -> None:
    journal = PrintJournal(tmp_path / "journal.sqlite")
    receipt = Receipt(
        title="缴费凭证", receipt_no="R1", lines=(ReceiptLine(label="业务", value="社保"),)
    )
    assert print_journaled(printer, journal, receipt).ok
    printer.simulator.inject("paper_out_mid_receipt", after_lines=2)
    with pytest.raises(PaperOutError):
        print_journaled(printer, journal, receipt.model_copy(update={"receipt_no": "R2"}))
    printer.simulator.clear()
    outcome = reprint_last_receipt(printer, journal)
    assert outcome is not None and outcome.ok
    entries = journal.entries()
    assert [(e.reference, e.state) for e in entries] == [
        ("R2", "completed"), ("R2", "failed"), ("R1", "completed"),
    ]  # fmt: skip
    assert entries[0].reprint_of == entries[1].id
    assert entries[1].error_code == "DLE_EOT_PAPER_OUT"
    journal.close()
    # Persisted: a restarted kiosk still knows.
    again = PrintJournal(tmp_path / "journal.sqlite")
    assert len(again.entries()) == 3


def test_retention_erases_receipt_bodies_then_rows() -> None:
    journal = PrintJournal(None, keep_days=90, keep_payload_hours=24)
    entry = journal.start_receipt("rp", Receipt(title="t"))
    assert journal.last_receipt() is not None
    journal.prune(datetime.now(UTC) + timedelta(hours=25))
    assert journal.last_receipt() is None
    assert [e.id for e in journal.entries()] == [entry]
    assert journal.unfinished()[0].id == entry
    journal.prune(datetime.now(UTC) + timedelta(days=91))
    assert journal.entries() == []

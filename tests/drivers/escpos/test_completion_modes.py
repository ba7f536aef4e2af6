"""How a receipt is confirmed: GS ( H where the printer answers it, the real-time status
after the cut where it does not (most 58/80 mm thermal printers), probed at open."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.escpos.sim import SimulatedReceiptPrinter
from drivers.health import HealthLevel
from printers.jobs import JobState, PaperOutError
from tests.drivers.escpos.test_escpos_receipts import URL, _qr_texts, make_receipt


def _printer(model: str) -> SimulatedReceiptPrinter:
    return SimulatedReceiptPrinter("receipt_printer",
                                   SimulatedReceiptPrinter.Settings(printer_model=model))


@pytest.fixture
def plain() -> Iterator[SimulatedReceiptPrinter]:
    dev = _printer("ignores_gs_h")
    dev.open()
    yield dev
    dev.close()


def test_a_printer_answering_gs_h_is_confirmed_by_its_reply() -> None:
    dev = _printer("answers_gs_h")
    dev.open()
    try:
        assert dev.status.detail["completion"] == "process_id"
        assert dev.print_receipt(make_receipt()).result(20).state is JobState.COMPLETED
    finally:
        dev.close()


def test_a_printer_ignoring_gs_h_prints_confirmed_by_status(
        plain: SimulatedReceiptPrinter) -> None:
    assert plain.status.detail["completion"] == "status"
    outcome = plain.print_receipt(make_receipt()).result(20)
    assert outcome.ok and outcome.state is JobState.COMPLETED
    png = plain.printer_simulator.last_receipt_png()
    assert png is not None and _qr_texts(png) == [URL]
    # the probe left nothing behind: a second receipt is confirmed the same way
    assert plain.print_receipt(make_receipt()).result(20).ok
    assert len(plain.printer_simulator.receipts) == 2


def test_paper_running_out_mid_receipt_still_fails_it_without_gs_h(
        plain: SimulatedReceiptPrinter) -> None:
    plain.simulator.inject("paper_out_mid_receipt", after_lines=3)
    with pytest.raises(PaperOutError) as info:
        plain.print_receipt(make_receipt(lines=6)).result(20)
    assert info.value.outcome is not None and info.value.outcome.state is JobState.FAILED
    assert plain.status.detail["paper"] == "out"


def test_the_probe_waits_for_an_online_printer() -> None:
    """An offline printer answers no GS ( H whatever it supports: no verdict until online."""
    dev = _printer("answers_gs_h")
    dev.printer_simulator.inject("paper_out")
    dev.open()
    try:
        assert dev.status.detail["completion"] == "unknown"
        dev.printer_simulator.clear()
        assert dev.check_health(HealthLevel.INTERNAL).ok
        assert dev.status.detail["completion"] == "process_id"
    finally:
        dev.close()

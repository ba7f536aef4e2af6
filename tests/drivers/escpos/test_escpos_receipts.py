"""The serial ESC/POS driver against the pty printer simulator (the "sim" device)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from io import BytesIO

import pytest
import zxingcpp
from PIL import Image

from drivers.escpos.sim import SimulatedReceiptPrinter
from drivers.status import DeviceState
from printers.jobs import (
    CoverOpenError,
    JobState,
    PaperOutError,
    PrinterNoAnswerError,
)
from printers.receipt import Receipt, ReceiptAmount, ReceiptLine

URL = "https://verify.gov.example.cn/c/SB-2026-00000123?k=7Qm2xZ"


def make_receipt(lines: int = 2) -> Receipt:
    return Receipt(
        title="缴费凭证",
        subtitle="自助服务终端 KIOSK-SIM-0001",
        receipt_no="R20261121-0007",
        printed_at=datetime(2026, 11, 21, 10, 15, 3),
        lines=tuple(ReceiptLine(label=f"项目{i}", value="社保缴费") for i in range(lines)),
        amounts=(ReceiptAmount(label="养老保险", amount=Decimal("640.00")),),
        total=ReceiptAmount(label="合计 Total", amount=Decimal("640.00")),
        qr_payload=URL,
        qr_caption="扫码核验",
        footer=("谢谢使用",),
    )


@pytest.fixture
def printer() -> Iterator[SimulatedReceiptPrinter]:
    dev = SimulatedReceiptPrinter("receipt_printer")
    dev.open()
    yield dev
    dev.close()


def _qr_texts(png: bytes) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(Image.open(BytesIO(png)))]


def test_receipt_prints_and_its_png_carries_the_qr(printer: SimulatedReceiptPrinter) -> None:
    outcome = printer.print_receipt(make_receipt()).result(20)
    assert outcome.ok and outcome.state is JobState.COMPLETED
    png = printer.printer_simulator.last_receipt_png()
    assert png is not None
    assert _qr_texts(png) == [URL]
    assert printer.statistics.snapshot()["receipts_printed"] == 1


def test_raster_qr_fallback_decodes_too() -> None:
    dev = SimulatedReceiptPrinter("rp", SimulatedReceiptPrinter.Settings(native_qr=False))
    dev.open()
    try:
        dev.print_receipt(make_receipt()).result(20)
        png = dev.printer_simulator.last_receipt_png()
        assert png is not None and _qr_texts(png) == [URL]
    finally:
        dev.close()


def test_paper_out_mid_receipt_fails_the_receipt(printer: SimulatedReceiptPrinter) -> None:
    printer.simulator.inject("paper_out_mid_receipt", after_lines=3)
    with pytest.raises(PaperOutError) as info:
        printer.print_receipt(make_receipt(lines=6)).result(20)
    assert info.value.message_key == "error.printer.paper_out"
    assert info.value.outcome is not None and info.value.outcome.state is JobState.FAILED
    assert printer.status.detail["paper"] == "out"
    assert printer.status.state == DeviceState.USER_ERROR
    # The half-printed receipt was torn off without its QR code.
    torn = printer.printer_simulator.last_receipt_png()
    assert torn is not None and _qr_texts(torn) == []
    with pytest.raises(PaperOutError):
        printer.check_ready().result(10)
    printer.simulator.clear()
    printer.check_ready().result(10)
    assert printer.status.state == DeviceState.ONLINE
    assert printer.status.detail["paper"] == "full"


@pytest.mark.parametrize(
    ("fault", "error", "key"),
    [
        ("paper_out", PaperOutError, "error.printer.paper_out"),
        ("cover_open", CoverOpenError, "error.printer.cover_open"),
        ("no_answer", PrinterNoAnswerError, "error.printer.no_answer"),
    ],
)
def test_check_ready_refuses(
    printer: SimulatedReceiptPrinter, fault: str, error: type[Exception], key: str
) -> None:
    printer.simulator.inject(fault)
    with pytest.raises(error) as info:
        printer.check_ready().result(10)
    assert getattr(info.value, "message_key", None) == key
    receipts_before = len(printer.printer_simulator.receipts)
    with pytest.raises(error):
        printer.print_receipt(make_receipt()).result(10)
    assert len(printer.printer_simulator.receipts) == receipts_before


def test_near_end_still_prints_and_reports_low(printer: SimulatedReceiptPrinter) -> None:
    printer.simulator.inject("paper_near_end")
    printer.check_ready().result(10)
    assert printer.status.detail["paper"] == "low"
    assert printer.print_receipt(make_receipt()).result(20).ok


def test_unknown_port_reports_no_device() -> None:
    from drivers.escpos.serial_printer import SerialReceiptPrinter

    dev = SerialReceiptPrinter(
        "rp", SerialReceiptPrinter.Settings(port="/dev/does-not-exist-kiosk")
    )
    try:
        assert dev.open().state == DeviceState.NO_DEVICE
    finally:
        dev.close()


def test_text_outside_the_encoding_is_refused_before_printing() -> None:
    dev = SimulatedReceiptPrinter("rp", SimulatedReceiptPrinter.Settings(encoding="big5"))
    dev.open()
    try:
        with pytest.raises(Exception, match="big5"):
            dev.print_receipt(Receipt(title="证明 😀")).result(10)
        assert dev.printer_simulator.receipts == []
    finally:
        dev.close()

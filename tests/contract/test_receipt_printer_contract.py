"""Receipt printer contract, over every implementation (the sim device, and the real
serial driver against the pty simulator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.escpos.emulator.printer import EscPosPrinterSimulator
from drivers.escpos.family import ReceiptPrinter
from drivers.escpos.serial_printer import SerialReceiptPrinter, SerialReceiptSettings
from drivers.escpos.sim import SimulatedReceiptPrinter
from drivers.health import HealthLevel
from drivers.status import DeviceState, StatusChange
from printers.jobs import PaperOutError
from printers.receipt import Receipt


@pytest.fixture(params=["sim", "serial"])
def device(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[ReceiptPrinter, EscPosPrinterSimulator]]:
    if request.param == "sim":
        dev = SimulatedReceiptPrinter("receipt_printer")
        yield dev, dev.printer_simulator
        dev.close()
        return
    sim = EscPosPrinterSimulator()
    port = sim.start()
    dev2 = SerialReceiptPrinter("receipt_printer", SerialReceiptSettings(port=port, baud=115200))
    yield dev2, sim
    dev2.close()
    sim.stop()


def test_open_close_and_status_events(
    device: tuple[ReceiptPrinter, EscPosPrinterSimulator],
) -> None:
    dev, _ = device
    events: list[StatusChange] = []
    dev.subscribe(events.append)
    assert dev.family == "receipt_printer"
    assert dev.open().state == DeviceState.ONLINE
    assert {"paper", "cover"} <= set(dev.status.detail)
    dev.close()
    dev.close()
    states = [e.new.state for e in events]
    assert states[0] == DeviceState.STARTING and states[-1] == DeviceState.CLOSED


def test_health_both_levels(device: tuple[ReceiptPrinter, EscPosPrinterSimulator]) -> None:
    dev, sim = device
    dev.open()
    assert dev.check_health(HealthLevel.INTERNAL).ok
    assert dev.check_health(HealthLevel.EXTERNAL).ok
    assert len(sim.receipts) == 1
    sim.inject("paper_out")
    assert not dev.check_health(HealthLevel.INTERNAL).ok


def test_fault_injection_and_statistics(
    device: tuple[ReceiptPrinter, EscPosPrinterSimulator],
) -> None:
    dev, sim = device
    dev.open()
    assert set(sim.faults()) >= {"paper_out", "paper_out_mid_receipt", "paper_near_end",
                                 "cover_open", "no_answer"}  # fmt: skip
    assert dev.print_receipt(Receipt(title="测试")).result(20).ok
    sim.inject("paper_out")
    with pytest.raises(PaperOutError):
        dev.check_ready().result(10)
    assert dev.statistics.snapshot() == {"receipts_printed": 1, "errors": 1}
    sim.clear()
    dev.check_ready().result(10)

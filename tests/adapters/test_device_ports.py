"""The device adapters (kiosk/adapters/devices.py) over the device simulators, opened from
config as the kiosk opens them: one test per port method of kiosk/flow/device_ports.py, and
each port's failure coming out as an error a screen can show."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.adapters import EventJournal
from kiosk.adapters.devices import (
    CameraAdapter,
    CitizenCardAdapter,
    DocumentPrinterAdapter,
    IdCardReaderAdapter,
    ReceiptPrinterAdapter,
    ScannerAdapter,
)
from kiosk.flow import ports as p
from printers.journal import PrintJournal

from .conftest import Devices, sim
from .user_facing import assert_device_error

T = 30  # an upper bound for a simulated device on a loaded machine (never asserted)


def wait_for(condition: Callable[[], bool], timeout: float = T) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


# -- IdCardReaderPort ---------------------------------------------------------------------

def test_id_card_presence_and_read(devices: Devices) -> None:
    reader = devices.open("id_card_reader")
    port = IdCardReaderAdapter(reader)  # type: ignore[arg-type]
    seen: list[bool] = []
    arrived = threading.Event()

    def listener(present: bool) -> None:
        seen.append(present)
        arrived.set()

    unsubscribe = port.subscribe_presence(listener)
    assert port.card_present is False
    sim(reader).insert_card("zhang_wei")
    assert arrived.wait(T) and seen[0] is True
    assert port.card_present is True
    person = port.read().result(timeout=T)
    assert (person.source, person.id_number, person.name) == ("id_card", "110101195803070230",
                                                              "张伟")
    assert person.valid_until is None  # long-term card
    unsubscribe()
    sim(reader).remove_card()
    wait_for(lambda: not port.card_present)
    assert seen == [True]  # unsubscribed before the removal


def test_id_card_taken_out_mid_read(devices: Devices) -> None:
    reader = devices.open("id_card_reader")
    port = IdCardReaderAdapter(reader)  # type: ignore[arg-type]
    sim(reader).insert_card("zhang_wei")
    wait_for(lambda: port.card_present)
    sim(reader).inject("removed_mid_read")
    with pytest.raises(Exception) as err:
        port.read().result(timeout=T)
    assert_device_error(err.value, "error.idcard.removed_during_read")
    wait_for(lambda: not port.card_present)


# -- CitizenCardPort ----------------------------------------------------------------------

def test_citizen_card_read_holder(devices: Devices) -> None:
    reader = devices.open("card_reader")
    port = CitizenCardAdapter(reader, "KIOSK-ADAPTER-0001")  # type: ignore[arg-type]
    sim(reader).insert_card("wang_fang")
    wait_for(lambda: port.card_present)
    person = port.read_holder().result(timeout=T)
    assert (person.source, person.id_number, person.card_number) == (
        "citizen_card", "440305194209150287", "C44030500")


def test_citizen_card_initialize_for_load(devices: Devices) -> None:
    reader = devices.open("card_reader")
    port = CitizenCardAdapter(reader, "KIOSK-ADAPTER-0001")  # type: ignore[arg-type]
    sim(reader).insert_card("wang_fang")
    wait_for(lambda: port.card_present)
    load = port.initialize_for_load(2000).result(timeout=T)
    assert load.old_balance_fen == 5000 and len(load.mac1) == 4 and len(load.card_random) == 4
    assert load.terminal_id == port.terminal


def test_citizen_card_credit_with_a_wrong_mac2_is_refused(devices: Devices) -> None:
    # credit_for_load succeeding is tested with the backend's MAC2 in test_backend_ports.
    reader = devices.open("card_reader")
    port = CitizenCardAdapter(reader, "KIOSK-ADAPTER-0001")  # type: ignore[arg-type]
    sim(reader).insert_card("wang_fang")
    wait_for(lambda: port.card_present)
    port.initialize_for_load(2000).result(timeout=T)
    from datetime import datetime

    with pytest.raises(Exception) as err:
        port.credit_for_load(b"\x00\x00\x00\x00", datetime.now()).result(timeout=T)
    assert_device_error(err.value, "error.card.purse_failed")
    assert port.initialize_for_load(100).result(timeout=T).old_balance_fen == 5000


def test_citizen_card_garbage_answer(devices: Devices) -> None:
    reader = devices.open("card_reader")
    port = CitizenCardAdapter(reader, "KIOSK-ADAPTER-0001")  # type: ignore[arg-type]
    sim(reader).insert_card("wang_fang")
    wait_for(lambda: port.card_present)
    sim(reader).inject("corrupt_response")
    with pytest.raises(Exception) as err:
        port.read_holder().result(timeout=T)
    assert_device_error(err.value, "error.card.unreadable")


# -- CameraPort (face camera, document camera, scanner) ---------------------------------

@pytest.mark.parametrize("role", ["face_camera", "document_camera"])
def test_camera_capture(role: str, devices: Devices) -> None:
    camera = devices.open(role)
    image = CameraAdapter(camera).capture().result(timeout=T)  # type: ignore[arg-type]
    assert image.media_type == "image/jpeg" and image.data[:2] == b"\xff\xd8"


def test_camera_gone(devices: Devices) -> None:
    camera = devices.open("face_camera")
    sim(camera).inject("no_device")
    with pytest.raises(Exception) as err:
        CameraAdapter(camera).capture().result(timeout=T)  # type: ignore[arg-type]
    assert_device_error(err.value, "error.device.unavailable")


def test_scanner_capture(devices: Devices) -> None:
    scanner = devices.open("scanner")
    page = ScannerAdapter(scanner).capture().result(timeout=T)  # type: ignore[arg-type]
    assert page.media_type in ("image/png", "image/jpeg") and len(page.data) > 1000


def test_scanner_jam(devices: Devices) -> None:
    scanner = devices.open("scanner")
    sim(scanner).inject("jam")
    with pytest.raises(Exception) as err:
        ScannerAdapter(scanner).capture().result(timeout=T)  # type: ignore[arg-type]
    assert_device_error(err.value, "error.scanner.jammed")


# -- ReceiptPrinterPort -------------------------------------------------------------------

RECEIPT = p.ReceiptContent(service_title="水电燃气缴费", language="zh",
                           lines=(("缴费凭证号", "V-0001"),), amount_fen=5120,
                           order_id="KIOSK-1-abc", reference="REF-1")


def _receipt_port(devices: Devices, state_dir: Path, executor: Any
                  ) -> tuple[Any, ReceiptPrinterAdapter, PrintJournal]:
    printer = devices.open("receipt_printer")
    journal = PrintJournal(state_dir / "print-journal.sqlite")
    return printer, ReceiptPrinterAdapter(printer, journal, executor,  # type: ignore[arg-type]
                                          "KIOSK-ADAPTER-0001"), journal


def test_receipt_print_and_ready(devices: Devices, state_dir: Path, executor: Any) -> None:
    _printer, port, _journal = _receipt_port(devices, state_dir, executor)
    wait_for(port.ready)
    progress: list[float] = []
    port.print_receipt(RECEIPT, progress.append).result(timeout=T)
    assert progress[-1] == 1.0
    assert port.reprint_last() is True  # the journal kept what was printed


def test_receipt_paper_out(devices: Devices, state_dir: Path, executor: Any) -> None:
    printer, port, _journal = _receipt_port(devices, state_dir, executor)
    sim(printer).inject("paper_out")
    with pytest.raises(Exception) as err:
        port.print_receipt(RECEIPT, lambda _f: None).result(timeout=T)
    assert_device_error(err.value, "error.printer.paper_out")
    wait_for(lambda: not port.ready())


# -- DocumentPrinterPort ------------------------------------------------------------------

def test_certificate_print_and_ready(devices: Devices, state_dir: Path, executor: Any,
                                     certificate: dict[str, object]) -> None:
    printer = devices.open("a4_printer")
    port = DocumentPrinterAdapter(printer, PrintJournal(state_dir / "pj.sqlite"),  # type: ignore[arg-type]
                                  executor)
    wait_for(port.ready)
    progress: list[float] = []
    port.print_certificate(certificate, progress.append).result(timeout=T)
    assert progress[-1] == 1.0


def test_certificate_printer_jam(devices: Devices, state_dir: Path, executor: Any,
                                 certificate: dict[str, object]) -> None:
    printer = devices.open("a4_printer")
    port = DocumentPrinterAdapter(printer, PrintJournal(state_dir / "pj.sqlite"),  # type: ignore[arg-type]
                                  executor)
    sim(printer).inject("media_jam")
    with pytest.raises(Exception) as err:
        port.print_certificate(certificate, lambda _f: None).result(timeout=T)
    assert_device_error(err.value, "error.printer.paper_jam")


# -- JournalPort --------------------------------------------------------------------------

def test_event_journal_record(state_dir: Path) -> None:
    import json

    journal = EventJournal(state_dir / "flow-events.jsonl")
    journal.record("key-1", "payment.created", order_id="O-1", amount_fen=5120)
    journal.record("key-1", "payment.paid", order_id="O-1")
    lines = [json.loads(x) for x in (state_dir / "flow-events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in lines] == ["payment.created", "payment.paid"]
    assert lines[0]["amount_fen"] == 5120 and lines[0]["key"] == "key-1"

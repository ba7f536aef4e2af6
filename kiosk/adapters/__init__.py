"""Adapters from the real devices and backend client to the flow's ports (no Qt)."""

from __future__ import annotations

import logging
from typing import Any

from backend_client.journal import PaymentJournal
from backend_client.outbox import Outbox
from drivers.camera.base import Camera
from drivers.cups.family import DocumentPrinter
from drivers.escpos.family import ReceiptPrinter
from drivers.idcard.base import IdCardReader
from drivers.pcsc.base import CardReader
from drivers.scanner.base import Scanner
from kiosk.adapters.backend import BackendPorts, OutboxPort
from kiosk.adapters.card_purse import (
    JournalPurchaseLedger,
    PurchaseBackendAdapter,
    PurseCardAdapter,
)
from kiosk.adapters.devices import (
    CameraAdapter,
    CitizenCardAdapter,
    DocumentPrinterAdapter,
    IdCardReaderAdapter,
    ReceiptPrinterAdapter,
    ScannerAdapter,
)
from kiosk.adapters.documents import DocumentCameraAdapter, MaterialsAdapter
from kiosk.adapters.journal_port import EventJournal, JournalPort
from kiosk.adapters.payments import PaymentsKeeper
from kiosk.adapters.purse import JournalPurseLedger
from kiosk.adapters.purse_refund import (
    JournalRefundLedger,
    RefundBackendAdapter,
    RefundCardAdapter,
)
from kiosk.flow.ports import FlowPorts
from kiosk.runtime import KioskRuntime
from printers.journal import PrintJournal

log = logging.getLogger(__name__)


def build_ports(runtime: KioskRuntime) -> FlowPorts:
    """Every port over the runtime's devices and backend; a missing device is None."""
    state = runtime.state_dir
    assert runtime.backend is not None, "start the runtime first"
    payments = PaymentJournal(state / "payments.sqlite")
    backend = BackendPorts(runtime.backend, runtime.executor, payments,
                           lambda: runtime.catalog)
    outbox = OutboxPort(Outbox(runtime.config.backend.outbox or state / "outbox.sqlite"),
                        backend)
    print_journal = PrintJournal(state / "print-journal.sqlite")
    devices = runtime.devices
    kwargs: dict[str, Any] = {}
    dev = devices.get("id_card_reader")
    if isinstance(dev, IdCardReader):
        kwargs["id_card_reader"] = IdCardReaderAdapter(dev)
    dev = devices.get("card_reader")
    if isinstance(dev, CardReader):
        kwargs["citizen_card"] = CitizenCardAdapter(dev, runtime.config.terminal_id)
        kwargs["refund_card"] = RefundCardAdapter(dev)
        kwargs["card_refunds"] = RefundBackendAdapter(runtime.backend, runtime.executor)
        if getattr(dev.settings, "psam_reader", None):  # purse purchases need the PSAM
            kwargs["card_purse"] = PurseCardAdapter(dev)
            kwargs["purchases"] = PurchaseBackendAdapter(runtime.backend, runtime.executor)
    dev = devices.get("face_camera")
    if isinstance(dev, Camera):
        kwargs["face_camera"] = CameraAdapter(dev)
    dev = devices.get("document_camera")
    if isinstance(dev, Camera):
        kwargs["document_camera"] = DocumentCameraAdapter(dev, runtime.executor)
    dev = devices.get("scanner")
    if isinstance(dev, Scanner):
        kwargs["scanner"] = ScannerAdapter(dev)
    dev = devices.get("receipt_printer")
    if isinstance(dev, ReceiptPrinter):
        kwargs["receipt_printer"] = ReceiptPrinterAdapter(dev, print_journal, runtime.executor,
                                                          runtime.config.terminal_id)
    dev = devices.get("a4_printer")
    if isinstance(dev, DocumentPrinter):
        kwargs["a4_printer"] = DocumentPrinterAdapter(dev, print_journal, runtime.executor)
    runtime.backend_ports = backend
    runtime.payments = PaymentsKeeper(runtime.backend, payments, outbox.outbox,
                                      runtime.executor, kwargs.get("receipt_printer"),
                                      interval_s=runtime.config.timeouts.reconcile_s)
    return FlowPorts(identity=backend, options=backend, payments=backend,
                     submissions=backend, outbox=outbox, eligibility=backend,
                     journal=JournalPort(payments, EventJournal(state / "flow-events.jsonl"),
                                         backend.order_id),
                     purse_ledger=JournalPurseLedger(payments),
                     purchase_ledger=JournalPurchaseLedger(payments),
                     refund_ledger=JournalRefundLedger(payments), ratings=outbox,
                     materials=MaterialsAdapter(backend), **kwargs)

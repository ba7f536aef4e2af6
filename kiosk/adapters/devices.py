"""The flow's device ports over the real device classes (drivers/).

Nothing here blocks the caller: device work is already on each device's worker; what
the adapters add (mapping, rendering a certificate) runs on the kiosk's worker pool.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from card import pboc
from card.citizen import CitizenCardData
from card.idcard import IdCardData
from drivers.base import Device
from drivers.camera.base import Camera
from drivers.camera.frames import Frame
from drivers.camera.guidance import GuideSettings
from drivers.camera.idphoto import photo_guide
from drivers.cups.family import DocumentPrinter
from drivers.escpos.family import ReceiptPrinter
from drivers.idcard.base import IdCardReader
from drivers.pcsc.base import CardReader
from drivers.scanner.base import Scanner
from drivers.status import StatusChange
from kiosk.adapters.reprint import print_journaled, reprint_last_receipt
from kiosk.flow import ports as p
from kiosk.flow import purse_ports as pp
from kiosk.flow.device_ports import IdPhoto
from kiosk_base.errors import UserFacingError
from printers.journal import PrintJournal
from printers.receipt import Receipt, ReceiptAmount, ReceiptLine

log = logging.getLogger(__name__)
T = TypeVar("T")
U = TypeVar("U")


def then(future: Future[T], fn: Callable[[T], U]) -> Future[U]:
    """A future of ``fn(result)``; the original's exception passes through."""
    out: Future[U] = Future()

    def done(f: Future[T]) -> None:
        exc = f.exception()
        if exc is not None:
            out.set_exception(exc)
            return
        try:
            out.set_result(fn(f.result()))
        except Exception as err:  # noqa: BLE001 - the mapping's failure is the future's
            out.set_exception(err)

    future.add_done_callback(done)
    return out


class _Presence:
    """card_present / subscribe_presence from a device's ``media`` status detail."""

    def __init__(self, device: Device) -> None:
        self.device = device

    @property
    def card_present(self) -> bool:
        return self.device.status.detail.get("media") == "present"

    @property
    def card_absent(self) -> bool:
        return self.device.status.detail.get("media") == "not_present"

    def subscribe_presence(self, listener: Callable[[bool], None]) -> Callable[[], None]:
        def on_change(change: StatusChange) -> None:
            old = change.old.detail.get("media") == "present"
            new = change.new.detail.get("media") == "present"
            if old != new:
                listener(new)
        return self.device.subscribe(on_change)


def person_from_id_card(card: IdCardData) -> p.Person:
    return p.Person(name=card.name, id_number=card.id_number, source="id_card",
                    card_type=card.card_type.value, sex=card.sex, birth_date=card.birth_date,
                    address=card.address, valid_until=card.valid_until)


def person_from_citizen_card(card: CitizenCardData) -> p.Person:
    return p.Person(name=card.name, id_number=card.ssn, source="citizen_card",
                    card_type="social_security", sex=card.sex, birth_date=card.birth_date,
                    card_number=card.card_number, valid_until=card.expiry_date,
                    purse_balance_fen=card.purse.balance if card.purse is not None else None)


class IdCardReaderAdapter(_Presence):
    def __init__(self, device: IdCardReader) -> None:
        super().__init__(device)
        self.reader = device

    def read(self) -> Future[p.Person]:
        return then(self.reader.read(), person_from_id_card)


def terminal_number(terminal_id: str) -> bytes:
    """The 6-byte terminal (machine) number a card's MAC covers, stable per terminal."""
    return hashlib.sha256(terminal_id.encode()).digest()[:6]


class CitizenCardAdapter(_Presence):
    def __init__(self, device: CardReader, terminal_id: str) -> None:
        super().__init__(device)
        self.reader = device
        self.terminal = terminal_number(terminal_id)

    def read_holder(self) -> Future[p.Person]:
        return then(self.reader.read(), person_from_citizen_card)

    def initialize_for_load(self, amount_fen: int) -> Future[pp.LoadInitialisation]:
        def map_load(req: Any) -> pp.LoadInitialisation:
            return pp.LoadInitialisation(
                card_serial=req.card_serial.hex(), old_balance_fen=req.old_balance,
                online_seq=req.online_seq.to_bytes(2, "big"), key_version=req.key_version,
                algorithm_id=req.alg_id, card_random=req.card_random, mac1=req.mac1,
                terminal_id=req.terminal_id)
        return then(self.reader.begin_load(amount_fen, self.terminal), map_load)

    def credit_for_load(self, mac2: bytes, when: datetime) -> Future[bytes]:
        return then(self.reader.complete_load(mac2, when), lambda r: bytes(r.tac))

    def load_proof(self, online_seq: int) -> Future[tuple[str, bytes | None]]:
        return then(self.reader.transaction_proof(pboc.TX_EP_LOAD, online_seq),
                    lambda r: (r[0].hex().upper(), r[1]))


class CameraAdapter:
    #: Preview rate, and how often faces are detected in it (every 3rd frame: guidance
    #: and liveness need a few answers a second, the picture needs every frame).
    PREVIEW_FPS = 25.0
    DETECT_EVERY = 3

    def __init__(self, device: Camera) -> None:
        self.device = device

    def capture(self) -> Future[p.CapturedImage]:
        return then(self.device.capture(), lambda img: p.CapturedImage(img.jpeg, "image/jpeg"))

    def start_preview(self, on_frame: Callable[[Frame], None],
                      on_error: Callable[[UserFacingError], None]) -> None:
        self.device.start_preview(on_frame, self.PREVIEW_FPS, detect_every=self.DETECT_EVERY,
                                  on_error=lambda exc: on_error(exc.user_facing()))

    def stop_preview(self) -> None:
        self.device.stop_preview()

    def watch_closely(self, closely: bool) -> None:
        self.device.set_detect_every(1 if closely else self.DETECT_EVERY)

    def photo_guide(self) -> GuideSettings:
        return photo_guide(self.device.photo_spec, *self.device.frame_size)

    def capture_id_photo(self) -> Future[IdPhoto]:
        return then(self.device.capture_id_photo(), lambda r: IdPhoto(
            tuple(problem.value for problem in r[0].problems), r[1]))


class ScannerAdapter:
    def __init__(self, device: Scanner) -> None:
        self.device = device

    def capture(self) -> Future[p.CapturedImage]:
        return then(self.device.scan(), lambda page: p.CapturedImage(
            page.data, "image/png" if page.format == "png" else "image/jpeg"))


def _printer_ready(device: Device) -> bool:
    status = device.status
    return (status.state.usable and status.detail.get("paper") not in ("out", "jammed")
            and status.detail.get("cover") != "open")


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ReceiptPrinterAdapter:
    def __init__(self, device: ReceiptPrinter, journal: PrintJournal, executor: Executor,
                 terminal_id: str) -> None:
        self.device = device
        self.journal = journal
        self.executor = executor
        self.terminal_id = terminal_id

    def ready(self) -> bool:
        return _printer_ready(self.device)

    def check_ready(self) -> Future[None]:
        return self.device.check_ready()

    def receipt(self, content: p.ReceiptContent) -> Receipt:
        en = content.language == "en"
        lines = [ReceiptLine(label=_fit(k, 40), value=_fit(v, 200)) for k, v in content.lines]
        if content.reference:
            lines.insert(0, ReceiptLine(label="Reference" if en else "业务编号",
                                        value=_fit(content.reference, 200)))
        if content.order_id:
            lines.append(ReceiptLine(label="Order" if en else "订单号",
                                     value=_fit(content.order_id, 200)))
        total = None
        if content.amount_fen:
            total = ReceiptAmount(label="Paid" if en else "实付金额",
                                  amount=Decimal(content.amount_fen) / 100)
        footer = ("Keep this receipt. Thank you." if en else "请妥善保管本凭条，谢谢！",)
        return Receipt(title=_fit(content.service_title, 40),
                       subtitle=_fit(("Self-service terminal " if en else "政务服务自助终端 ")
                                     + self.terminal_id, 60),
                       lines=tuple(lines), total=total, footer=footer,
                       qr_payload=content.qr_payload[:500] or None,
                       qr_caption=_fit(content.qr_caption, 60),
                       printed_at=datetime.now(), receipt_no=_fit(content.order_id, 40))

    def print_receipt(self, receipt: p.ReceiptContent,
                      on_progress: p.ProgressListener) -> Future[None]:
        def run() -> None:
            on_progress(0.1)
            print_journaled(self.device, self.journal, self.receipt(receipt))
            on_progress(1.0)
        return self.executor.submit(run)

    def last_receipt_preview(self) -> str | None:
        """What a staff reprint would print: title, number, time and total (no resident's
        lines), or None when there is nothing to reprint."""
        last = self.journal.last_receipt()
        if last is None:
            return None
        receipt = last[1]
        parts = [receipt.title, receipt.receipt_no]
        if receipt.printed_at is not None:
            parts.append(receipt.printed_at.strftime("%Y-%m-%d %H:%M"))
        if receipt.total is not None:
            parts.append(f"{receipt.total.label} {receipt.total.formatted()}")
        return " · ".join(p for p in parts if p)

    def reprint_last(self) -> bool:
        """Staff: print the last receipt again (blocking; run it off the UI thread)."""
        return reprint_last_receipt(self.device, self.journal) is not None


class DocumentPrinterAdapter:
    def __init__(self, device: DocumentPrinter, journal: PrintJournal,
                 executor: Executor) -> None:
        self.device = device
        self.journal = journal
        self.executor = executor

    def ready(self) -> bool:
        return _printer_ready(self.device) and self.device.status.detail.get("toner") != "out"

    def prepare(self) -> None:
        """Start and warm the certificate render process on a worker (cheap if it is up)."""
        from printers.certificate import cache

        self.executor.submit(cache.prestart)

    def print_certificate(self, certificate: Mapping[str, object],
                          on_progress: p.ProgressListener) -> Future[None]:
        def run() -> None:
            on_progress(0.05)
            # reportlab is imported here, on the worker, not when the kiosk starts.
            from printers.certificate.cache import render_once
            from printers.certificate.data import CertificateData

            data = CertificateData.from_json(dict(certificate))
            pdf = render_once(certificate)  # the bytes the preview shows
            on_progress(0.3)
            entry = self.journal.start_certificate(self.device.name, data.title, data.number)
            try:
                outcome = self.device.print_pdf(pdf, data.number).result(timeout=300)
            except Exception as exc:
                self.journal.fail(entry, getattr(exc, "code", "") or type(exc).__name__)
                raise
            self.journal.finish(entry, outcome)
            on_progress(1.0)
        return self.executor.submit(run)

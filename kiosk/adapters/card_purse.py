"""The purse purchase (消费) ports: the citizen card reader with its PSAM, the TAC upload
to the backend, and the purchases of the payment journal."""

from __future__ import annotations

import json
import logging
from concurrent.futures import Executor, Future
from datetime import datetime
from typing import TypeVar

from backend_client.client import BackendClient
from backend_client.errors import BackendRejectedError
from backend_client.journal import PaymentJournal
from backend_client.models import PurchaseUpload
from card import pboc
from card.citizen import CitizenCardData, PurchaseDebit, PurchaseStart
from card.errors import PsamError, PurseError
from drivers.pcsc.base import CardReader
from kiosk.adapters.backend import backend_call
from kiosk.adapters.devices import then
from kiosk.flow.purse_ports import (
    PURCHASE_FINAL,
    PurchaseDebited,
    PurchaseEntry,
    PurchasePhase,
    PurchaseRecorded,
    PurchaseStarted,
    PurseOffer,
)
from kiosk_base.errors import UserFacingError

log = logging.getLogger(__name__)
T = TypeVar("T")


class PurseCardAdapter:
    """Implements PurseCardPort over the PC/SC reader (card in slot 1, PSAM in slot 2)."""

    def __init__(self, device: CardReader) -> None:
        self.reader = device

    @property
    def card_present(self) -> bool:
        return self.reader.status.detail.get("media") == "present"

    def purse_offer(self) -> Future[PurseOffer]:
        out: Future[PurseOffer] = Future()

        def read(f: Future[CitizenCardData]) -> None:
            exc = f.exception()
            if exc is not None:
                out.set_exception(UserFacingError("purse.card_unreadable", cause=exc))
                return
            card = f.result()
            if card.purse is None:
                out.set_exception(UserFacingError("purse.no_purse"))
                return
            terminal = self.reader.status.detail.get("psam_terminal", "")
            out.set_result(PurseOffer(card_serial=card.purse.serial.upper(),
                                      balance_fen=card.purse.balance,
                                      terminal_number=str(terminal)))

        def psam(f: Future[bytes]) -> None:
            exc = f.exception()
            if exc is not None:
                log.info("purse: PSAM unavailable (%s)", getattr(exc, "code", type(exc).__name__))
                out.set_exception(UserFacingError("purse.psam_unavailable", cause=exc))
                return
            self.reader.read().add_done_callback(read)

        self.reader.psam_terminal().add_done_callback(psam)
        return out

    def begin_purchase(self, amount_fen: int, when: datetime) -> Future[PurchaseStarted]:
        def mapped(s: PurchaseStart) -> PurchaseStarted:
            return PurchaseStarted(card_serial=s.card_serial.hex().upper(),
                                   old_balance_fen=s.old_balance, offline_seq=s.offline_seq,
                                   terminal_number=s.terminal_id.hex().upper(),
                                   terminal_seq=s.terminal_seq.hex().upper(), when=s.when)

        return _purse_errors(then(self.reader.begin_purchase(amount_fen, when), mapped))

    def complete_purchase(self) -> Future[PurchaseDebited]:
        def mapped(d: PurchaseDebit) -> PurchaseDebited:
            return PurchaseDebited(tac=d.tac, mac2=d.mac2, mac2_verified=d.mac2_verified)

        return then(self.reader.complete_purchase(), mapped)

    def cancel_purchase(self) -> Future[None]:
        return self.reader.cancel_purchase()

    def purchase_proof(self, offline_seq: int) -> Future[tuple[str, bytes | None]]:
        return then(self.reader.transaction_proof(pboc.TX_EP_PURCHASE, offline_seq),
                    lambda r: (r[0].hex().upper(), r[1]))


def _purse_errors(future: Future[T]) -> Future[T]:
    """Insufficient balance and a missing PSAM become the pay screen's own messages."""
    out: Future[T] = Future()

    def done(f: Future[T]) -> None:
        exc = f.exception()
        if exc is None:
            out.set_result(f.result())
        elif isinstance(exc, PurseError) and exc.sw == 0x9401:
            out.set_exception(UserFacingError("purse.insufficient", cause=exc))
        elif isinstance(exc, PsamError):
            out.set_exception(UserFacingError("purse.psam_unavailable", cause=exc))
        else:
            out.set_exception(exc)

    future.add_done_callback(done)
    return out


class PurchaseBackendAdapter:
    """Implements PurchaseBackend over the backend client (on the kiosk's executor)."""

    def __init__(self, client: BackendClient, executor: Executor) -> None:
        self.client = client
        self.executor = executor

    def upload_purchase(self, entry: PurchaseEntry, *,
                        recovered: bool = False) -> Future[PurchaseRecorded]:
        def call() -> PurchaseRecorded:
            upload = PurchaseUpload(
                order_id=entry.order_id, card_serial=entry.card_serial,
                amount_fen=entry.amount_fen, old_balance_fen=entry.old_balance_fen,
                offline_seq=entry.offline_seq, terminal_number=entry.terminal_number,
                terminal_seq=entry.terminal_seq, tx_datetime=entry.tx_datetime,
                tac=entry.tac, mac2=entry.mac2, recovered=recovered)
            try:
                record = self.client.upload_purchase(
                    upload, f"purchase-{entry.card_serial}-{entry.offline_seq}")
            except BackendRejectedError as exc:
                raise UserFacingError("purse.rejected", cause=exc) from exc
            return PurchaseRecorded(record.purchase_id, record.order_id,
                                    record.new_balance_fen)

        return backend_call(self.executor, call)


def entry_json(entry: PurchaseEntry) -> str:
    return json.dumps({k: v for k, v in entry.__dict__.items() if k != "phase"},
                      sort_keys=True)


class JournalPurchaseLedger:
    """Implements PurchaseLedgerPort over the payment journal's ``purchases`` table."""

    def __init__(self, journal: PaymentJournal) -> None:
        self.journal = journal

    def record_purchase(self, entry: PurchaseEntry) -> None:
        self.journal.record_purchase(entry.key, entry.order_id, entry.phase.value,
                                     entry_json(entry))

    def open_purchases(self) -> list[PurchaseEntry]:
        return [e for e in self._rows(open_only=True) if e.phase not in PURCHASE_FINAL]

    def purchases(self) -> list[PurchaseEntry]:
        return self._rows(open_only=False)

    def _rows(self, *, open_only: bool) -> list[PurchaseEntry]:
        return [PurchaseEntry(phase=PurchasePhase(phase), **json.loads(raw))
                for _key, _order, phase, raw in self.journal.purchase_rows(open_only=open_only)]

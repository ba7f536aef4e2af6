"""The refund-to-card (退款圈存) ports: the card's purse serial and balance, the backend's
refunds owed to a card and their loads, and the journal's ``refund_loads`` table."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import datetime
from typing import TypeVar

from backend_client.client import BackendClient
from backend_client.journal import PaymentJournal
from backend_client.models import CardLoadRequest, TopupConfirm
from card.citizen import PurseInfo
from drivers.pcsc.base import CardReader
from kiosk.adapters.backend import backend_call
from kiosk.adapters.devices import then
from kiosk.flow.purse_ports import (
    REFUND_FINAL,
    LoadInitialisation,
    OwedRefund,
    RefundLoadEntry,
    RefundPhase,
    TopupAuthorisation,
)
from kiosk_base.errors import UserFacingError

T = TypeVar("T")


class RefundCardAdapter:
    """Implements RefundCardPort: the purse of the card in the reader."""

    def __init__(self, device: CardReader) -> None:
        self.reader = device

    def purse_status(self) -> Future[tuple[str, int]]:
        def mapped(info: PurseInfo) -> tuple[str, int]:
            if not info.serial:
                raise UserFacingError("purse.no_purse")
            return info.serial.upper(), info.balance

        return then(self.reader.read_purse(), mapped)


class RefundBackendAdapter:
    """Implements RefundBackend over the backend client (on the kiosk's executor)."""

    def __init__(self, client: BackendClient, executor: Executor) -> None:
        self.client = client
        self.executor = executor

    def _submit(self, fn: Callable[[], T]) -> Future[T]:
        return backend_call(self.executor, fn)

    def owed_refunds(self, card_serial: str) -> Future[list[OwedRefund]]:
        def call() -> list[OwedRefund]:
            return [OwedRefund(r.refund_id, r.order_id, r.amount_fen, r.status,
                               r.online_seq or "")
                    for r in self.client.card_refunds(card_serial).refunds]
        return self._submit(call)

    def load_refund(self, refund_id: str, amount_fen: int,
                    load: LoadInitialisation) -> Future[TopupAuthorisation]:
        def call() -> TopupAuthorisation:
            body = CardLoadRequest(
                card_serial=load.card_serial.upper(), amount_fen=amount_fen,
                terminal_number=load.terminal_id.hex().upper(),
                old_balance_fen=load.old_balance_fen, online_seq=load.online_seq.hex().upper(),
                key_version=load.key_version, alg_id=load.algorithm_id,
                card_random=load.card_random.hex().upper(), mac1=load.mac1.hex().upper())
            # One key per refund and card load session: a lost answer is asked again
            # with the same key and body (the same MAC2).
            answer = self.client.load_refund(
                refund_id, body, f"refund-load-{refund_id}-{load.card_random.hex()}")
            when = datetime.strptime(answer.host_datetime, "%Y%m%d%H%M%S")
            return TopupAuthorisation(refund_id, bytes.fromhex(answer.mac2), when)
        return self._submit(call)

    def confirm_refund(self, refund_id: str, tac: bytes, new_balance_fen: int) -> Future[None]:
        def call() -> None:
            self.client.confirm_refund(refund_id, TopupConfirm(
                tac=tac.hex().upper(), new_balance_fen=new_balance_fen),
                f"refund-confirm-{refund_id}-{tac.hex()}")
        return self._submit(call)

    def cancel_refund_load(self, refund_id: str, online_seq: int) -> Future[None]:
        def call() -> None:
            seq = online_seq.to_bytes(2, "big").hex().upper()
            self.client.cancel_refund_load(refund_id, seq, f"refund-cancel-{refund_id}-{seq}")
        return self._submit(call)


def entry_json(entry: RefundLoadEntry) -> str:
    return json.dumps({k: v for k, v in entry.__dict__.items() if k != "phase"},
                      sort_keys=True)


class JournalRefundLedger:
    """Implements RefundLedgerPort over the payment journal's ``refund_loads`` table."""

    def __init__(self, journal: PaymentJournal) -> None:
        self.journal = journal

    def record_refund(self, entry: RefundLoadEntry) -> None:
        self.journal.record_refund_load(entry.key, entry.refund_id, entry.phase.value,
                                        entry_json(entry))

    def open_refunds(self) -> list[RefundLoadEntry]:
        out = []
        for _key, _refund, phase, raw in self.journal.refund_load_rows(open_only=True):
            entry = RefundLoadEntry(phase=RefundPhase(phase), **json.loads(raw))
            if entry.phase not in REFUND_FINAL:
                out.append(entry)
        return out

"""PaymentDesk: payments that survive lost answers, crashes and restarts.

Rules: the idempotency key and the terminal-chosen order id are journaled before the
first call; a retried create uses the same key, so the backend keeps one order;
expired unpaid orders are closed; a refund is only asked for after the backend
confirmed the order paid.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Literal

from backend_client.client import BackendClient, new_idempotency_key
from backend_client.errors import BackendError, BackendNotFoundError, BackendRejectedError
from backend_client.journal import JournalState, PaymentJournal
from backend_client.models import PaymentCreate, PaymentOrder, RefundRequest

log = logging.getLogger(__name__)

_STATE_OF = {
    "unpaid": JournalState.ORDER_CREATED,
    "paid": JournalState.PAID,
    "closed": JournalState.CLOSED,
    "refunded": JournalState.REFUNDED,
}


def _state(order: PaymentOrder) -> JournalState:
    if order.status == "paid" and order.used_by:
        return JournalState.DELIVERED
    return _STATE_OF[order.status]


class RefundNotConfirmedError(BackendRejectedError):
    """A refund was asked for an order the backend has not confirmed as paid."""

    default_message_key = "error.payment.refund_not_allowed"


class PaymentDesk:
    def __init__(self, client: BackendClient, journal: PaymentJournal) -> None:
        self.client = client
        self.journal = journal

    def new_order_id(self) -> str:
        return f"{self.client.terminal_id}-{datetime.now():%Y%m%d%H%M%S}-{secrets.token_hex(4)}"

    def create(
        self,
        amount_fen: int,
        description: str,
        service_id: str,
        purpose: Literal["service_fee", "bill", "card_topup"],
        *,
        bill_id: str | None = None,
        person_token: str | None = None,
    ) -> PaymentOrder:
        """Journal, then create the order (retried with the same key on lost answers)."""
        request = PaymentCreate(
            order_id=self.new_order_id(), amount_fen=amount_fen, description=description,
            service_id=service_id, purpose=purpose, bill_id=bill_id, person_token=person_token,
        )
        key = new_idempotency_key()
        self.journal.begin(request.order_id, key, request.model_dump_json(), amount_fen,
                           service_id=service_id, purpose=purpose, bill_id=bill_id)
        return self.resend(request.order_id)

    def resend(self, order_id: str) -> PaymentOrder:
        """Send the journaled create again with its original key (after a failure)."""
        entry = self.journal.get(order_id)
        if entry is None:
            raise KeyError(order_id)
        request = PaymentCreate.model_validate_json(entry.request_json)
        order = self.client.create_payment(request, entry.idempotency_key)
        self._record(order)
        return order

    def poll(self, order_id: str) -> PaymentOrder:
        order = self.client.payment(order_id)
        self._record(order)
        return order

    def close(self, order_id: str) -> PaymentOrder:
        order = self.client.close_payment(order_id, f"close-{order_id}"[:128])
        self._record(order)
        return order

    def mark_used(self, order_id: str, used_by: str) -> None:
        self.journal.transition(order_id, JournalState.DELIVERED, used_by=used_by)

    def refund(self, order_id: str, reason: str) -> PaymentOrder:
        """Refund the whole order, only once the backend confirms it paid and unused."""
        confirmed = self.poll(order_id)
        if confirmed.status != "paid" or confirmed.used_by is not None:
            raise RefundNotConfirmedError(
                f"order is {confirmed.status}, not paid and unused", code="refund_not_allowed"
            )
        amount = confirmed.amount_fen - confirmed.refunded_fen
        order = self.client.refund_payment(
            order_id, RefundRequest(amount_fen=amount, reason=reason), f"refund-{order_id}"[:128]
        )
        self._record(order)
        return order

    def recover(self) -> list[PaymentOrder]:
        """After a restart: settle every open journal entry with the backend.

        Orders the backend never received are marked so; unpaid orders are closed (the
        resident is gone); paid but unused orders are returned for the caller to finish
        or refund. Entries the backend cannot be asked about now stay open.
        """
        paid_unused: list[PaymentOrder] = []
        for entry in self.journal.open_entries():
            try:
                order = self.client.payment(entry.order_id)
            except BackendNotFoundError:
                log.info("payment %s: never reached the backend", entry.order_id)
                self.journal.transition(entry.order_id, JournalState.CLOSED,
                                        note="never_created")
                continue
            except BackendError as exc:
                log.warning("payment %s: cannot recover now: %s", entry.order_id, exc)
                continue
            self._record(order)
            if order.status == "unpaid":
                self.close(entry.order_id)
            elif order.status == "paid" and order.used_by is None:
                paid_unused.append(order)
        return paid_unused

    def _record(self, order: PaymentOrder) -> None:
        entry = self.journal.get(order.order_id)
        new = _state(order)
        if entry is not None and entry.state is JournalState.SHOWN \
                and new is JournalState.ORDER_CREATED:
            new = JournalState.SHOWN
        self.journal.transition(
            order.order_id, new, expires_at=order.expires_at, used_by=order.used_by
        )

"""The payment journal's state machine: the states of an entry, the moves allowed between
them, and the entry as read back (see :mod:`backend_client.journal` for the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from backend_client.errors import JournalError


class JournalState(StrEnum):
    #: Written before the create call; the backend may or may not have the order.
    INTENT = "intent"
    ORDER_CREATED = "order_created"
    #: The QR code is (about to be) on screen: the resident's phone can pay from now on.
    SHOWN = "shown"
    PAID = "paid"
    #: The service's delivery (bill settlement, certificate, card credit) was started.
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    CLOSING = "closing"
    CLOSED = "closed"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    #: The kiosk cannot settle it alone (a conflict, a delivery it cannot check).
    NEEDS_STAFF = "needs_staff"
    #: A person looked at it and settled it outside the kiosk.
    RESOLVED = "resolved"


S = JournalState
FINAL = frozenset({S.DELIVERED, S.CLOSED, S.REFUNDED, S.RESOLVED})
_ANY_OPEN = {S.NEEDS_STAFF}
TRANSITIONS: dict[JournalState, frozenset[JournalState]] = {
    S.INTENT: frozenset({S.ORDER_CREATED, S.SHOWN, S.PAID, S.CLOSING, S.CLOSED, S.DELIVERING}),
    S.ORDER_CREATED: frozenset({S.SHOWN, S.PAID, S.CLOSING, S.CLOSED, S.DELIVERING}),
    S.SHOWN: frozenset({S.PAID, S.CLOSING, S.CLOSED}),
    S.PAID: frozenset({S.DELIVERING, S.DELIVERED, S.REFUNDING, S.REFUNDED}),
    S.DELIVERING: frozenset({S.DELIVERED, S.REFUNDING, S.REFUNDED}),
    S.CLOSING: frozenset({S.CLOSED, S.PAID, S.REFUNDING}),
    S.CLOSED: frozenset({S.PAID, S.REFUNDING}),  # a late payment after the close
    # DELIVERED: the refund was refused because the delivery won the race (the backend
    # reports the order used); the resident got the service, once.
    S.REFUNDING: frozenset({S.REFUNDED, S.DELIVERED}),
    S.NEEDS_STAFF: frozenset(set(JournalState) - {S.NEEDS_STAFF, S.INTENT}),
    S.DELIVERED: frozenset(),
    S.REFUNDED: frozenset(),
    S.RESOLVED: frozenset(),
}
#: What the backend reports may skip steps the kiosk never saw (paid and settled while the
#: kiosk was down): those moves are allowed from every open state.
_OBSERVED = {S.PAID, S.DELIVERED, S.REFUNDED}
for _state in JournalState:
    if _state not in FINAL:
        TRANSITIONS[_state] = TRANSITIONS[_state] | (
            _OBSERVED - {_state} if _state is not S.REFUNDING else {S.REFUNDED, S.DELIVERED})
        TRANSITIONS[_state] = TRANSITIONS[_state] | _ANY_OPEN
    if _state is not S.RESOLVED and _state is not S.INTENT:
        TRANSITIONS[_state] = TRANSITIONS[_state] | {S.RESOLVED}

#: A card load voided after it started (the card never got it): its entry closes. Only a
#: load's entry (a top-up's, a refund's) moves so; a paid order's entry never goes from
#: delivering to closed.
LOAD_MOVES = frozenset({(S.DELIVERING, S.CLOSED)})
LOAD_KINDS = frozenset({"topup", "refund_load"})


class TransitionError(JournalError):
    """A move the state machine does not allow."""


@dataclass(frozen=True)
class JournalEntry:
    order_id: str
    kind: str
    idempotency_key: str
    request_json: str
    state: JournalState
    amount_fen: int
    service_id: str
    purpose: str
    bill_id: str | None
    operation_id: str | None
    expires_at: datetime | None
    used_by: str | None
    note: str
    receipt: str
    updated_at: str

    @property
    def final(self) -> bool:
        return self.state in FINAL


COLUMNS = ("order_id, kind, idempotency_key, request_json, state, amount_fen, service_id,"
            " purpose, bill_id, operation_id, expires_at, used_by, note, receipt, updated_at")


def entry_from_row(r: tuple[Any, ...]) -> JournalEntry:
    return JournalEntry(
        order_id=r[0], kind=r[1], idempotency_key=r[2], request_json=r[3],
        state=JournalState(r[4]), amount_fen=int(r[5]), service_id=r[6], purpose=r[7],
        bill_id=r[8], operation_id=r[9], expires_at=when_of(r[10]), used_by=r[11], note=r[12],
        receipt=r[13], updated_at=r[14])


def when_of(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None

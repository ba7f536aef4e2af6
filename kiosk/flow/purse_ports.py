"""What the purse purchase (消费) of a pay step needs from below: the card and PSAM, the
backend that takes the TAC, and the journal that holds each phase before its action.

The journal states of one purchase (:class:`PurchasePhase`, in this order; each is
committed before the action after it, see docs/purse_purchase_states.md):

``purchase_intent`` -> ``purchase_debiting`` -> ``purchase_debited`` -> ``purchase_recorded``,
or ``purchase_not_debited`` (nothing was charged), or ``purchase_needs_staff``.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

#: One operation on the card's purse at a time (a purchase, a top-up's load, a refund's
#: load, the recovery asking the card for a proof): they share the card's load or
#: purchase session and its sequence numbers, so they never interleave.
CARD_SESSION = threading.RLock()


class PurchasePhase(StrEnum):
    #: Committed before INITIALIZE FOR PURCHASE: nothing can have been charged.
    INTENT = "purchase_intent"
    #: Committed (with offline seq, PSAM terminal seq, date/time) before DEBIT FOR
    #: PURCHASE goes to the card: from here only the card knows whether it paid.
    DEBITING = "purchase_debiting"
    #: The card answered TAC + MAC2 (it has paid); committed before the upload.
    DEBITED = "purchase_debited"
    #: The backend checked the TAC, recorded the purchase and marked the order paid.
    RECORDED = "purchase_recorded"
    #: Nothing was charged (failed before DEBIT, the card refused it, or its
    #: GET TRANSACTION PROOF says it never debited).
    NOT_DEBITED = "purchase_not_debited"
    #: The card paid and the backend refused the TAC's order (a conflict): staff.
    NEEDS_STAFF = "purchase_needs_staff"


PURCHASE_FINAL = frozenset({PurchasePhase.RECORDED, PurchasePhase.NOT_DEBITED,
                            PurchasePhase.NEEDS_STAFF})


@dataclass(frozen=True)
class PurchaseEntry:
    """One purse purchase as the journal keeps it (ids, amounts, MACs; no personal data)."""

    key: str
    order_id: str
    phase: PurchasePhase
    amount_fen: int
    card_serial: str = ""
    old_balance_fen: int = 0
    offline_seq: int = -1
    #: The PSAM's terminal number (12 hex) and transaction sequence (8 hex).
    terminal_number: str = ""
    terminal_seq: str = ""
    #: DEBIT FOR PURCHASE's date and time, YYYYMMDDhhmmss.
    tx_datetime: str = ""
    tac: str = ""
    mac2: str = ""

    def at(self, phase: PurchasePhase, **facts: object) -> PurchaseEntry:
        return replace(self, phase=phase, **facts)  # type: ignore[arg-type]

    @property
    def when(self) -> datetime:
        return datetime.strptime(self.tx_datetime, "%Y%m%d%H%M%S")


@dataclass(frozen=True)
class PurseOffer:
    """The inserted card's purse and the PSAM, as the pay screen offers them."""

    card_serial: str
    balance_fen: int
    terminal_number: str


@dataclass(frozen=True)
class PurchaseStarted:
    """INITIALIZE FOR PURCHASE and the PSAM's MAC1 done; nothing charged yet."""

    card_serial: str
    old_balance_fen: int
    offline_seq: int
    terminal_number: str
    terminal_seq: str
    when: datetime


@dataclass(frozen=True)
class PurchaseDebited:
    tac: bytes
    mac2: bytes
    mac2_verified: bool


@dataclass(frozen=True)
class PurchaseRecorded:
    purchase_id: str
    order_id: str
    new_balance_fen: int


class PurseCardPort(Protocol):
    """The citizen card's purse with the PSAM in the reader's second slot."""

    @property
    def card_present(self) -> bool: ...

    def purse_offer(self) -> Future[PurseOffer]:
        """Balance and PSAM; fails with a UserFacingError whose key says why the purse
        cannot pay now (``purse.psam_unavailable``, ``purse.no_purse``...)."""
        ...

    def begin_purchase(self, amount_fen: int, when: datetime) -> Future[PurchaseStarted]: ...

    def complete_purchase(self) -> Future[PurchaseDebited]:
        """DEBIT FOR PURCHASE; the card takes the money."""
        ...

    def cancel_purchase(self) -> Future[None]: ...

    def purchase_proof(self, offline_seq: int) -> Future[tuple[str, bytes | None]]:
        """(purse serial, TAC || MAC2) of the inserted card's purchase made with
        ``offline_seq``; None when the card never debited it."""
        ...


class PurchaseBackend(Protocol):
    def upload_purchase(self, entry: PurchaseEntry, *,
                        recovered: bool = False) -> Future[PurchaseRecorded]:
        """POST /cards/{serial}/purchases: the TAC checked, the order paid (idempotent)."""
        ...


class PurchaseLedgerPort(Protocol):
    def record_purchase(self, entry: PurchaseEntry) -> None:
        """Commit the entry's phase before the action it describes."""
        ...

    def open_purchases(self) -> list[PurchaseEntry]:
        """Purchases not yet recorded, not debited or handed to staff, oldest first."""
        ...

    def purchases(self) -> list[PurchaseEntry]:
        """Every purchase in any phase, oldest first."""
        ...


# -- card loads (圈存) -------------------------------------------------------------


@dataclass(frozen=True)
class LoadInitialisation:
    """The card's answer to INITIALIZE FOR LOAD."""

    card_serial: str
    old_balance_fen: int
    online_seq: bytes
    key_version: int
    algorithm_id: int
    card_random: bytes
    mac1: bytes
    terminal_id: bytes


@dataclass(frozen=True)
class TopupRequest:
    payment_order_id: str
    amount_fen: int
    load: LoadInitialisation


@dataclass(frozen=True)
class TopupAuthorisation:
    topup_id: str
    mac2: bytes
    #: The date/time the card must use in CREDIT FOR LOAD.
    when: datetime


class LoadPhase(StrEnum):
    """Where a top-up stands; each is committed before the action it names."""

    #: The MAC2 request is about to go out (the backend may or may not have it).
    REQUESTED = "requested"
    #: MAC2 received; CREDIT FOR LOAD not sent yet.
    AUTHORISED = "authorised"
    #: CREDIT FOR LOAD is about to be sent: only the card knows whether it was credited.
    CREDITING = "crediting"
    #: The backend has the card's TAC: done.
    CONFIRMED = "confirmed"
    #: The card was never credited and the backend voided the MAC2; the order is free.
    CANCELLED = "cancelled"
    #: Cancelled and the order refunded (start-up/next-insert resolution).
    REFUNDED = "refunded"


LOAD_FINAL = frozenset({LoadPhase.CONFIRMED, LoadPhase.CANCELLED, LoadPhase.REFUNDED})


@dataclass(frozen=True)
class LoadEntry:
    """One top-up as the purse ledger keeps it (ids and amounts only, no personal data)."""

    order_id: str
    phase: LoadPhase
    card_serial: str
    amount_fen: int
    old_balance_fen: int
    online_seq: int
    topup_id: str = ""
    #: The MAC2 request exactly as sent (JSON), so a lost answer is asked for again
    #: with the same idempotency key and body.
    request_json: str = ""


class PurseLedgerPort(Protocol):
    """The purse operations' durable record (the payment journal in the kiosk)."""

    def record_load(self, entry: LoadEntry) -> None:
        """Commit the entry's phase before the action it describes."""
        ...

    def open_loads(self) -> list[LoadEntry]:
        """Top-ups not yet confirmed, cancelled or refunded, oldest first."""
        ...


# -- refunds back to the card (退款圈存) ------------------------------------------------


class RefundPhase(StrEnum):
    """Where the load of a refund owed to a card stands; each is committed before the
    action it names (docs/purse_refund_states.md)."""

    #: Committed before INITIALIZE FOR LOAD: nothing asked of the card or the backend.
    INTENT = "refund_intent"
    #: The card's load session (balance, online seq, random, MAC1) committed before the
    #: MAC2 request: the backend may have issued a MAC2; the card cannot hold money yet.
    REQUESTED = "refund_requested"
    #: MAC2 received and committed before CREDIT FOR LOAD goes out: from here only the
    #: card knows whether it was credited.
    CREDITING = "refund_crediting"
    #: The card answered the TAC (it holds the money); committed before the confirm.
    CREDITED = "refund_credited"
    #: The backend has the TAC: the refund is back on the card.
    CONFIRMED = "refund_confirmed"
    #: This load never reached the card (its MAC2, if any, is void): the refund is
    #: owed again and a new load follows.
    VOIDED = "refund_voided"
    #: The card was credited and the backend refused the TAC: staff.
    NEEDS_STAFF = "refund_needs_staff"


REFUND_FINAL = frozenset({RefundPhase.CONFIRMED, RefundPhase.VOIDED, RefundPhase.NEEDS_STAFF})


@dataclass(frozen=True)
class OwedRefund:
    """A refund the backend owes the card (``status``: owed, or loading elsewhere)."""

    refund_id: str
    order_id: str
    amount_fen: int
    status: str
    online_seq: str = ""


@dataclass(frozen=True)
class RefundLoadEntry:
    """One load of a refund as the journal keeps it (ids, amounts, MACs; no personal data)."""

    key: str
    refund_id: str
    phase: RefundPhase
    amount_fen: int
    card_serial: str
    old_balance_fen: int = 0
    online_seq: int = -1
    #: The card's load session (LoadInitialisation as hex JSON) the MAC2 is asked for.
    load_json: str = ""
    mac2: str = ""
    host_datetime: str = ""
    tac: str = ""

    def at(self, phase: RefundPhase, **facts: object) -> RefundLoadEntry:
        return replace(self, phase=phase, **facts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RefundCredited:
    """A refund put back on the card (what the resident is told and the receipt says)."""

    refund_id: str
    order_id: str
    card_serial: str
    amount_fen: int
    new_balance_fen: int
    tac: str


class RefundCardPort(Protocol):
    def purse_status(self) -> Future[tuple[str, int]]:
        """(purse serial, balance) of the card in the reader."""
        ...


class RefundBackend(Protocol):
    def owed_refunds(self, card_serial: str) -> Future[list[OwedRefund]]: ...

    def load_refund(self, refund_id: str, amount_fen: int,
                    load: LoadInitialisation) -> Future[TopupAuthorisation]:
        """The MAC2 for this card load session (one per refund at a time)."""
        ...

    def confirm_refund(self, refund_id: str, tac: bytes, new_balance_fen: int) -> Future[None]:
        ...

    def cancel_refund_load(self, refund_id: str, online_seq: int) -> Future[None]:
        """The card never got the load with ``online_seq``: its MAC2 is void."""
        ...


class RefundLedgerPort(Protocol):
    def record_refund(self, entry: RefundLoadEntry) -> None:
        """Commit the entry's phase before the action it describes."""
        ...

    def open_refunds(self) -> list[RefundLoadEntry]:
        """Refund loads not confirmed, voided or handed to staff, oldest first."""
        ...

"""Reconciliation: settle every unfinished payment journal entry with the backend.

Runs at every start-up before any paid service is offered, then periodically while the
kiosk is idle. Nothing is repeated blindly: each entry is first queried.

* The backend never got the order (404 while still INTENT): closed, no charge.
* Unpaid: CLOSING is committed, the order closed, the closure confirmed by a query; a
  payment that slipped in before the close is refunded.
* Paid and unused: delivered when the delivery is idempotent and still possible (a bill
  settlement, keyed by the order) and the resident did not cancel; otherwise refunded.
* Paid and used by the backend: DELIVERED. Refunded or closed at the backend: so here.
* Anything the backend answers in a way the kiosk cannot settle (a 4xx on a refund, an
  order the backend does not know after it was created): NEEDS_STAFF.
* A recently CLOSED entry is asked about again: a late payment after the close is
  refunded.
Every outcome queues a receipt (the entry's ``receipt`` column: "queued" until printed).
Purse entries (kind "topup", "purchase"), and the order paying a card load that is still
open, are left to their own resolution on the card's next insert. Entries touched less
than ``min_age_s`` ago are skipped (a session may still be working on them).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from backend_client.client import BackendClient
from backend_client.errors import (
    BackendError,
    BackendNotFoundError,
    BackendRejectedError,
)
from backend_client.journal import JournalEntry, JournalState, PaymentJournal, TransitionError
from backend_client.models import PaymentOrder, RefundRequest
from backend_client.outbox import Outbox, settle_key

log = logging.getLogger(__name__)
S = JournalState
ACTOR = "reconcile"
#: How long after a close the backend is asked again for a late payment.
LATE_PAYMENT_WINDOW = timedelta(minutes=30)


@dataclass
class ReconcileReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    #: Entries the backend could not be asked about now (they stay as they are).
    deferred: int = 0
    flushed: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"outcomes": dict(self.outcomes), "deferred": self.deferred,
                "flushed": self.flushed}


def refund_key(order_id: str) -> str:
    return f"refund-{order_id}"[:128]


class Reconciler:
    def __init__(self, client: BackendClient, journal: PaymentJournal,
                 outbox: Outbox | None = None, *, actor: str = ACTOR) -> None:
        self.client = client
        self.journal = journal
        self.outbox = outbox
        self.actor = actor
        if outbox is not None:
            outbox.on_settled = self._settled_from_outbox

    def run(self, *, min_age_s: float = 0.0) -> ReconcileReport:
        report = ReconcileReport()
        if self.outbox is not None:
            try:
                report.flushed = self.outbox.flush(self.client)
            except BackendError as exc:
                log.info("reconcile: outbox not flushed now: %s", exc)
        now = datetime.now(UTC)
        late = now - LATE_PAYMENT_WINDOW
        self._close_loads_never_sent(report)
        # An order whose card load is still open is the purse recovery's: only the card's
        # own record can say whether it was loaded (it settles the order when it knows).
        loading = {order_id for order_id, _topup, _phase in self.journal.pending_topups()}
        for entry in self.journal.entries(open_only=True, kind="payment"):
            if entry.state is S.NEEDS_STAFF or _age(entry, now) < min_age_s \
                    or entry.order_id in loading:
                continue
            self._one(entry, report)
        for entry in self.journal.entries(states=frozenset({S.CLOSED}), kind="payment"):
            if entry.note != "never_created" and _updated(entry) >= late \
                    and _age(entry, now) >= min_age_s:
                self._one(entry, report, late_check=True)
        if report.outcomes or report.deferred:
            log.info("reconcile: %s", report.as_dict())
        return report

    def _close_loads_never_sent(self, report: ReconcileReport) -> None:
        """A load whose MAC2 was asked for and never given (no top-up id) while its order
        is no longer paid (refunded, closed): no MAC2 can be issued for it any more, so the
        card can never have been loaded: the load is closed (voided) here."""
        for key, topup_id, phase, body in self.journal.loads():
            if phase != "requested" or topup_id:
                continue
            try:
                order = self.client.payment(str(body.get("order_id", "")))
            except BackendError as exc:
                log.info("reconcile: load %s not checked now (%s)", key, type(exc).__name__)
                continue
            if order.status in ("refunded", "closed", "expired"):
                self.journal.record_topup(key, "cancelled", json.dumps(body))
                log.info("reconcile: load %s never got its MAC2 and its order is %s: closed",
                         key, order.status)
                report.outcomes["load_never_sent"] += 1

    def settle_one(self, entry: JournalEntry) -> str:
        """Settle one entry now (staff: retry); the outcome, or why it waits."""
        report = ReconcileReport()
        self._one(entry, report)
        return next(iter(report.outcomes), "deferred" if report.deferred else "unchanged")

    def refund(self, entry: JournalEntry, why: str) -> str:
        """Refund a paid, unused order (staff: refund); asks the backend first."""
        order = self.client.payment(entry.order_id)
        if order.status != "paid" or order.used_by is not None:
            raise BackendRejectedError(f"order is {order.status}, used by {order.used_by}",
                                       code="refund_not_allowed")
        return self._refund(entry, order, why)

    def _one(self, entry: JournalEntry, report: ReconcileReport, *,
             late_check: bool = False) -> None:
        try:
            outcome = self._settle(entry, late_check)
        except TransitionError as exc:  # a JournalError: before the backend errors
            log.warning("reconcile %s: %s; needs staff", entry.order_id, exc)
            self.journal.transition(entry.order_id, S.NEEDS_STAFF, actor=self.actor,
                                    note=str(exc)[:200], receipt="queued")
            outcome = "needs_staff"
        except BackendRejectedError as exc:
            log.warning("reconcile %s: the backend refused (%s); needs staff", entry.order_id,
                        exc.code)
            self.journal.transition(entry.order_id, S.NEEDS_STAFF, actor=self.actor,
                                    note=f"rejected: {exc.code}", receipt="queued")
            outcome = "needs_staff"
        except BackendError as exc:
            log.info("reconcile %s: deferred (%s)", entry.order_id, type(exc).__name__)
            report.deferred += 1
            return

        if outcome:
            report.outcomes[outcome] += 1

    def _settle(self, entry: JournalEntry, late_check: bool) -> str:
        oid = entry.order_id
        try:
            order = self.client.payment(oid)
        except BackendNotFoundError:
            if entry.state is S.INTENT:
                self._move(entry, S.CLOSED, "never_created", receipt=False)
                return "never_created"
            raise
        if late_check:
            if order.status == "paid" and order.used_by is None:
                return self._refund(entry, order, "late payment after close")
            return ""
        if order.status in ("closed", "expired"):
            self._move(entry, S.CLOSED, "closed at the backend")
            return "closed"
        if order.status == "refunded":
            self._move(entry, S.REFUNDED, "refunded at the backend")
            return "refunded"
        if order.status == "unpaid":
            self._move(entry, S.CLOSING, "unpaid after restart", receipt=False)
            self.client.close_payment(oid, f"close-{oid}"[:128])
            order = self.client.payment(oid)  # the closure, confirmed
            if order.status != "paid":
                self._move(entry, S.CLOSED, "closed, confirmed")
                return "closed"
            return self._refund(entry, order, "paid while closing")
        # paid
        cancelled = entry.state in (S.CLOSING, S.CLOSED, S.REFUNDING)
        if entry.state in (S.INTENT, S.ORDER_CREATED, S.SHOWN):
            self._move(entry, S.PAID, "paid (seen after restart)", receipt=False)
        if order.used_by is not None:
            self._move(entry, S.DELIVERED, f"used by {order.used_by}")
            return "delivered"
        if not cancelled and entry.purpose == "bill" and entry.bill_id:
            return self._deliver_bill(entry, order)
        return self._refund(entry, order, "paid, not delivered")

    def _deliver_bill(self, entry: JournalEntry, order: PaymentOrder) -> str:
        assert entry.bill_id is not None
        self._move(entry, S.DELIVERING, "settling the bill after restart", receipt=False)
        try:
            done = self.client.settle_bill(entry.bill_id, order.order_id,
                                           settle_key(order.order_id))
        except BackendRejectedError as exc:
            log.info("reconcile %s: bill not settled (%s); refunding", entry.order_id, exc.code)
            return self._refund(entry, order, f"bill not settled: {exc.code}")
        self.journal.transition(entry.order_id, S.DELIVERED, actor=self.actor,
                                note=f"bill settled {done.voucher_number}", receipt="queued")
        return "delivered"

    def _refund(self, entry: JournalEntry, order: PaymentOrder, why: str) -> str:
        self._move(entry, S.REFUNDING, why, receipt=False)
        amount = order.amount_fen - order.refunded_fen
        try:
            self.client.refund_payment(order.order_id, RefundRequest(
                amount_fen=amount, reason=why[:128]), refund_key(order.order_id))
        except BackendRejectedError:
            again = self.client.payment(order.order_id)
            if again.used_by is not None:  # spent meanwhile: it was delivered after all
                self.journal.transition(entry.order_id, S.NEEDS_STAFF, actor=self.actor,
                                        note=f"refund refused; used by {again.used_by}")
                return "needs_staff"
            if again.status != "refunded":
                raise
        self.journal.transition(entry.order_id, S.REFUNDED, actor=self.actor, note=why,
                                receipt="queued")
        return "refunded"

    def _move(self, entry: JournalEntry, new: JournalState, note: str, *,
              receipt: bool = True) -> None:
        self.journal.transition(entry.order_id, new, actor=self.actor, note=note,
                                receipt="queued" if receipt else None)

    def _settled_from_outbox(self, order_id: str, voucher: str) -> None:
        entry = self.journal.get(order_id)
        if entry is not None and not entry.final:  # the resident has its receipt already
            self.journal.transition(order_id, S.DELIVERED, actor="outbox",
                                    note=f"bill settled {voucher}",
                                    receipt=None if entry.receipt == "printed" else "queued")


def _updated(entry: JournalEntry) -> datetime:
    return datetime.fromisoformat(entry.updated_at)


def _age(entry: JournalEntry, now: datetime) -> float:
    return (now - _updated(entry)).total_seconds()


def pending_receipts(journal: PaymentJournal) -> list[JournalEntry]:
    return [e for e in journal.entries() if e.receipt == "queued"]


def print_pending_receipts(journal: PaymentJournal,
                           print_one: Callable[[JournalEntry], None]) -> int:
    """Print every queued outcome receipt; an entry whose print fails stays queued."""
    printed = 0
    for entry in pending_receipts(journal):
        try:
            print_one(entry)
        except Exception as exc:  # noqa: BLE001 - a printer fault keeps it queued
            log.warning("receipt for %s not printed now: %s", entry.order_id, exc)
            break
        journal.transition(entry.order_id, entry.state, receipt="printed")
        printed += 1
    return printed

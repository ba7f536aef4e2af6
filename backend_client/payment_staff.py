"""Payments that need a person: the list staff see, and what they can do about each.

Listed: entries in NEEDS_STAFF, and unfinished entries older than ``stuck_after`` (the
reconciler could not settle them, e.g. the backend has been away). Each comes with what
the backend says about the order now. Actions (retry, refund, mark resolved) run through
the journal's one setter with the actor ``staff:<id>``, so the transitions table is
their audit trail (who, when, old -> new, why); each is also logged.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Literal

from backend_client.client import BackendClient
from backend_client.errors import BackendError
from backend_client.journal import JournalEntry, JournalState, PaymentJournal
from backend_client.reconcile import Reconciler

log = logging.getLogger(__name__)

Action = Literal["retry", "refund", "resolve"]
STUCK_AFTER = timedelta(minutes=10)


def needing_person(journal: PaymentJournal, *, stuck_after: timedelta = STUCK_AFTER
                   ) -> list[JournalEntry]:
    now = datetime.now(UTC)
    return [e for e in journal.entries(open_only=True)
            if e.state is JournalState.NEEDS_STAFF
            or now - datetime.fromisoformat(e.updated_at) >= stuck_after]


def describe(entry: JournalEntry, journal: PaymentJournal,
             client: BackendClient | None) -> dict[str, object]:
    """The entry as staff see it (ids and amounts only), with the backend's view."""
    info: dict[str, object] = {
        "order_id": entry.order_id, "kind": entry.kind, "state": entry.state.value,
        "amount_fen": entry.amount_fen, "service_id": entry.service_id,
        "purpose": entry.purpose, "bill_id": entry.bill_id, "note": entry.note,
        "updated_at": entry.updated_at,
        "history": [{"from": h[0], "to": h[1], "by": h[2], "note": h[3], "at": h[4]}
                    for h in journal.history(entry.order_id)],
    }
    if client is not None and entry.kind == "payment":
        try:
            order = client.payment(entry.order_id)
            info["backend"] = {"status": order.status, "amount_fen": order.amount_fen,
                               "refunded_fen": order.refunded_fen, "used_by": order.used_by}
        except BackendError as exc:
            info["backend"] = {"error": type(exc).__name__, "message_key": exc.message_key}
    return info


def act(client: BackendClient, journal: PaymentJournal, order_id: str, action: Action,
        staff_id: str, note: str = "") -> dict[str, object]:
    """Do ``action`` on the entry as ``staff_id``; the outcome (journaled either way)."""
    entry = journal.get(order_id)
    if entry is None:
        return {"ok": False, "error": "no such journal entry"}
    actor = f"staff:{staff_id}"
    log.info("payments: %s asks %s on %s", actor, action, order_id)
    reconciler = Reconciler(client, journal, actor=actor)
    try:
        if action == "resolve":
            if entry.final:
                return {"ok": False, "error": f"already {entry.state.value}"}
            journal.transition(order_id, JournalState.RESOLVED, actor=actor,
                               note=note or "resolved by staff")
            outcome = "resolved"
        elif action == "refund":
            outcome = reconciler.refund(entry, note or "refund by staff")
        else:
            outcome = reconciler.settle_one(entry)
    except BackendError as exc:
        journal.transition(order_id, entry.state, actor=actor,
                           note=f"{action} failed: {type(exc).__name__}")
        return {"ok": False, "error": str(exc), "message_key": exc.message_key}
    after = journal.get(order_id)
    return {"ok": True, "outcome": outcome,
            "state": after.state.value if after else entry.state.value}

"""Payments that need a person: the list staff see, and what they can do about each.

Listed: entries in NEEDS_STAFF, and unfinished entries older than ``stuck_after`` (the
reconciler could not settle them, e.g. the backend has been away). Each comes with what
the backend says about the order now and, for a purse operation (a card load, and the
order paying it), what the card said: its number masked, its balance before, the online
sequence of the load and what the card's own transaction record tells (or that only the
card can tell, once it is back in the reader). Actions (retry, refund, mark resolved)
run through the journal's one setter with the actor ``staff:<id>``, so the transitions
table is their audit trail (who, when, old -> new, why); each is also logged, and the
callers (kiosk-diag, the staff screen) append it to the staff audit file.

A card load is never refunded while the card may hold it (CREDIT FOR LOAD sent, answer
unknown): only the card's record decides, on its next insert (the purse recovery).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

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
    loads = _loads_of(entry, journal)
    if loads:
        info["card"] = [_card_facts(phase, body) for _key, _topup, phase, body in loads]
    refund = _refund_load_of(entry, journal)
    if refund is not None:
        info["card"] = [_refund_facts(*refund)]
    if client is None:
        return info
    if refund is not None:
        try:
            owed = client.card_refunds(str(refund[2].get("card_serial", ""))).refunds
            info["backend"] = {"refund": next(
                (r.model_dump(mode="json", exclude={"card_serial"}) for r in owed
                 if r.refund_id == refund[0]), {"status": "credited (no longer owed)"})}
        except BackendError as exc:
            info["backend"] = {"error": type(exc).__name__, "message_key": exc.message_key}
        return info
    order_id = entry.order_id if entry.kind == "payment" else (
        str(loads[0][3].get("order_id", "")) if loads else "")
    backend: dict[str, object] = {}
    try:
        if order_id:
            order = client.payment(order_id)
            backend = {"status": order.status, "amount_fen": order.amount_fen,
                       "refunded_fen": order.refunded_fen, "used_by": order.used_by}
        topups = [t for _k, t, _p, _b in loads if t]
        if topups:
            backend["topups"] = [client.topup(t).model_dump(mode="json") for t in topups]
    except BackendError as exc:
        backend = {"error": type(exc).__name__, "message_key": exc.message_key}
    if backend:
        info["backend"] = backend
    return info


def mask_card_number(number: str) -> str:
    """A card's number as staff see it: the first four and last four digits."""
    return number[:4] + "*" * max(0, len(number) - 8) + number[-4:] if len(number) > 8 \
        else "*" * len(number)


def _loads_of(entry: JournalEntry, journal: PaymentJournal
              ) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    if entry.kind == "topup":
        return journal.loads(row_key=entry.order_id.removeprefix("topup:"))
    if entry.kind == "payment" and entry.purpose == "card_topup":
        return journal.loads(order_id=entry.order_id)
    return []


_CARD_RECORD = {
    "requested": "not loaded: CREDIT FOR LOAD was never sent to the card",
    "authorised": "not loaded: CREDIT FOR LOAD was never sent to the card",
    "crediting": "unknown: only the card's record for online sequence {seq} can tell "
                 "(GET TRANSACTION PROOF when it is back in the reader)",
    "confirmed": "loaded: the card's TAC for online sequence {seq} is confirmed",
    "cancelled": "not loaded: the card has no load with online sequence {seq}; voided",
    "refunded": "not loaded: the card has no load with online sequence {seq}; refunded",
}


def _card_facts(phase: str, body: dict[str, Any]) -> dict[str, object]:
    seq = body.get("online_seq", "")
    return {"card_number": mask_card_number(str(body.get("card_serial", ""))),
            "balance_before_fen": body.get("old_balance_fen"),
            "amount_fen": body.get("amount_fen"), "online_seq": seq, "phase": phase,
            "card_record": _CARD_RECORD.get(phase, phase).format(seq=seq)}


def _refund_load_of(entry: JournalEntry, journal: PaymentJournal
                    ) -> tuple[str, str, dict[str, Any]] | None:
    """(refund id, phase, body) of a refund load's entry (kind ``refund_load``)."""
    if entry.kind != "refund_load":
        return None
    key = entry.order_id.removeprefix("refund:")
    for row_key, refund_id, phase, raw in journal.refund_load_rows(open_only=False):
        if row_key == key:
            body = json.loads(raw)
            return refund_id, phase, body if isinstance(body, dict) else {}
    return None


_REFUND_RECORD = {
    "refund_intent": "not loaded: INITIALIZE FOR LOAD was not answered yet",
    "refund_requested": "not loaded: CREDIT FOR LOAD was never sent to the card",
    "refund_crediting": "unknown: only the card's record for online sequence {seq} can tell "
                        "(GET TRANSACTION PROOF when it is back in the reader)",
    "refund_credited": "loaded: the card answered its TAC; confirming it to the backend",
    "refund_confirmed": "loaded: the card's TAC for online sequence {seq} is confirmed",
    "refund_voided": "not loaded: this load never reached the card; the refund stays owed",
    "refund_needs_staff": "loaded: the card was credited but the backend refused its TAC",
}


def _refund_facts(refund_id: str, phase: str, body: dict[str, Any]) -> dict[str, object]:
    seq = body.get("online_seq", -1)
    return {"refund_id": refund_id,
            "card_number": mask_card_number(str(body.get("card_serial", ""))),
            "balance_before_fen": body.get("old_balance_fen"),
            "amount_fen": body.get("amount_fen"), "online_seq": seq, "phase": phase,
            "tac": body.get("tac", ""),
            "card_record": _REFUND_RECORD.get(phase, phase).format(seq=seq)}


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
        elif entry.final:
            return {"ok": False, "error": f"already {entry.state.value}"}
        elif (refused := _card_load_refusal(entry, journal, action)) is not None:
            journal.transition(order_id, entry.state, actor=actor,
                               note=f"{action} refused: {refused[:150]}")
            return {"ok": False, "error": refused}
        elif entry.kind == "topup":
            outcome = _void_and_refund(client, journal, reconciler, entry, note)
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


def _card_load_refusal(entry: JournalEntry, journal: PaymentJournal, action: Action
                       ) -> str | None:
    """Why a retry or refund is not done here, when it involves a card load."""
    loads = _loads_of(entry, journal)
    open_loads = [(k, t, p) for k, t, p, _b in loads if p not in _SETTLED_LOADS]
    if entry.kind == "payment":
        if open_loads:
            return ("its card load is still open: act on the entry topup:"
                    f"{open_loads[0][0]} (the card's record decides)")
        return None
    if not open_loads:
        return "the card load is settled already"
    _key, topup_id, phase = open_loads[0]
    if phase == "crediting":
        return ("the card may hold this load: put the card in the reader (the kiosk asks "
                "its record), or resolve it after checking the card")
    if not topup_id:
        return "the backend's answer to the load request was lost: the kiosk asks again"
    return None  # retry or refund: void and refund, the card was never asked to load


_SETTLED_LOADS = frozenset({"confirmed", "cancelled", "refunded"})


def _void_and_refund(client: BackendClient, journal: PaymentJournal, reconciler: Reconciler,
                     entry: JournalEntry, note: str) -> str:
    """A load the card never received (CREDIT FOR LOAD not sent): void the MAC2 at the
    backend, then refund the paying order in full."""
    ((key, topup_id, _phase, body),) = [
        x for x in _loads_of(entry, journal) if x[2] not in _SETTLED_LOADS][:1]
    assert topup_id is not None
    raw = json.dumps(body, ensure_ascii=False)
    client.cancel_topup(topup_id, f"cancel-{topup_id}")
    journal.record_topup(key, "cancelled", raw)
    payment = journal.get(str(body.get("order_id", "")))
    if payment is not None and not payment.final:
        reconciler.refund(payment, note or "card not loaded; refund by staff")
    journal.record_topup(key, "refunded", raw)
    return "refunded"

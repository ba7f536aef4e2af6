"""The payment journal's purse records: card loads (圈存), purse purchases (消费) and the
loads that give a refund back to a card (退款圈存), each in its own table beside the
journal's entries, each phase also moving an entry of the journal's state machine.

A mixin of :class:`backend_client.journal.PaymentJournal` (its store, its transactions,
its state machine); the purse adapters (kiosk/adapters/purse.py, card_purse.py,
purse_refund.py) read and write through these methods only.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from backend_client.journal_states import TRANSITIONS, JournalEntry, JournalState, TransitionError

log = logging.getLogger(__name__)
S = JournalState

PURSE_SCHEMA = """
CREATE TABLE IF NOT EXISTS topups (
    order_id TEXT PRIMARY KEY,
    topup_id TEXT,
    state TEXT NOT NULL,
    request_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS purchases (
    purchase_key TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    state TEXT NOT NULL,
    request_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refund_loads (
    load_key TEXT PRIMARY KEY,
    refund_id TEXT NOT NULL,
    state TEXT NOT NULL,
    request_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

#: A purse purchase's phase -> the state of its entry (see record_purchase).
PURCHASE_STATES = {
    "purchase_intent": S.INTENT, "purchase_debiting": S.SHOWN, "purchase_debited": S.PAID,
    "purchase_recorded": S.DELIVERED, "purchase_not_debited": S.CLOSED,
    "purchase_needs_staff": S.NEEDS_STAFF,
}
PURCHASE_DONE = ("purchase_recorded", "purchase_not_debited", "purchase_needs_staff")

#: A refund load's phase -> the state of its entry; any other phase (requested,
#: authorised, crediting, credited) is DELIVERING.
REFUND_STATES = {"refund_intent": S.INTENT, "refund_confirmed": S.DELIVERED,
                 "refund_voided": S.CLOSED, "refund_needs_staff": S.NEEDS_STAFF}
REFUND_DONE = ("refund_confirmed", "refund_voided", "refund_needs_staff")

#: A load phase (kiosk.flow.purse_ports.LoadPhase) -> the state of its entries; any
#: other phase (requested, authorised, crediting) is DELIVERING.
LOAD_STATES = {"confirmed": S.DELIVERED, "cancelled": S.CLOSED, "refunded": S.REFUNDED}
LOAD_FINAL = tuple(LOAD_STATES)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PurseRecords:
    """The purse tables of the payment journal (mixed into PaymentJournal)."""

    if TYPE_CHECKING:
        _lock: threading.RLock
        _conn: sqlite3.Connection

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def get(self, order_id: str) -> JournalEntry | None: ...

        def begin(self, order_id: str, idempotency_key: str, request_json: str,
                  amount_fen: int, *, kind: str = "payment", service_id: str = "",
                  purpose: str = "", bill_id: str | None = None,
                  actor: str = "kiosk") -> None: ...

        def transition(self, order_id: str, new: JournalState, *, actor: str = "kiosk",
                       note: str = "", expires_at: datetime | None = None,
                       used_by: str | None = None, operation_id: str | None = None,
                       receipt: str | None = None) -> bool: ...

        def _maybe_crash_at(self, point: str) -> None: ...

    # -- card loads (圈存) --------------------------------------------------------------


    def record_topup(self, order_id: str, state: str, request_json: str,
                     topup_id: str | None = None) -> None:
        """A purse load's phase (kiosk.flow.ports.LoadPhase): the ``topups`` row the purse
        ledger reads, and an entry of kind "topup" in the state machine (``topup:<key>``):
        confirmed -> DELIVERED, cancelled -> CLOSED, refunded -> REFUNDED, else DELIVERING.
        """
        with self._tx() as c:
            before = c.execute("SELECT state FROM topups WHERE order_id=?",
                               (order_id,)).fetchone()
            c.execute(
                "INSERT INTO topups VALUES (?,?,?,?,?) ON CONFLICT(order_id) DO UPDATE SET"
                " topup_id=COALESCE(excluded.topup_id, topup_id), state=excluded.state,"
                " updated_at=excluded.updated_at",
                (order_id, topup_id, state, request_json, _now()),
            )
        entry_id = f"topup:{order_id}"
        new = LOAD_STATES.get(state, S.DELIVERING)
        try:
            if self.get(entry_id) is None:
                self.begin(entry_id, entry_id, "{}", 0, kind="topup", purpose="card_topup")
            self._follow(entry_id, new, operation_id=topup_id, note=state)
        except TransitionError as exc:  # the topups row stays the purse's record
            log.warning("journal: %s", exc)
        self._follow_order(request_json, state, new)
        if before is None or before[0] != state:
            self._maybe_crash_at(f"load:{state}")

    def _follow(self, entry_id: str, new: JournalState, **facts: Any) -> None:
        """Move ``entry_id`` to ``new``, through DELIVERING when it cannot go there directly."""
        current = self.get(entry_id)
        if current is None or current.final:
            return
        if new is not current.state and new not in TRANSITIONS[current.state]:
            self.transition(entry_id, S.DELIVERING, note=str(facts.get("note", "")))
        self.transition(entry_id, new, **facts)

    def _follow_order(self, request_json: str, phase: str, new: JournalState) -> None:
        """The paying order's entry follows its load: DELIVERING while the card is being
        loaded, DELIVERED once the TAC is confirmed, REFUNDED with the refund. A voided load
        (cancelled) leaves it DELIVERING: the order is free to load again or be refunded."""
        try:
            order_id = str(json.loads(request_json).get("order_id") or "")
        except (ValueError, AttributeError):
            order_id = ""
        entry = self.get(order_id) if order_id else None
        if entry is None or entry.final or phase == "cancelled":
            return
        try:
            self._follow(order_id, new, note=f"load {phase}")
        except TransitionError as exc:
            log.warning("journal: %s", exc)

    def pending_topups(self) -> list[tuple[str, str | None, str]]:
        """(paying order id, top-up id, phase) of loads not settled yet (not confirmed,
        cancelled or refunded): the purse recovery's, which the reconciler leaves alone."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT request_json, topup_id, state FROM topups WHERE state NOT IN"
                f" ({','.join('?' for _ in LOAD_FINAL)}) ORDER BY rowid", LOAD_FINAL,
            ).fetchall()
        out = []
        for raw, topup_id, state in rows:
            try:
                order_id = str(json.loads(raw).get("order_id") or "")
            except (ValueError, AttributeError):
                order_id = ""
            out.append((order_id, topup_id, str(state)))
        return out

    def loads(self, *, row_key: str | None = None, order_id: str | None = None
              ) -> list[tuple[str, str | None, str, dict[str, Any]]]:
        """(row key, top-up id, phase, body) of card loads: the one ``row_key`` names,
        every load paid by ``order_id``, or (neither given) every load not settled yet
        (the body: order id, card serial, amounts, online sequence, as the purse ledger
        wrote it)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT order_id, topup_id, state, request_json FROM topups ORDER BY rowid"
            ).fetchall()
        out = []
        for key, topup_id, state, raw in rows:
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            if (row_key is not None and key == row_key) or (
                    order_id is not None and body.get("order_id") == order_id) or (
                    row_key is None and order_id is None and state not in LOAD_FINAL):
                out.append((str(key), topup_id, str(state), body))
        return out

    # -- purse purchases (消费) and refund loads: one phase row each, and its entry -----

    def _record_phase(self, table: str, key: str, ref: str, phase: str, request_json: str,
                      *, kind: str, purpose: str, new: JournalState | None) -> None:
        """The ``table`` row (``key``: its primary key, ``ref``: the order / refund it is
        about) at ``phase``, committed, and the entry ``<kind>:<key>`` moved to ``new``."""
        key_col, ref_col = {"purchases": ("purchase_key", "order_id"),
                            "refund_loads": ("load_key", "refund_id")}[table]
        prefix = "purchase" if table == "purchases" else "refund"
        entry_id = f"{prefix}:{key}"
        with self._tx() as c:
            old = c.execute(f"SELECT state FROM {table} WHERE {key_col}=?", (key,)).fetchone()
            now = _now()
            c.execute(
                f"INSERT INTO {table} ({key_col}, {ref_col}, state, request_json, updated_at)"
                f" VALUES (?,?,?,?,?) ON CONFLICT({key_col}) DO UPDATE SET"
                " state=excluded.state, request_json=excluded.request_json,"
                " updated_at=excluded.updated_at", (key, ref, phase, request_json, now))
            if old is None or old[0] != phase:
                c.execute("INSERT INTO transitions (order_id, old, new, actor, note, at)"
                          " VALUES (?,?,?,?,?,?)",
                          (entry_id, old[0] if old else "", phase, "kiosk", ref, now))
        try:
            if self.get(entry_id) is None:
                amount = int(json.loads(request_json).get("amount_fen", 0))
                self.begin(entry_id, entry_id, "{}", amount, kind=kind, purpose=purpose)
            if new is not None and new is not S.INTENT:
                self.transition(entry_id, new, operation_id=ref, note=phase)
        except TransitionError as exc:  # the table's row stays the purse's record
            log.warning("journal: %s", exc)
        if old is None or old[0] != phase:
            self._maybe_crash_at(phase)

    def _phase_rows(self, table: str, done: tuple[str, ...], open_only: bool
                    ) -> list[tuple[str, str, str, str]]:
        key_col, ref_col = {"purchases": ("purchase_key", "order_id"),
                            "refund_loads": ("load_key", "refund_id")}[table]
        sql = f"SELECT {key_col}, {ref_col}, state, request_json FROM {table}"
        args: tuple[str, ...] = ()
        if open_only:
            sql += f" WHERE state NOT IN ({','.join('?' for _ in done)})"
            args = done
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY rowid", args).fetchall()
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def record_purchase(self, purchase_key: str, order_id: str, phase: str,
                        request_json: str) -> None:
        """A purse purchase's phase (``purchase_intent``, ``purchase_debiting``,
        ``purchase_debited``, ``purchase_recorded``, ``purchase_not_debited``,
        ``purchase_needs_staff``; see docs/purse_purchase_states.md): the ``purchases``
        row the purse recovery reads, committed before the action the phase names, and
        an entry of kind "purchase" (``purchase:<key>``) in the state machine, as a card
        paying is like a QR code shown: intent -> INTENT, debiting -> SHOWN (the card was
        asked to pay), debited -> PAID, recorded -> DELIVERED (the backend has the TAC and
        the order is paid), not_debited -> CLOSED, needs_staff -> NEEDS_STAFF.
        ``GOVKIOSK_CRASH_AFTER=<phase>`` kills the process right after the commit."""
        self._record_phase("purchases", purchase_key, order_id, phase, request_json,
                           kind="purchase", purpose="card_purse",
                           new=PURCHASE_STATES.get(phase))

    def purchase_rows(self, *, open_only: bool = True) -> list[tuple[str, str, str, str]]:
        """(purchase key, order id, phase, request JSON) oldest first; ``open_only``:
        not recorded, not debited, not handed to staff."""
        return self._phase_rows("purchases", PURCHASE_DONE, open_only)

    def record_refund_load(self, load_key: str, refund_id: str, phase: str,
                           request_json: str) -> None:
        """A refund load's phase (``refund_intent``, ``refund_requested``,
        ``refund_authorised``, ``refund_crediting``, ``refund_credited``,
        ``refund_confirmed``, ``refund_voided``, ``refund_needs_staff``; see
        docs/purse_refund_states.md): the ``refund_loads`` row, committed before the action
        the phase names, and an entry of kind "refund_load" (``refund:<key>``): intent ->
        INTENT, confirmed -> DELIVERED, voided -> CLOSED (the card never got it; the
        refund stays owed), needs_staff -> NEEDS_STAFF, else DELIVERING.
        ``GOVKIOSK_CRASH_AFTER=<phase>`` kills the process right after the commit."""
        self._record_phase("refund_loads", load_key, refund_id, phase, request_json,
                           kind="refund_load", purpose="card_refund",
                           new=REFUND_STATES.get(phase, S.DELIVERING))

    def refund_load_rows(self, *, open_only: bool = True
                         ) -> list[tuple[str, str, str, str]]:
        """(load key, refund id, phase, request JSON) oldest first; ``open_only``: not
        confirmed, voided or handed to staff."""
        return self._phase_rows("refund_loads", REFUND_DONE, open_only)

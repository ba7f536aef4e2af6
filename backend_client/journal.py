"""The payment journal: the kiosk's own record of every order and purse operation.

Each entry (a QR payment order, a citizen-card top-up, a purse purchase: the ``kind``
column) moves through :class:`JournalState`; :data:`TRANSITIONS` lists the moves allowed.
Every move is committed (SQLite, ``synchronous=FULL``) before the action it describes,
and logged old -> new in the ``transitions`` table (who, when, why) for audit. After a
restart the reconciler (:mod:`backend_client.reconcile`) reads every unfinished entry
back and settles it with the backend. Holds amounts and ids only; no personal data.

Crash proofs: with ``GOVKIOSK_CRASH_AFTER=<state>`` in the environment the process
SIGKILLs itself right after committing its first move into that state, and with
``GOVKIOSK_CRASH_AFTER=load:<phase>`` right after committing a top-up's first move into
that load phase (tests only).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from backend_client.errors import JournalError

log = logging.getLogger(__name__)

CRASH_ENV = "GOVKIOSK_CRASH_AFTER"

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    order_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'payment',
    idempotency_key TEXT NOT NULL UNIQUE,
    request_json TEXT NOT NULL,
    state TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    service_id TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    bill_id TEXT,
    operation_id TEXT,
    expires_at TEXT,
    used_by TEXT,
    note TEXT NOT NULL DEFAULT '',
    receipt TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
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
CREATE TABLE IF NOT EXISTS transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL,
    old TEXT NOT NULL,
    new TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
"""


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


#: A purse purchase's phase -> the state of its entry (see record_purchase).
_PURCHASE_STATES = {
    "purchase_intent": S.INTENT, "purchase_debiting": S.SHOWN, "purchase_debited": S.PAID,
    "purchase_recorded": S.DELIVERED, "purchase_not_debited": S.CLOSED,
    "purchase_needs_staff": S.NEEDS_STAFF,
}

#: A load phase (kiosk.flow.ports.LoadPhase) -> the state of its entries; any other
#: phase (requested, authorised, crediting) is DELIVERING.
_LOAD_STATES = {"confirmed": S.DELIVERED, "cancelled": S.CLOSED, "refunded": S.REFUNDED}
_LOAD_FINAL = tuple(_LOAD_STATES)
#: A card load voided after it started (the card never got it): its entry closes. Only a
#: load's entry moves so; a paid order's entry never goes from delivering to closed.
_LOAD_MOVES = frozenset({(S.DELIVERING, S.CLOSED)})


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


_COLUMNS = ("order_id, kind, idempotency_key, request_json, state, amount_fen, service_id,"
            " purpose, bill_id, operation_id, expires_at, used_by, note, receipt, updated_at")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PaymentJournal:
    """SQLite in the kiosk's state dir; every write is committed before it returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._crash_after = os.environ.get(CRASH_ENV, "")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise JournalError(f"{path}: cannot open the payment journal: {exc}") from None

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise JournalError(f"{self.path}: payment journal write failed: {exc}") from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def begin(
        self, order_id: str, idempotency_key: str, request_json: str, amount_fen: int, *,
        kind: str = "payment", service_id: str = "", purpose: str = "",
        bill_id: str | None = None, actor: str = "kiosk",
    ) -> None:
        """A new entry in INTENT, committed before the first call about it."""
        with self._tx() as c:
            now = _now()
            c.execute(
                f"INSERT INTO entries ({_COLUMNS}, created_at) VALUES"
                " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (order_id, kind, idempotency_key, request_json, S.INTENT.value, amount_fen,
                 service_id, purpose, bill_id, None, None, None, "", "", now, now),
            )
            c.execute("INSERT INTO transitions (order_id, old, new, actor, note, at)"
                      " VALUES (?,?,?,?,?,?)", (order_id, "", S.INTENT.value, actor, kind, now))
        log.info("journal %s: -> intent (%s)", order_id, kind)
        self._maybe_crash(S.INTENT)

    def transition(
        self, order_id: str, new: JournalState, *, actor: str = "kiosk", note: str = "",
        expires_at: datetime | None = None, used_by: str | None = None,
        operation_id: str | None = None, receipt: str | None = None,
    ) -> bool:
        """The one setter: move ``order_id`` to ``new`` (committed, logged old -> new).

        Moving to the state it is in only updates the facts (False). A move the table
        does not allow raises :class:`TransitionError`.
        """
        with self._tx() as c:
            row = c.execute("SELECT state, kind FROM entries WHERE order_id=?",
                            (order_id,)).fetchone()
            if row is None:
                raise TransitionError(f"no journal entry {order_id}")
            old = JournalState(row[0])
            moved = old is not new
            if moved and new not in TRANSITIONS[old] and not (
                    row[1] == "topup" and (old, new) in _LOAD_MOVES):
                raise TransitionError(f"{order_id}: {old} -> {new} is not allowed")
            now = _now()
            c.execute(
                "UPDATE entries SET state=?, expires_at=COALESCE(?, expires_at),"
                " used_by=COALESCE(?, used_by), operation_id=COALESCE(?, operation_id),"
                " receipt=COALESCE(?, receipt), note=CASE WHEN ?='' THEN note ELSE ? END,"
                " updated_at=? WHERE order_id=?",
                (new.value, expires_at.isoformat() if expires_at else None, used_by,
                 operation_id, receipt, note, note, now, order_id),
            )
            if moved:
                c.execute("INSERT INTO transitions (order_id, old, new, actor, note, at)"
                          " VALUES (?,?,?,?,?,?)", (order_id, old.value, new.value, actor,
                                                    note, now))
        if moved:
            log.info("journal %s: %s -> %s (%s)", order_id, old, new, actor)
            self._maybe_crash(new)
        return moved

    def _maybe_crash(self, state: JournalState) -> None:
        self._maybe_crash_at(state.value)

    def _maybe_crash_at(self, point: str) -> None:
        if self._crash_after and self._crash_after == point:
            log.warning("journal: %s=%s reached; killing this process", CRASH_ENV, point)
            os.kill(os.getpid(), signal.SIGKILL)

    # -- reading -----------------------------------------------------------------------

    def get(self, order_id: str) -> JournalEntry | None:
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE order_id=?", (order_id,)).fetchone()
        return _entry(row) if row else None

    def entries(self, *, open_only: bool = False, kind: str | None = None,
                states: frozenset[JournalState] | None = None) -> list[JournalEntry]:
        """Entries oldest first; ``open_only``: not final."""
        sql = f"SELECT {_COLUMNS} FROM entries WHERE 1=1"
        args: list[str] = []
        if open_only:
            sql += f" AND state NOT IN ({','.join('?' for _ in FINAL)})"
            args.extend(s.value for s in FINAL)
        if states is not None:
            sql += f" AND state IN ({','.join('?' for _ in states)})"
            args.extend(s.value for s in states)
        if kind is not None:
            sql += " AND kind=?"
            args.append(kind)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY created_at, rowid", args).fetchall()
        return [_entry(r) for r in rows]

    def open_entries(self) -> list[JournalEntry]:
        """Entries that are not final, oldest first."""
        return self.entries(open_only=True)

    def history(self, order_id: str) -> list[tuple[str, str, str, str, str]]:
        """(old, new, actor, note, at) of every move of ``order_id``, in order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT old, new, actor, note, at FROM transitions WHERE order_id=? ORDER BY id",
                (order_id,)).fetchall()
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) for r in rows]

    def by_key(self, idempotency_key: str) -> JournalEntry | None:
        with self._lock:
            row = self._conn.execute("SELECT order_id FROM entries WHERE idempotency_key=?",
                                     (idempotency_key,)).fetchone()
        return self.get(str(row[0])) if row else None

    # -- purse operations (top-up today; purchase builds on the same) --------------------

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
        new = _LOAD_STATES.get(state, S.DELIVERING)
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
                f" ({','.join('?' for _ in _LOAD_FINAL)}) ORDER BY rowid", _LOAD_FINAL,
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
                    row_key is None and order_id is None and state not in _LOAD_FINAL):
                out.append((str(key), topup_id, str(state), body))
        return out


    # -- purse purchases (消费): the phases of kiosk.flow.purse_ports.PurchasePhase ----

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
        with self._tx() as c:
            old = c.execute("SELECT state FROM purchases WHERE purchase_key=?",
                            (purchase_key,)).fetchone()
            now = _now()
            c.execute(
                "INSERT INTO purchases VALUES (?,?,?,?,?) ON CONFLICT(purchase_key) DO UPDATE"
                " SET state=excluded.state, request_json=excluded.request_json,"
                " updated_at=excluded.updated_at",
                (purchase_key, order_id, phase, request_json, now))
            if old is None or old[0] != phase:
                c.execute("INSERT INTO transitions (order_id, old, new, actor, note, at)"
                          " VALUES (?,?,?,?,?,?)", (f"purchase:{purchase_key}",
                                                    old[0] if old else "", phase, "kiosk",
                                                    order_id, now))
        entry_id = f"purchase:{purchase_key}"
        new = _PURCHASE_STATES.get(phase)
        try:
            if self.get(entry_id) is None:
                amount = int(json.loads(request_json).get("amount_fen", 0))
                self.begin(entry_id, entry_id, "{}", amount, kind="purchase",
                           purpose="card_purse")
            if new is not None and new is not S.INTENT:
                self.transition(entry_id, new, operation_id=order_id, note=phase)
        except TransitionError as exc:  # the purchases row stays the purse's record
            log.warning("journal: %s", exc)
        if old is None or old[0] != phase:
            self._maybe_crash_at(phase)

    def purchase_rows(self, *, open_only: bool = True) -> list[tuple[str, str, str, str]]:
        """(purchase key, order id, phase, request JSON) oldest first; ``open_only``:
        not recorded, not debited, not handed to staff."""
        sql = "SELECT purchase_key, order_id, state, request_json FROM purchases"
        if open_only:
            sql += (" WHERE state NOT IN ('purchase_recorded', 'purchase_not_debited',"
                    " 'purchase_needs_staff')")
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY rowid").fetchall()
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def _entry(r: tuple[Any, ...]) -> JournalEntry:
    return JournalEntry(
        order_id=r[0], kind=r[1], idempotency_key=r[2], request_json=r[3],
        state=JournalState(r[4]), amount_fen=int(r[5]), service_id=r[6], purpose=r[7],
        bill_id=r[8], operation_id=r[9], expires_at=_when(r[10]), used_by=r[11], note=r[12],
        receipt=r[13], updated_at=r[14])


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None

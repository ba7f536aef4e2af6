"""The payment journal: the kiosk's own record of every order and purse operation.

Each entry (a QR payment order, a citizen-card top-up, a purse purchase: the ``kind``
column) moves through :class:`JournalState`; :data:`TRANSITIONS` lists the moves allowed.
Every move is committed (SQLite, ``synchronous=FULL``) before the action it describes,
and logged old -> new in the ``transitions`` table (who, when, why) for audit. After a
restart the reconciler (:mod:`backend_client.reconcile`) reads every unfinished entry
back and settles it with the backend. Holds amounts and ids only; no personal data.

The state machine is :mod:`backend_client.journal_states`; the purse's own tables (card
loads, purchases, refund loads) are :mod:`backend_client.purse_journal`'s mixin.

Crash proofs: with ``GOVKIOSK_CRASH_AFTER=<state>`` in the environment the process
SIGKILLs itself right after committing its first move into that state, and with
``GOVKIOSK_CRASH_AFTER=load:<phase>`` right after committing a top-up's first move into
that load phase (tests only).
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from backend_client.errors import JournalError
from backend_client.journal_states import (
    COLUMNS,
    FINAL,
    LOAD_KINDS,
    LOAD_MOVES,
    TRANSITIONS,
    JournalEntry,
    JournalState,
    TransitionError,
    entry_from_row,
)
from backend_client.purse_journal import PURSE_SCHEMA, PurseRecords

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

__all__ = ["FINAL", "TRANSITIONS", "JournalEntry", "JournalState", "PaymentJournal",
           "TransitionError"]

S = JournalState


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PaymentJournal(PurseRecords):
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
            self._conn.executescript(SCHEMA + PURSE_SCHEMA)
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
                f"INSERT INTO entries ({COLUMNS}, created_at) VALUES"
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
                    row[1] in LOAD_KINDS and (old, new) in LOAD_MOVES):
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
                f"SELECT {COLUMNS} FROM entries WHERE order_id=?", (order_id,)).fetchone()
        return entry_from_row(row) if row else None

    def entries(self, *, open_only: bool = False, kind: str | None = None,
                states: frozenset[JournalState] | None = None) -> list[JournalEntry]:
        """Entries oldest first; ``open_only``: not final."""
        sql = f"SELECT {COLUMNS} FROM entries WHERE 1=1"
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
        return [entry_from_row(r) for r in rows]

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

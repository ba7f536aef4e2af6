"""The payment journal: a kiosk-side SQLite record of every payment order and top-up.

The idempotency key and the order id are written (and committed) BEFORE the first call,
so a crash, a power cut or a lost answer never leaves an order the kiosk does not know
about. After a restart :meth:`PaymentDesk.recover` asks the backend about every entry
that is not final. Holds amounts and ids only; no personal data.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from backend_client.errors import JournalError

SCHEMA = """
CREATE TABLE IF NOT EXISTS payments (
    order_id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_json TEXT NOT NULL,
    state TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    expires_at TEXT,
    used_by TEXT,
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
"""


class PaymentState(StrEnum):
    #: Written before the first create call; the backend may or may not have it.
    CREATING = "creating"
    UNPAID = "unpaid"
    PAID = "paid"
    #: Paid and spent on the service (bill settled, card loaded, certificate issued).
    USED = "used"
    CLOSED = "closed"
    REFUNDED = "refunded"
    #: The backend never received the create call (confirmed by a query after restart).
    NEVER_CREATED = "never_created"


FINAL = frozenset({PaymentState.USED, PaymentState.CLOSED, PaymentState.REFUNDED,
                   PaymentState.NEVER_CREATED})


@dataclass(frozen=True)
class JournalEntry:
    order_id: str
    idempotency_key: str
    request_json: str
    state: PaymentState
    amount_fen: int
    expires_at: datetime | None
    used_by: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PaymentJournal:
    """SQLite in the kiosk's state dir; every write is committed before it returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
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
                self._conn.execute("ROLLBACK")
                raise JournalError(f"{self.path}: payment journal write failed: {exc}") from None

    def begin(
        self, order_id: str, idempotency_key: str, request_json: str, amount_fen: int
    ) -> None:
        with self._tx() as c:
            now = _now()
            c.execute(
                "INSERT INTO payments VALUES (?,?,?,?,?,?,?,?,?)",
                (order_id, idempotency_key, request_json, PaymentState.CREATING.value,
                 amount_fen, None, None, now, now),
            )

    def update(
        self, order_id: str, state: PaymentState, *, expires_at: datetime | None = None,
        used_by: str | None = None,
    ) -> None:
        with self._tx() as c:
            c.execute(
                "UPDATE payments SET state=?, expires_at=COALESCE(?, expires_at),"
                " used_by=COALESCE(?, used_by), updated_at=? WHERE order_id=?",
                (state.value, expires_at.isoformat() if expires_at else None, used_by,
                 _now(), order_id),
            )

    def get(self, order_id: str) -> JournalEntry | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT order_id, idempotency_key, request_json, state, amount_fen, expires_at,"
                " used_by FROM payments WHERE order_id=?", (order_id,),
            ).fetchone()
        return self._entry(row) if row else None

    def open_entries(self) -> list[JournalEntry]:
        """Entries that are not final, oldest first."""
        marks = ",".join("?" for _ in FINAL)
        with self._lock:
            rows = self._conn.execute(
                "SELECT order_id, idempotency_key, request_json, state, amount_fen, expires_at,"
                f" used_by FROM payments WHERE state NOT IN ({marks}) ORDER BY created_at, rowid",
                tuple(s.value for s in FINAL),
            ).fetchall()
        return [self._entry(r) for r in rows]

    @staticmethod
    def _entry(row: tuple[str, str, str, str, int, str | None, str | None]) -> JournalEntry:
        return JournalEntry(
            order_id=row[0], idempotency_key=row[1], request_json=row[2],
            state=PaymentState(row[3]), amount_fen=row[4],
            expires_at=datetime.fromisoformat(row[5]) if row[5] else None, used_by=row[6],
        )

    # -- top-ups ------------------------------------------------------------------

    def record_topup(self, order_id: str, state: str, request_json: str,
                     topup_id: str | None = None) -> None:
        """Top-up states: "requested" (before the MAC2 call), "mac2" (card not yet
        credited or credit unknown), "confirmed"."""
        with self._tx() as c:
            c.execute(
                "INSERT INTO topups VALUES (?,?,?,?,?) ON CONFLICT(order_id) DO UPDATE SET"
                " topup_id=COALESCE(excluded.topup_id, topup_id), state=excluded.state,"
                " updated_at=excluded.updated_at",
                (order_id, topup_id, state, request_json, _now()),
            )

    def pending_topups(self) -> list[tuple[str, str | None, str]]:
        """(order id, top-up id, state) of top-ups whose confirm never arrived."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT order_id, topup_id, state FROM topups WHERE state != 'confirmed'"
                " ORDER BY rowid"
            ).fetchall()
        return [(str(r[0]), r[1], str(r[2])) for r in rows]

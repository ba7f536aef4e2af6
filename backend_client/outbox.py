"""The outbox: submissions that wait (in SQLite) while the backend is unreachable.

An entry is a whole submission (an application with its attachments, a bill settlement
keyed by its paying order, an audit batch, a resident's 好差评 rating), of the kind its
payload is,
with the idempotency key it was first tried with. :meth:`Outbox.flush` sends them in
the order they were queued and stops at the first one the backend cannot take now, so
a later submission never overtakes an earlier one. An entry the backend rejects (4xx)
is kept as ``dead`` with the reason, for staff: nothing is dropped silently. The flow's
submit step tries the backend first and queues (``kiosk.adapters.backend.OutboxPort``) only
what may wait, when the backend cannot be reached; the kiosk flushes at start-up and on a
schedule (the payments keeper's reconciliation runs).

The outbox file holds what residents submitted (forms, scans); it lives in the kiosk's
state dir, which only the kiosk user can read. Logs name entries by id and kind only.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from backend_client.client import BackendClient
from backend_client.errors import (
    BackendError,
    BackendMalformedError,
    BackendRejectedError,
    BackendUnavailableError,
    BackendUnreachableError,
    JournalError,
)
from backend_client.models import (
    ApplicationCreate,
    ApplicationSubmitted,
    AttachmentUpload,
    AuditBatch,
    RatingCreate,
)

log = logging.getLogger(__name__)

Kind = Literal["application", "bill_settlement", "audit", "rating"]


def settle_key(order_id: str) -> str:
    """The idempotency key of a bill settlement: one per paying order, whoever sends it."""
    return f"settle-{order_id}"[:128]


class BillSettlementDraft(BaseModel):
    """A bill settlement that waits: the bill and the paid order that pays it."""

    bill_id: str = Field(min_length=1, max_length=64)
    order_id: str = Field(min_length=1, max_length=128)


class ApplicationDraft(BaseModel):
    """Everything one application submission needs, to send now or later."""

    create: ApplicationCreate
    attachments: tuple[AttachmentUpload, ...] = Field(default=())


def submit_application(
    client: BackendClient, draft: ApplicationDraft, key: str
) -> ApplicationSubmitted:
    """Create, attach every page, submit; each step keyed from ``key`` so a replay after a
    partial success repeats nothing."""
    app = client.create_application(draft.create, f"{key}:create")
    for i, upload in enumerate(draft.attachments):
        client.add_attachment(app.application_id, upload, f"{key}:att:{i}")
    return client.submit_application(app.application_id, f"{key}:submit")


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    kind: Kind
    idempotency_key: str
    status: Literal["pending", "done", "dead"]
    attempts: int
    last_error: str
    result_json: str | None


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        #: Called with (order id, voucher) when a queued bill settlement is delivered, so
        #: the payment journal records the delivery.
        self.on_settled: Callable[[str, str], None] | None = None
        self._flushing = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                " kind TEXT NOT NULL, payload TEXT NOT NULL, idempotency_key TEXT NOT NULL,"
                " status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,"
                " last_error TEXT NOT NULL DEFAULT '', result TEXT, created_at TEXT NOT NULL)"
            )
        except sqlite3.Error as exc:
            raise JournalError(f"{path}: cannot open the outbox: {exc}") from None

    def close(self) -> None:
        self._conn.close()

    def enqueue(self, kind: Kind, payload: BaseModel, idempotency_key: str) -> int:
        try:
            with self._lock:
                cur = self._conn.execute(
                    "INSERT INTO outbox (kind, payload, idempotency_key, created_at)"
                    " VALUES (?,?,?,?)",
                    (kind, payload.model_dump_json(), idempotency_key,
                     datetime.now(UTC).isoformat()),
                )
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: cannot queue a submission: {exc}") from None
        assert cur.lastrowid is not None
        log.info("outbox: queued %s #%d", kind, cur.lastrowid)
        return cur.lastrowid

    def entries(self, status: str | None = None) -> list[OutboxEntry]:
        sql = ("SELECT id, kind, idempotency_key, status, attempts, last_error, result"
               " FROM outbox")
        args: tuple[str, ...] = ()
        if status is not None:
            sql += " WHERE status=?"
            args = (status,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        return [OutboxEntry(*r) for r in rows]

    def pending_count(self) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE status='pending'").fetchone()
        return int(row[0])

    def flush(self, client: BackendClient) -> int:
        """Send pending entries in order; returns how many were delivered (0 when another
        flush is running)."""
        if not self._flushing.acquire(blocking=False):
            return 0
        try:
            return self._flush(client)
        finally:
            self._flushing.release()

    def _flush(self, client: BackendClient) -> int:
        delivered = 0
        for entry_id, kind, payload, key in self._pending():
            try:
                result = self._send(client, kind, payload, key)
            except (BackendUnreachableError, BackendUnavailableError, BackendMalformedError) as exc:
                self._mark(entry_id, "pending", str(exc), None)
                log.info("outbox: #%d waits (%s)", entry_id, type(exc).__name__)
                break
            except BackendRejectedError as exc:
                self._mark(entry_id, "dead", str(exc), None)
                log.warning("outbox: #%d rejected, kept for staff: %s", entry_id, exc)
                continue
            except BackendError as exc:
                self._mark(entry_id, "pending", str(exc), None)
                log.warning("outbox: #%d failed: %s", entry_id, exc)
                break
            self._mark(entry_id, "done", "", result.model_dump_json())
            delivered += 1
            log.info("outbox: #%d %s delivered", entry_id, kind)
        return delivered

    def _pending(self) -> list[tuple[int, str, str, str]]:
        with self._lock:
            return self._conn.execute(
                "SELECT id, kind, payload, idempotency_key FROM outbox WHERE status='pending'"
                " ORDER BY id"
            ).fetchall()

    def _send(self, client: BackendClient, kind: str, payload: str, key: str) -> BaseModel:
        if kind == "bill_settlement":
            draft = BillSettlementDraft.model_validate_json(payload)
            done = client.settle_bill(draft.bill_id, draft.order_id, key)
            if self.on_settled is not None:
                self.on_settled(draft.order_id, done.voucher_number)
            return done
        if kind == "application":
            return submit_application(client, ApplicationDraft.model_validate_json(payload), key)
        if kind == "audit":
            return client.upload_audit(AuditBatch.model_validate(json.loads(payload)), key)
        if kind == "rating":
            return client.rate(RatingCreate.model_validate_json(payload), key)
        raise BackendRejectedError(f"unknown outbox kind {kind!r}", code="validation_error")

    def _mark(self, entry_id: int, status: str, error: str, result: str | None) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE outbox SET status=?, attempts=attempts+1, last_error=?, result=?"
                " WHERE id=?", (status, error, result, entry_id),
            )

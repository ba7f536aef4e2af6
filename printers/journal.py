"""The print journal: every job and its outcome, in SQLite in the kiosk's state dir.

Personal data: a receipt is kept whole (it is what a reprint needs; the flows put only
masked names on receipts) for ``keep_payload_hours`` (default 24 h), then its body is
erased and only the outcome row stays; rows are deleted after ``keep_days`` (90). For
certificates only the number, title and outcome are kept, never the PDF.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from printers.errors import JournalError
from printers.jobs import PrintOutcome
from printers.receipt import Receipt

_SCHEMA = """
CREATE TABLE IF NOT EXISTS print_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('receipt', 'certificate')),
    device TEXT NOT NULL,
    title TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    state TEXT NOT NULL DEFAULT 'started',
    job_id TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    error_code TEXT NOT NULL DEFAULT '',
    payload TEXT,
    reprint_of INTEGER
);
CREATE INDEX IF NOT EXISTS print_jobs_started ON print_jobs (started_at);
"""


@dataclass(frozen=True)
class JournalEntry:
    id: int
    kind: str
    device: str
    title: str
    reference: str
    started_at: datetime
    state: str
    job_id: str
    pages: int
    error_code: str
    reprint_of: int | None


class PrintJournal:
    """Thread-safe; open one per kiosk. ``path=None`` keeps it in memory (tests)."""

    def __init__(
        self, path: Path | None, *, keep_days: int = 90, keep_payload_hours: int = 24
    ) -> None:
        self._keep = timedelta(days=keep_days)
        self._keep_payload = timedelta(hours=keep_payload_hours)
        self._lock = threading.Lock()
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                ":memory:" if path is None else str(path), check_same_thread=False
            )
            self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise JournalError(f"print journal {path} unusable: {exc}") from exc
        self.prune()

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                with self._db:
                    return self._db.execute(sql, params)
            except sqlite3.Error as exc:
                raise JournalError(f"print journal: {exc}") from exc

    def start_receipt(self, device: str, receipt: Receipt, reprint_of: int | None = None) -> int:
        """Record a receipt about to print (before any byte goes out); returns its entry id."""
        cur = self._run(
            "INSERT INTO print_jobs (kind, device, title, reference, started_at, payload,"
            " reprint_of) VALUES ('receipt', ?, ?, ?, ?, ?, ?)",
            (device, receipt.title, receipt.receipt_no, _now(), receipt.model_dump_json(),
             reprint_of),
        )  # fmt: skip
        return int(cur.lastrowid or 0)

    def start_certificate(self, device: str, title: str, number: str) -> int:
        cur = self._run(
            "INSERT INTO print_jobs (kind, device, title, reference, started_at)"
            " VALUES ('certificate', ?, ?, ?, ?)",
            (device, title, number, _now()),
        )
        return int(cur.lastrowid or 0)

    def finish(self, entry: int, outcome: PrintOutcome) -> None:
        self._run(
            "UPDATE print_jobs SET finished_at = ?, state = ?, job_id = ?, pages = ?,"
            " error_code = ? WHERE id = ?",
            (_now(), outcome.state.value, outcome.job_id, outcome.pages, outcome.error_code,
             entry),
        )  # fmt: skip

    def fail(self, entry: int, error_code: str, state: str = "failed") -> None:
        """Record a failure that produced no outcome (the device refused before a job)."""
        self._run(
            "UPDATE print_jobs SET finished_at = ?, state = ?, error_code = ? WHERE id = ?",
            (_now(), state, error_code, entry),
        )

    def last_receipt(self) -> tuple[int, Receipt] | None:
        """The most recent receipt that can still be reprinted (its body not yet erased)."""
        row = self._run(
            "SELECT id, payload FROM print_jobs WHERE kind = 'receipt' AND payload IS NOT NULL"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return int(row[0]), Receipt.model_validate_json(row[1])

    def entries(self, limit: int = 50) -> list[JournalEntry]:
        rows = self._run(
            "SELECT id, kind, device, title, reference, started_at, state, job_id, pages,"
            " error_code, reprint_of FROM print_jobs ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            JournalEntry(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]), *r[6:])
            for r in rows
        ]

    def unfinished(self) -> list[JournalEntry]:
        """Jobs started but never finished (the kiosk stopped mid-print)."""
        return [e for e in self.entries(1000) if e.state == "started"]

    def prune(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self._run("UPDATE print_jobs SET payload = NULL WHERE started_at < ?",
                  ((now - self._keep_payload).isoformat(),))  # fmt: skip
        self._run("DELETE FROM print_jobs WHERE started_at < ?", ((now - self._keep).isoformat(),))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _now() -> str:
    return datetime.now(UTC).isoformat()

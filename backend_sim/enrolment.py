"""Terminal enrolment: one-time codes bound to a terminal id, revocation, the audit trail.

An operator issues a code for one terminal id (``kiosk-backend-sim enrol-code``); the
kiosk sends it with its public key once. A code is refused when it is unknown, expired,
used, or for another terminal; an enrolled terminal is refused until an operator revokes
it (``kiosk-backend-sim revoke``), so knowing a code never lets anyone replace the key of
a working kiosk. Every issue, enrolment, refusal and revocation is a row of
``terminal_audit``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from backend_sim import db
from backend_sim.state import BackendState

#: Unambiguous letters and digits (no 0/O, 1/I/L) for a code typed at a kiosk.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
DEFAULT_CODE_TTL_S = 24 * 3600


class EnrolmentRefused(Exception):
    """A registration the backend refuses; ``reason`` is audited, ``status`` answered."""

    def __init__(self, status: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class AuditRow:
    at: str
    terminal_id: str
    action: str
    detail: str


def _digest(code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()


def audit(conn: sa.Connection, at: datetime, terminal_id: str, action: str,
          detail: str = "") -> None:
    conn.execute(sa.insert(db.terminal_audit).values(
        at=at.isoformat(), terminal_id=terminal_id[:32], action=action, detail=detail[:256]))


def issue_code(state: BackendState, terminal_id: str, ttl_s: float = DEFAULT_CODE_TTL_S,
               operator: str = "operator") -> tuple[str, datetime]:
    """A fresh one-time code for ``terminal_id`` (shown once; only its hash is stored)."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    code = "-".join(raw[i:i + 4] for i in range(0, 16, 4))
    now = state.now()
    expires = now + timedelta(seconds=ttl_s)
    with state.lock, state.engine.begin() as conn:
        conn.execute(sa.insert(db.enrolment_codes).values(
            code_sha256=_digest(code), terminal_id=terminal_id, issued_at=now.isoformat(),
            expires_at=expires.isoformat()))
        audit(conn, now, terminal_id, "code_issued",
              f"by {operator}, expires {expires.isoformat()}")
    return code, expires


def revoke(state: BackendState, terminal_id: str, operator: str = "operator") -> bool:
    """Remove the terminal's key (it can enrol again with a new code); False if unknown."""
    now = state.now()
    with state.lock, state.engine.begin() as conn:
        gone = conn.execute(sa.delete(db.terminals).where(
            db.terminals.c.terminal_id == terminal_id)).rowcount
        audit(conn, now, terminal_id, "revoked" if gone else "revoke_unknown", f"by {operator}")
    return bool(gone)


def enrol(state: BackendState, terminal_id: str, public_key: str, code: str,
          location: str) -> datetime:
    """Register ``public_key`` for ``terminal_id`` with ``code``; EnrolmentRefused if not."""
    now = state.now()
    digest = _digest(code)
    codes = db.enrolment_codes
    with state.lock, state.engine.begin() as conn:
        row = conn.execute(sa.select(codes).where(codes.c.code_sha256 == digest)).first()
        enrolled = conn.execute(sa.select(db.terminals.c.terminal_id).where(
            db.terminals.c.terminal_id == terminal_id)).first()
        refusal: EnrolmentRefused | None = None
        if row is None or row.terminal_id != terminal_id:
            refusal = EnrolmentRefused(
                403, "enrollment_refused", "code unknown or for another terminal")
        elif row.used_at is not None:
            refusal = EnrolmentRefused(403, "enrollment_refused", "code already used")
        elif datetime.fromisoformat(row.expires_at) <= now:
            refusal = EnrolmentRefused(403, "enrollment_refused", "code expired")
        elif enrolled is not None:
            refusal = EnrolmentRefused(
                409, "terminal_enrolled", "terminal is enrolled; an operator must revoke it first")
        if refusal is None:
            used = conn.execute(sa.update(codes).where(
                codes.c.code_sha256 == digest, codes.c.used_at.is_(None)
            ).values(used_at=now.isoformat())).rowcount
            if used != 1:  # another process used it between the select and here
                refusal = EnrolmentRefused(403, "enrollment_refused", "code already used")
        if refusal is None:
            conn.execute(sa.insert(db.terminals).values(
                terminal_id=terminal_id, public_key=public_key, location=location,
                registered_at=now.isoformat()))
            audit(conn, now, terminal_id, "enrolled", f"key {public_key[:8]}, at {location!r}")
            return now
        audit(conn, now, terminal_id, "enrolment_refused", refusal.reason)
    raise refusal


def audit_trail(state: BackendState, terminal_id: str | None = None) -> list[AuditRow]:
    t = db.terminal_audit
    query = sa.select(t).order_by(t.c.id)
    if terminal_id is not None:
        query = query.where(t.c.terminal_id == terminal_id)
    with state.engine.connect() as conn:
        return [AuditRow(r.at, r.terminal_id, r.action, r.detail) for r in conn.execute(query)]

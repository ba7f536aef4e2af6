"""Health, terminal registration, heartbeat, audit trail, catalog."""

from __future__ import annotations

import json

import sqlalchemy as sa
from fastapi import APIRouter

from backend_client.models import (
    API_VERSION,
    AuditAck,
    AuditBatch,
    Health,
    Heartbeat,
    HeartbeatAck,
    TerminalRegistered,
    TerminalRegistration,
)
from backend_client.service_definition import Catalog
from backend_sim import db, enrolment
from backend_sim.catalog import build_catalog
from backend_sim.http import (
    ERROR_RESPONSES,
    ApiError,
    IdempotencyKey,
    State,
    Terminal,
    idempotent,
)

router = APIRouter(responses=ERROR_RESPONSES)
_CATALOG = build_catalog()


@router.get("/health", tags=["terminal"])
def health(state: State) -> Health:
    """Liveness; the only call that needs no signature."""
    return Health(status="ok", api_version=API_VERSION, server_time=state.now())


@router.post("/terminals/register", tags=["terminal"])
def register(body: TerminalRegistration, state: State) -> TerminalRegistered:
    """Enrol a terminal's Ed25519 public key with a one-time code issued for its id.

    Refused (403 enrollment_refused) for an unknown, used, expired or foreign code, and
    (409 terminal_enrolled) while the terminal is enrolled: an operator revokes it first.
    """
    try:
        now = enrolment.enrol(state, body.terminal_id, body.public_key_base64,
                              body.enrollment_code, body.location)
    except enrolment.EnrolmentRefused as exc:
        raise ApiError(exc.status, exc.code, exc.reason) from None
    return TerminalRegistered(
        terminal_id=body.terminal_id, registered_at=now, key_id=body.public_key_base64[:8]
    )


@router.post("/terminals/heartbeat", tags=["terminal"])
def heartbeat(body: Heartbeat, terminal: Terminal, state: State) -> HeartbeatAck:
    """Device status of the terminal; answers with pending remote commands (none here)."""
    with state.engine.begin() as conn:
        conn.execute(sa.update(db.terminals).where(db.terminals.c.terminal_id == terminal).values(
            last_heartbeat=state.now().isoformat(), last_status=body.model_dump_json(),
        ))
    return HeartbeatAck(server_time=state.now())


@router.post("/audit/events", tags=["terminal"])
def upload_audit(
    body: AuditBatch, terminal: Terminal, key: IdempotencyKey, state: State
) -> AuditAck:
    """Store a batch of audit events (a repeat of the same seq replaces it)."""

    def store() -> AuditAck:
        with state.engine.begin() as conn:
            for ev in body.events:
                conn.execute(sa.delete(db.audit_events).where(
                    db.audit_events.c.terminal_id == terminal, db.audit_events.c.seq == ev.seq
                ))
                conn.execute(sa.insert(db.audit_events).values(
                    terminal_id=terminal, seq=ev.seq, at=ev.at.isoformat(), kind=ev.kind,
                    service_id=ev.service_id, outcome=ev.outcome,
                    detail=json.dumps(ev.detail, ensure_ascii=False),
                ))
        return AuditAck(accepted=len(body.events))

    return AuditAck.model_validate(idempotent(state, terminal, key, "audit", body, store))


@router.get("/catalog", tags=["catalog"])
def catalog(terminal: Terminal) -> Catalog:
    """The services this terminal offers, as data (zh and en)."""
    return _CATALOG

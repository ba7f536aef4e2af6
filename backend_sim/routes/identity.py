"""Identity: card data checks, face verification (simulated rule), QR login."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter

from backend_client.models import (
    FaceVerification,
    FaceVerificationRequest,
    IdentityCheck,
    IdentityCheckRequest,
    Person,
    QrLogin,
    QrLoginStatus,
)
from backend_sim import db, face
from backend_sim.http import (
    ERROR_RESPONSES,
    ApiError,
    State,
    Terminal,
    issue_person_token,
    new_id,
    not_found,
    person_for_token,
)
from backend_sim.seed import ALIASES
from backend_sim.state import BackendState

router = APIRouter(responses=ERROR_RESPONSES, tags=["identity"])
MAX_FACE_ATTEMPTS = 5


def person_model(row: Any) -> Person:
    return Person(
        id_number=row.id_number, name=row.name, sex=row.sex,
        birth_date=date.fromisoformat(row.birth_date), phone=row.phone, address=row.address,
    )


def resident(state: BackendState, id_number: str) -> Any:
    with state.engine.connect() as conn:
        return conn.execute(
            sa.select(db.residents).where(db.residents.c.id_number == id_number)
        ).first()


@router.post("/identity/checks")
def check_identity(body: IdentityCheckRequest, terminal: Terminal, state: State) -> IdentityCheck:
    """Match card data against the register: name, number, validity, card status."""
    row = resident(state, body.id_number)
    if row is None:
        return IdentityCheck(result="unknown")
    name_ok = body.name == row.name or ALIASES.get(body.name) == row.id_number
    if not name_ok:
        return IdentityCheck(result="mismatch")
    if body.document_type == "citizen_card":
        if row.card_blocked:
            return IdentityCheck(result="blocked")
        if row.card_number is None or body.card_number != row.card_number:
            return IdentityCheck(result="mismatch")
    else:
        if body.document_type != row.document_type:
            return IdentityCheck(result="mismatch")
        registered_until = date.fromisoformat(row.valid_until) if row.valid_until else None
        if body.valid_until != registered_until:
            return IdentityCheck(result="mismatch")
        if registered_until is not None and registered_until < state.now().date():
            return IdentityCheck(result="expired")
    token, expires = issue_person_token(state, row.id_number, terminal)
    return IdentityCheck(
        result="valid", person_token=token, person=person_model(row), token_expires_at=expires
    )


@router.post("/identity/face-verifications")
def verify_face(
    body: FaceVerificationRequest, terminal: Terminal, state: State
) -> FaceVerification:
    """Compare the live photo with the card holder (SIMULATED: see backend_sim/face.py)."""
    id_number = person_for_token(state, body.person_token)
    try:
        image = base64.b64decode(body.image_base64, validate=True)
    except binascii.Error:
        raise ApiError(422, "validation_error", "image_base64 is not base64") from None
    t = db.person_tokens
    with state.lock, state.engine.begin() as conn:
        attempts = int(conn.execute(
            sa.select(t.c.face_attempts).where(t.c.token == body.person_token)
        ).scalar_one()) + 1
        if attempts > MAX_FACE_ATTEMPTS:
            raise ApiError(409, "not_eligible", "too many face verification attempts")
        conn.execute(sa.update(t).where(t.c.token == body.person_token).values(
            face_attempts=attempts
        ))
    return FaceVerification(result=face.verify(image, id_number), attempt=attempts)


@router.post("/identity/qr-logins")
def create_qr_login(terminal: Terminal, state: State) -> QrLogin:
    """A login code to show as QR; the resident confirms it in the city's app."""
    login_id = new_id("qr")
    expires = state.now() + timedelta(seconds=state.qr_login_ttl_s)
    with state.engine.begin() as conn:
        conn.execute(sa.insert(db.qr_logins).values(
            login_id=login_id, terminal_id=terminal, status="pending",
            expires_at=expires.isoformat(),
        ))
    return QrLogin(
        login_id=login_id, qr_url=f"{state.login_base}/{login_id}", expires_at=expires
    )


@router.get("/identity/qr-logins/{login_id}")
def poll_qr_login(login_id: str, terminal: Terminal, state: State) -> QrLoginStatus:
    with state.engine.connect() as conn:
        row = conn.execute(sa.select(db.qr_logins).where(
            db.qr_logins.c.login_id == login_id, db.qr_logins.c.terminal_id == terminal
        )).first()
    if row is None:
        raise not_found("QR login")
    if row.status == "pending" and datetime.fromisoformat(row.expires_at) < state.now():
        return QrLoginStatus(login_id=login_id, status="expired")
    if row.status != "confirmed":
        return QrLoginStatus(login_id=login_id, status=row.status)
    person = resident(state, row.id_number)
    return QrLoginStatus(
        login_id=login_id, status="confirmed", person_token=row.person_token,
        person=person_model(person),
    )

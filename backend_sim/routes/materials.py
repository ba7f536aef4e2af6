"""The materials library (the person's stored materials) and phone upload slots."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query

from backend_client.models import Materials, PhoneUpload, PhoneUploadCreate, StoredMaterial
from backend_sim import db
from backend_sim.http import (
    ERROR_RESPONSES,
    IdempotencyKey,
    PersonToken,
    State,
    Terminal,
    idempotent,
    new_id,
    not_found,
    person_for_token,
)
from backend_sim.state import BackendState

router = APIRouter(responses=ERROR_RESPONSES)
#: How long a phone upload slot stays open.
UPLOAD_TTL_S = 600
#: What the QR code points the phone at (the platform's mobile page).
UPLOAD_BASE = "https://m.gov.example.cn/upload"


@router.get("/person/materials", tags=["person"])
def stored_materials(
    person: PersonToken, state: State,
    types: Annotated[str, Query(max_length=400, pattern=r"^[a-z0-9_,]*$",
                                description="Comma-separated material types")] = "",
) -> Materials:
    """The person's stored materials (one PDF each), newest first."""
    id_number = person_for_token(state, person)
    lib = db.materials
    query = sa.select(lib.c.material_id, lib.c.material_type, lib.c.submitted_on,
                      lib.c.pages, sa.func.length(lib.c.data).label("size"),
                      lib.c.preview).where(lib.c.id_number == id_number)
    wanted = [t for t in types.split(",") if t]
    if wanted:
        query = query.where(lib.c.material_type.in_(wanted))
    with state.engine.connect() as conn:
        rows = conn.execute(query.order_by(lib.c.submitted_on.desc(),
                                           lib.c.material_id)).all()
    return Materials(materials=tuple(StoredMaterial(
        material_id=r.material_id, material_type=r.material_type,
        submitted_on=r.submitted_on, pages=r.pages, size=r.size,
        preview_jpeg_base64=base64.b64encode(r.preview).decode() if r.preview else None)
        for r in rows))


def upload_answer(state: BackendState, upload_id: str, terminal: str | None) -> PhoneUpload:
    t = db.phone_uploads
    with state.engine.connect() as conn:
        query = sa.select(t).where(t.c.upload_id == upload_id)
        if terminal is not None:
            query = query.where(t.c.terminal_id == terminal)
        row = conn.execute(query).first()
    if row is None:
        raise not_found("upload")
    status = row.status
    expires = datetime.fromisoformat(row.expires_at)
    if status == "waiting" and expires < state.now():
        status = "expired"
    return PhoneUpload(upload_id=row.upload_id, document_id=row.document_id,
                       url=f"{UPLOAD_BASE}/{row.upload_id}", status=status,
                       expires_at=expires, pages=tuple(json.loads(row.pages)),
                       reason=row.reason)


@router.post("/uploads", tags=["uploads"])
def create_upload(body: PhoneUploadCreate, terminal: Terminal, key: IdempotencyKey,
                  state: State) -> PhoneUpload:
    """Open a slot the resident's phone sends a document to (its URL goes in a QR code)."""
    id_number = person_for_token(state, body.person_token)

    def create() -> PhoneUpload:
        upload_id = new_id("upl")
        expires = state.now() + timedelta(seconds=UPLOAD_TTL_S)
        with state.engine.begin() as conn:
            conn.execute(sa.insert(db.phone_uploads).values(
                upload_id=upload_id, terminal_id=terminal, id_number=id_number,
                document_id=body.document_id, status="waiting",
                expires_at=expires.isoformat(), reason="", pages="[]"))
        return upload_answer(state, upload_id, terminal)

    return PhoneUpload.model_validate(idempotent(state, terminal, key, "upload.create",
                                                 body, create))


@router.get("/uploads/{upload_id}", tags=["uploads"])
def get_upload(upload_id: str, terminal: Terminal, state: State) -> PhoneUpload:
    """The slot's state; once the phone has sent its file, the pages as JPEG."""
    return upload_answer(state, upload_id, terminal)

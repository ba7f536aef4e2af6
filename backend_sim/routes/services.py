"""Applications (create, attach, submit) and certificates."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import date, datetime

import sqlalchemy as sa
from fastapi import APIRouter, Request

from backend_client.models import (
    MAX_ATTACHMENT_BYTES,
    Application,
    ApplicationCreate,
    ApplicationSubmitted,
    Attachment,
    AttachmentUpload,
    Certificate,
    CertificateRequest,
)
from backend_sim import certificates, db, materials
from backend_sim.catalog import build_catalog
from backend_sim.http import (
    ERROR_RESPONSES,
    ApiError,
    IdempotencyKey,
    State,
    Terminal,
    idempotent,
    new_id,
    not_found,
    person_for_token,
)
from backend_sim.routes.feedback import next_steps, progress_url
from backend_sim.state import BackendState

router = APIRouter(responses=ERROR_RESPONSES)
_SERVICES = {s.id for s in build_catalog().services}
_PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}(-\d{1,6})?")


def _check_delivery(form: dict[str, str]) -> None:
    """A mailed result needs somewhere to go: a recipient, a phone, an address."""
    method = form.get("delivery_method")
    if method is None:
        return
    if method not in ("pickup", "mail"):
        raise ApiError(422, "validation_error", "delivery_method is pickup or mail")
    if method == "mail":
        if not form.get("delivery_name", "").strip() \
                or not form.get("delivery_address", "").strip():
            raise ApiError(422, "delivery_incomplete", "mail needs a name and an address")
        if not _PHONE.fullmatch(form.get("delivery_phone", "")):
            raise ApiError(422, "delivery_incomplete", "mail needs a valid phone number")


def _application(state: BackendState, application_id: str, terminal: str) -> Application:
    t, att = db.applications, db.attachments
    with state.engine.connect() as conn:
        row = conn.execute(sa.select(t).where(
            t.c.application_id == application_id, t.c.terminal_id == terminal
        )).first()
        if row is None:
            raise not_found("application")
        ids = conn.execute(sa.select(att.c.attachment_id).where(
            att.c.application_id == application_id
        ).order_by(att.c.document_id, att.c.page)).scalars().all()
    return Application(
        application_id=row.application_id, service_id=row.service_id, kind=row.kind,
        status=row.status, created_at=datetime.fromisoformat(row.created_at),
        attachments=tuple(ids),
    )


def _owner(state: BackendState, application_id: str, terminal: str) -> str:
    """The ID number of the person a draft is for."""
    t = db.applications
    with state.engine.connect() as conn:
        owner = conn.execute(sa.select(t.c.id_number).where(
            t.c.application_id == application_id, t.c.terminal_id == terminal)).scalar()
    if owner is None:
        raise not_found("application")
    return str(owner)


@router.post("/applications", tags=["applications"])
def create_application(
    body: ApplicationCreate, terminal: Terminal, key: IdempotencyKey, state: State
) -> Application:
    """Open a draft application for the identified person."""
    id_number = person_for_token(state, body.person_token)
    if body.service_id not in _SERVICES:
        raise ApiError(422, "unknown_service", "no such service")
    _check_delivery(body.form)

    def create() -> Application:
        if body.kind == "elderly_card":
            with state.engine.connect() as conn:
                birth = conn.execute(sa.select(db.residents.c.birth_date).where(
                    db.residents.c.id_number == id_number)).scalar_one()
            if (state.now().date() - date.fromisoformat(birth)).days < 60 * 365.25:
                raise ApiError(409, "not_eligible", "the elderly card starts at age 60")
        application_id = new_id("app")
        now = state.now().isoformat()
        with state.engine.begin() as conn:
            conn.execute(sa.insert(db.applications).values(
                application_id=application_id, id_number=id_number, terminal_id=terminal,
                service_id=body.service_id, kind=body.kind, status="draft",
                form=json.dumps(body.form, ensure_ascii=False), reference=None, note="",
                created_at=now, updated_at=now,
            ))
        return _application(state, application_id, terminal)

    return Application.model_validate(
        idempotent(state, terminal, key, "application.create", body, create)
    )


@router.post("/applications/{application_id}/attachments", tags=["applications"])
def add_attachment(
    application_id: str, body: AttachmentUpload, terminal: Terminal, key: IdempotencyKey,
    state: State,
) -> Attachment:
    """Attach a photo, a document's PDF, or a copy of a stored material to a draft."""
    if body.material_id is not None:
        owner = _owner(state, application_id, terminal)
        data = materials.material_for(state, owner, body.material_id, body.document_id)
    else:
        try:
            data = base64.b64decode(body.data_base64 or "", validate=True)
        except binascii.Error:
            raise ApiError(422, "validation_error", "data_base64 is not base64") from None
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ApiError(422, "attachment_too_large", "attachment is too large")

    def attach() -> Attachment:
        if _application(state, application_id, terminal).status != "draft":
            raise ApiError(409, "application_state", "application is already submitted")
        pages = materials.pdf_pages(data) if body.content_type == "application/pdf" else 1
        attachment_id = new_id("att")
        digest = hashlib.sha256(data).hexdigest()
        with state.engine.begin() as conn:
            conn.execute(sa.insert(db.attachments).values(
                attachment_id=attachment_id, application_id=application_id,
                document_id=body.document_id, page=body.page, content_type=body.content_type,
                sha256=digest, data=data,
            ))
        return Attachment(attachment_id=attachment_id, document_id=body.document_id,
                          page=body.page, size=len(data), sha256=digest,
                          content_type=body.content_type, pages=pages)

    op = f"application.attach:{application_id}"
    return Attachment.model_validate(idempotent(state, terminal, key, op, body, attach))


@router.post("/applications/{application_id}/submit", tags=["applications"])
def submit_application(
    application_id: str, terminal: Terminal, key: IdempotencyKey, state: State,
    request: Request,
) -> ApplicationSubmitted:
    """Submit a draft for review; it gets a reference number residents can quote, what
    happens next and the address of its progress page (the receipt's QR code)."""

    def submit() -> ApplicationSubmitted:
        app = _application(state, application_id, terminal)
        if app.status != "draft":
            raise ApiError(409, "application_state", "application is already submitted")
        with state.engine.connect() as conn:
            form = json.loads(conn.execute(sa.select(db.applications.c.form).where(
                db.applications.c.application_id == application_id)).scalar_one() or "{}")
        reference = f"SQ{state.now():%Y%m%d}{application_id[-6:].upper()}"
        with state.engine.begin() as conn:
            conn.execute(sa.update(db.applications).where(
                db.applications.c.application_id == application_id
            ).values(status="submitted", reference=reference,
                     updated_at=state.now().isoformat()))
        materials.keep_submitted(state, application_id)
        return ApplicationSubmitted(
            application_id=application_id, status="submitted", reference=reference,
            next_steps=next_steps(app.kind, form),
            progress_url=progress_url(request, reference),
        )

    op = f"application.submit:{application_id}"
    return ApplicationSubmitted.model_validate(idempotent(state, terminal, key, op, None, submit))


@router.get("/applications/{application_id}", tags=["applications"])
def get_application(application_id: str, terminal: Terminal, state: State) -> Application:
    return _application(state, application_id, terminal)


@router.post("/certificates", tags=["certificates"])
def issue_certificate(
    body: CertificateRequest, terminal: Terminal, key: IdempotencyKey, state: State
) -> Certificate:
    """Issue a signed certificate (same key: the same certificate again, for a reprint)."""
    id_number = person_for_token(state, body.person_token)
    return Certificate.model_validate(idempotent(
        state, terminal, key, "certificate", body,
        lambda: certificates.issue(state, body, id_number, terminal),
    ))

"""Simulation API: plays the resident's phone and drives faults. NOT part of the contract.

Only the reference backend has these routes (they are left out of the served OpenAPI):
pay an order, confirm a QR login for a resident, set and clear faults.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend_client.models import PhoneFile
from backend_sim import db, materials
from backend_sim.http import ApiError, State, issue_person_token, not_found
from backend_sim.routes import materials as materials_routes
from kiosk_base.errors import UnknownFaultError

router = APIRouter(prefix="/sim", include_in_schema=False)


class QrConfirm(BaseModel):
    id_number: str = Field(min_length=9, max_length=18)


class FaultRequest(BaseModel):
    fault: str
    params: dict[str, Any] = Field(default_factory=dict)


@router.post("/payments/{order_id}/pay")
def pay(order_id: str, state: State) -> dict[str, str]:
    """The resident's phone pays the order (scanning its QR code)."""
    t = db.orders
    with state.lock, state.engine.begin() as conn:
        row = conn.execute(sa.select(t).where(t.c.order_id == order_id)).first()
        if row is None:
            raise not_found("payment order")
        if row.status != "unpaid":
            raise ApiError(409, "order_not_open", f"order is {row.status}")
        conn.execute(sa.update(t).where(t.c.order_id == order_id).values(
            status="paid", paid_at=state.now().isoformat()))
    return {"order_id": order_id, "status": "paid"}


@router.post("/qr-logins/{login_id}/confirm")
def confirm_login(login_id: str, body: QrConfirm, state: State) -> dict[str, str]:
    """The resident confirms a login code in the city's app."""
    t = db.qr_logins
    with state.lock, state.engine.begin() as conn:
        row = conn.execute(sa.select(t).where(t.c.login_id == login_id)).first()
        known = conn.execute(sa.select(db.residents.c.id_number).where(
            db.residents.c.id_number == body.id_number)).first()
    if row is None or known is None:
        raise not_found("QR login or resident")
    token, _ = issue_person_token(state, body.id_number, row.terminal_id)
    with state.engine.begin() as conn:
        conn.execute(sa.update(t).where(t.c.login_id == login_id).values(
            status="confirmed", id_number=body.id_number, person_token=token))
    return {"login_id": login_id, "status": "confirmed"}


@router.post("/uploads/{upload_id}")
def phone_upload(upload_id: str, body: PhoneFile, state: State) -> dict[str, Any]:
    """The resident's phone sends a file (a photo or a PDF) to an open upload slot."""
    answer = materials_routes.upload_answer(state, upload_id, None)
    if answer.status != "waiting":
        raise ApiError(409, "upload_closed", f"upload is {answer.status}")
    try:
        pages = materials.phone_pages(body.content_type, base64.b64decode(body.data_base64))
        values: dict[str, Any] = {"status": "received", "pages": json.dumps(
            [base64.b64encode(p).decode() for p in pages])}
    except ApiError as exc:
        values = {"status": "rejected", "reason": exc.code}
    with state.engine.begin() as conn:
        conn.execute(sa.update(db.phone_uploads).where(
            db.phone_uploads.c.upload_id == upload_id).values(**values))
    return {"upload_id": upload_id, "status": values["status"]}


@router.get("/faults")
def list_faults(state: State) -> dict[str, Any]:
    return {"supported": state.faults.faults(), "active": state.faults.active_faults()}


@router.post("/faults")
def inject_fault(body: FaultRequest, state: State) -> dict[str, Any]:
    try:
        state.faults.inject(body.fault, **body.params)
    except UnknownFaultError as exc:
        raise ApiError(422, "validation_error", str(exc)) from None
    return {"active": state.faults.active_faults()}


@router.delete("/faults")
def clear_faults(state: State, fault: str | None = None) -> dict[str, Any]:
    state.faults.clear(fault)
    return {"active": state.faults.active_faults()}

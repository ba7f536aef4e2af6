"""After a service: 好差评 ratings, and the public progress page of an application.

``POST /v1/ratings`` stores one rating (signed, idempotent) with the service and the
reference rated, nothing personal. ``GET /v1/progress/{reference}`` is what the QR code on
an application receipt opens on the resident's phone: a small page (or JSON, by the
Accept header) with the status and what happens next. It needs no signature and shows
no personal data: only the reference, the service and the status.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from backend_client.models import ApplicationProgress, RatingAccepted, RatingCreate
from backend_sim import db
from backend_sim.catalog import build_catalog
from backend_sim.http import (
    ERROR_RESPONSES,
    IdempotencyKey,
    State,
    Terminal,
    idempotent,
    new_id,
    not_found,
)
from backend_sim.state import BackendState

router = APIRouter(responses=ERROR_RESPONSES)
public = APIRouter(responses=ERROR_RESPONSES)
_CATALOG = build_catalog()
_SERVICES = {s.id: s for s in _CATALOG.services}

#: What happens after submission, by application kind and delivery method.
_NEXT: dict[str, dict[str, str]] = {
    "elderly_card": {
        "zh": "审核约需5个工作日，审核通过后制卡。",
        "en": "Review takes about 5 working days; the card is made once approved.",
    },
    "subsidy": {
        "zh": "街道将在15个工作日内审核并入户核查，结果以短信通知。",
        "en": "The sub-district reviews it within 15 working days, visits your household "
              "and tells you the result by text message.",
    },
}
_DEFAULT_NEXT = {"zh": "工作人员将尽快审核，结果以短信通知。",
                 "en": "Staff will review it soon and tell you the result by text message."}
_DELIVERY = {
    "pickup": {"zh": "办结后请凭本回执到政务服务中心窗口领取。",
               "en": "When it is ready, pick it up at a service centre window with this "
                     "receipt."},
    "mail": {"zh": "办结后将邮寄到您填写的地址。",
             "en": "When it is ready, it is mailed to the address you gave."},
}


def next_steps(kind: str, form: dict[str, str]) -> dict[str, str]:
    """What the resident is told happens next (both languages)."""
    base = _NEXT.get(kind, _DEFAULT_NEXT)
    extra = _DELIVERY.get(form.get("delivery_method", ""), {})
    return {lang: " ".join(t for t in (base[lang], extra.get(lang, "")) if t)
            for lang in ("zh", "en")}


def progress_url(request: Request, reference: str) -> str:
    return str(request.url_for("progress", reference=reference))


@router.post("/ratings", tags=["ratings"])
def rate(body: RatingCreate, terminal: Terminal, key: IdempotencyKey,
         state: State) -> RatingAccepted:
    """Store one 好差评 rating (the same key: the same rating, stored once). Reasons
    belong to the lower levels (1-3): with a 4 or 5 they are not kept."""
    if body.service_id not in _SERVICES:
        raise not_found("service")
    reasons = list(dict.fromkeys(body.reasons)) if body.level <= 3 else []

    def store() -> RatingAccepted:
        rating_id = new_id("rat")
        with state.engine.begin() as conn:
            conn.execute(sa.insert(db.ratings).values(
                rating_id=rating_id, terminal_id=terminal, service_id=body.service_id,
                level=body.level, reasons=json.dumps(reasons),
                reference=body.reference, created_at=state.now().isoformat()))
        return RatingAccepted(rating_id=rating_id, level=body.level)

    return RatingAccepted.model_validate(idempotent(state, terminal, key, "rating", body, store))


def _progress(state: BackendState, reference: str) -> ApplicationProgress:
    t = db.applications
    with state.engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.reference == reference)).first()
    if row is None:
        raise not_found("application")
    return ApplicationProgress(
        reference=reference, service_id=row.service_id, status=row.status,
        updated_at=datetime.fromisoformat(row.updated_at),
        next_steps=next_steps(row.kind, json.loads(row.form or "{}")))


_STATUS = {"draft": "草稿 Draft", "submitted": "已受理 Received", "in_review": "审核中 In review",
           "approved": "已批准 Approved", "rejected": "未通过 Rejected",
           "completed": "已办结 Completed"}


@public.get("/progress/{reference}", tags=["ratings"], response_model=ApplicationProgress)
def progress(reference: str, request: Request, state: State) -> Any:
    """An application's progress for the resident's phone (the receipt's QR code)."""
    if not reference.isalnum() or len(reference) > 32:
        raise not_found("application")
    info = _progress(state, reference)
    if "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(info.model_dump(mode="json"))
    service = _SERVICES.get(info.service_id)
    title = f"{service.title.zh} {service.title.en}" if service else info.service_id
    body = (f"<!doctype html><meta charset=utf-8><meta name=viewport "
            f"content='width=device-width'><title>办件进度 Progress</title>"
            f"<h1>办件进度 Application progress</h1><p>{html.escape(title)}</p>"
            f"<p>受理编号 Reference: <b>{html.escape(reference)}</b></p>"
            f"<p>状态 Status: <b>{html.escape(_STATUS.get(info.status, info.status))}</b></p>"
            f"<p>{html.escape(info.next_steps['zh'])}</p>"
            f"<p>{html.escape(info.next_steps['en'])}</p>")
    return HTMLResponse(body)

"""Certificates of the reference backend: content per template, number, seal, signature.

The signature is Ed25519 over the canonical JSON of the certificate without
"signature" (sorted keys, compact separators, UTF-8): the shared spec printers/ and a
verification service rely on.
"""

from __future__ import annotations

import base64
import functools
import io
import json
import math
import secrets
from typing import Any

import sqlalchemy as sa
from PIL import Image, ImageDraw

from backend_client.models import Certificate, CertificateRequest
from backend_sim import db
from backend_sim.http import ApiError, not_found
from backend_sim.routes.payments import use_order
from backend_sim.state import SIGNING_KEY_ID, BackendState

PREFIX = {"social_insurance_record": "SB", "household_registration": "HJ",
          "elderly_card": "LN", "payment_voucher": "JF", "real_estate_record": "BDC"}
#: Certificates with a fee (fen): issued only against a paid order of that amount, which
#: the issue uses up (``used_by`` "certificate:<number>"), so a paid order pays once and
#: an order the certificate never came out of can still be refunded.
FEES = {"real_estate_record": 500}
TITLES = {
    "social_insurance_record": (
        "社会保险参保缴费证明", "Social Insurance Contribution Certificate"
    ),
    "household_registration": ("户籍证明", "Household Registration Certificate"),
    "elderly_card": ("老年人优待证明", "Elderly Preferential Treatment Certificate"),
    "payment_voucher": ("缴费凭证", "Payment Voucher"),
    "real_estate_record": ("不动产登记信息查询结果证明", "Real Estate Registration Record"),
}
ISSUERS = {
    "social_insurance_record": ("北京市社会保险事业管理中心", "Beijing Social Insurance Centre"),
    "household_registration": ("北京市公安局东城分局", "Dongcheng Public Security Bureau"),
    "elderly_card": ("北京市东城区民政局", "Dongcheng Civil Affairs Bureau"),
    "payment_voucher": ("市政务服务中心", "City Government Service Centre"),
    "real_estate_record": ("北京市东城区不动产登记中心",
                           "Dongcheng Real Estate Registration Centre"),
}


def canonical_bytes(document: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@functools.cache
def seal_png_base64() -> str:
    """A plain red seal (ring and star); reference data, not any authority's real seal."""
    size = 240
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    red = (200, 16, 32, 255)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=10)
    c, r_out, r_in = size / 2, 48, 19
    points = []
    for i in range(10):
        r = r_out if i % 2 == 0 else r_in
        a = -math.pi / 2 + i * math.pi / 5
        points.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(points, fill=red)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _content(
    state: BackendState, req: CertificateRequest, person: Any, terminal: str
) -> tuple[list[dict[str, str]], dict[str, Any] | None, list[str]]:
    zh = req.language == "zh"

    def f(label_zh: str, label_en: str, value: str) -> dict[str, str]:
        return {"label": label_zh if zh else label_en, "value": value}

    sex = person.sex if zh else {"男": "Male", "女": "Female"}[person.sex]
    if req.template == "social_insurance_record":
        t = db.insurance_months
        with state.engine.connect() as conn:
            months = conn.execute(
                sa.select(t).where(t.c.id_number == person.id_number).order_by(t.c.month)
            ).all()
        if not months:
            raise ApiError(409, "not_eligible", "no social insurance records")
        total = sum(m.personal_fen for m in months)
        fields = [f("参保起始", "Insured since", months[0].month),
                  f("缴费月数", "Months contributed", str(len(months))),
                  f("个人累计缴费（元）", "Personal contributions (CNY)", _yuan(total))]
        table = {
            "columns": ["月份", "缴费基数", "个人缴费", "单位缴费"] if zh
            else ["Month", "Base", "Personal", "Employer"],
            "rows": [[m.month, _yuan(m.base_fen), _yuan(m.personal_fen), _yuan(m.employer_fen)]
                     for m in months],
        }
        notes = ["本证明仅证明参保人在本市的缴费记录。"] if zh else [
            "This certificate covers contributions made in this city only."]
        return fields, table, notes
    if req.template == "household_registration":
        if not person.hukou:
            raise ApiError(409, "not_eligible", "no household registration in this city")
        return ([f("性别", "Sex", sex), f("出生日期", "Date of birth", person.birth_date),
                 f("户籍地", "Registered at", person.hukou)], None,
                ["本证明自开具之日起三个月内有效。" if zh else "Valid for three months."])
    if req.template == "elderly_card":
        age = state.now().year - int(person.birth_date[:4])
        if age < 60:
            raise ApiError(409, "not_eligible", "the elderly card starts at age 60")
        return ([f("性别", "Sex", sex), f("出生日期", "Date of birth", person.birth_date),
                 f("年龄", "Age", str(age))], None,
                ["凭此证明享受本市老年人优待。" if zh
                 else "Entitles the holder to senior benefits."])
    if req.template == "real_estate_record":
        # Reference data: the seeded people own no real estate in the city.
        return ([f("性别", "Sex", sex), f("出生日期", "Date of birth", person.birth_date),
                 f("查询范围", "Searched", "北京市" if zh else "Beijing"),
                 f("查询结果", "Result", "未查询到登记在本人名下的不动产" if zh
                   else "No real estate is registered in your name")], None,
                ["本证明仅反映查询时点的登记信息。" if zh
                 else "Shows the register at the time of the search only."])
    if req.payment_order_id is None:
        raise ApiError(422, "validation_error", "payment_voucher needs payment_order_id")
    with state.engine.connect() as conn:
        order = conn.execute(sa.select(db.orders).where(
            db.orders.c.order_id == req.payment_order_id)).first()
        # An order paid here, or one that paid a bill of this person (at any terminal).
        own_bill = order is not None and order.bill_id is not None and conn.execute(
            sa.select(db.bills.c.bill_id).join(
                db.utility_accounts,
                db.utility_accounts.c.account_id == db.bills.c.account_id,
            ).where(db.bills.c.bill_id == order.bill_id,
                    db.utility_accounts.c.id_number == person.id_number)).first() is not None
    if order is None or not (order.terminal_id == terminal or own_bill):
        raise not_found("payment order")
    if order.status != "paid":
        raise ApiError(409, "order_not_paid", "the order is not paid")
    return ([f("订单号", "Order", order.order_id), f("用途", "For", order.description),
             f("金额（元）", "Amount (CNY)", _yuan(order.amount_fen)),
             f("支付时间", "Paid at", order.paid_at or "")], None, [])


def issue(
    state: BackendState, req: CertificateRequest, id_number: str, terminal: str
) -> Certificate:
    with state.engine.connect() as conn:
        person = conn.execute(
            sa.select(db.residents).where(db.residents.c.id_number == id_number)
        ).one()
    fee = FEES.get(req.template, 0)
    if fee and req.payment_order_id is None:
        raise ApiError(409, "order_not_paid", "this certificate has a fee: pay it first")
    fields, table, notes = _content(state, req, person, terminal)
    lang = 0 if req.language == "zh" else 1
    with state.lock:
        with state.engine.connect() as conn:
            count = conn.execute(
                sa.select(sa.func.count()).select_from(db.certificates)).scalar_one()
        number = f"{PREFIX[req.template]}-{state.now().year}-{count + 1:08d}"
        if fee:
            assert req.payment_order_id is not None
            use_order(state, req.payment_order_id, terminal, "service_fee", fee,
                      f"certificate:{number}")
        doc: dict[str, Any] = {
            "number": number, "template": req.template, "language": req.language,
            "title": TITLES[req.template][lang], "issuer": ISSUERS[req.template][lang],
            "issued_at": state.now().isoformat(),
            "holder": {"name": person.name, "id_number": person.id_number},
            "fields": fields, "table": table, "notes": notes,
            "verification_url": f"{state.verify_base}/{number}?k={secrets.token_urlsafe(8)}",
            "seal_png_base64": seal_png_base64(), "signing_key_id": SIGNING_KEY_ID,
        }
        doc["signature"] = state.sign(canonical_bytes(doc))
        with state.engine.begin() as conn:
            conn.execute(sa.insert(db.certificates).values(
                number=number, id_number=id_number, template=req.template,
                document=json.dumps(doc, ensure_ascii=False),
            ))
    return Certificate.model_validate(doc)

"""Fictional residents and their records (the people the card simulators carry).

Everyone here is invented; the ID numbers have valid GB 11643 check characters so the
card simulators and the kiosk's validation accept them. Seeding runs once, into an
empty database.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont
from sqlalchemy.engine import Connection, Engine

from backend_sim import db

CST = timezone(timedelta(hours=8))

RESIDENTS: tuple[dict[str, object], ...] = (
    {"profile": "zhang_wei", "document_type": "resident_id", "name": "张伟", "sex": "男",
     "birth_date": "1958-03-07", "id_number": "110101195803070230",
     "valid_from": "2016-03-07", "valid_until": None, "phone": "13800138000",
     "address": "北京市东城区景山前街4号", "hukou": "北京市东城区景山街道"},
    {"profile": "li_na_expired", "document_type": "resident_id", "name": "李娜", "sex": "女",
     "birth_date": "1985-06-12", "id_number": "310104198506120465",
     "valid_from": "2015-06-11", "valid_until": "2025-06-11", "phone": "13900139000",
     "address": "上海市徐汇区漕溪北路88号", "hukou": "上海市徐汇区漕河泾街道"},
    {"profile": "wang_fang", "document_type": "resident_id", "name": "王芳", "sex": "女",
     "birth_date": "1942-09-15", "id_number": "440305194209150287",
     "valid_from": "2012-09-15", "valid_until": None, "phone": "13700137000",
     "address": "广东省深圳市南山区科技园路1号", "card_number": "C44030500",
     "hukou": "广东省深圳市南山区粤海街道"},
    {"profile": "chen_jie_ss", "document_type": "resident_id", "name": "陈杰", "sex": "男",
     "birth_date": "1976-01-20", "id_number": "510107197601200318",
     "valid_from": None, "valid_until": None, "phone": "13600136000",
     "address": None, "card_number": "S51010700"},
    {"profile": "liu_yang_blocked", "document_type": "resident_id", "name": "刘洋",
     "sex": "男", "birth_date": "1990-04-02", "id_number": "330106199004020158",
     "valid_from": None, "valid_until": None, "phone": None, "address": None,
     "card_blocked": True},
    {"profile": "foreign_permanent", "document_type": "foreign_permanent",
     "name": "SMITH, JOHN", "sex": "男", "birth_date": "1965-08-12",
     "id_number": "USA650812010016", "valid_from": "2020-01-01",
     "valid_until": "2030-01-01", "phone": None, "address": None},
    {"profile": "hmt_permit", "document_type": "hmt_permit", "name": "林嘉欣", "sex": "女",
     "birth_date": "1988-07-05", "id_number": "81000019880705004X",
     "valid_from": "2022-07-05", "valid_until": "2027-07-05", "phone": None,
     "address": None, "card_number": "H60000001"},
)

#: The Chinese name on the foreign permanent residence card is also accepted.
ALIASES = {"约翰·史密斯": "USA650812010016"}


def _months(start: str, end: str) -> list[str]:
    y, m = map(int, start.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _insurance(conn: Connection) -> None:
    rows = []
    # 张伟: retired 2018-03 (60), so contributions run 2008-01 .. 2018-02 (122 months).
    for i, month in enumerate(_months("2008-01", "2018-02")):
        base = 450_000 + (i // 12) * 35_000
        rows.append({"id_number": "110101195803070230", "month": month, "base_fen": base,
                     "personal_fen": base * 8 // 100, "employer_fen": base * 16 // 100,
                     "employer": "北京市东城区市政工程公司"})
    for i, month in enumerate(_months("2019-01", "2025-12")):
        base = 800_000 + (i // 12) * 20_000
        rows.append({"id_number": "510107197601200318", "month": month, "base_fen": base,
                     "personal_fen": base * 8 // 100, "employer_fen": base * 16 // 100,
                     "employer": "成都市青羊区图书馆"})
    conn.execute(sa.insert(db.insurance_months), rows)


def _utilities(conn: Connection) -> None:
    accounts = [
        ("W-1101-0001", "110101195803070230", "water", "北京市东城区景山前街4号"),
        ("E-1101-0001", "110101195803070230", "electricity", "北京市东城区景山前街4号"),
        ("G-4403-0001", "440305194209150287", "gas", "广东省深圳市南山区科技园路1号"),
        ("W-4403-0001", "440305194209150287", "water", "广东省深圳市南山区科技园路1号"),
    ]
    conn.execute(sa.insert(db.utility_accounts), [
        {"account_id": a, "id_number": p, "utility": u, "address": addr}
        for a, p, u, addr in accounts
    ])
    bills = [
        ("bill-w-2026-09", "W-1101-0001", "2026-09", 4_650, "paid"),
        ("bill-w-2026-10", "W-1101-0001", "2026-10", 5_120, "unpaid"),
        ("bill-e-2026-10", "E-1101-0001", "2026-10", 18_733, "unpaid"),
        ("bill-g-2026-09", "G-4403-0001", "2026-09", 6_850, "paid"),
        ("bill-g-2026-10", "G-4403-0001", "2026-10", 7_200, "unpaid"),
        # Less than 王芳's purse holds (the gas bill is more): pays from the purse.
        ("bill-w4403-2026-10", "W-4403-0001", "2026-10", 2_350, "unpaid"),
    ]
    #: The paid bills were paid at a counter; their vouchers can be printed at any kiosk
    #: (one for an ID-card holder, one for a citizen-card holder).
    paid_orders = {"bill-w-2026-09": "ord-seed-w-2026-09",
                   "bill-g-2026-09": "ord-seed-g-2026-09"}
    amounts = {b: amt for b, _, _, amt, _ in bills}
    names = {"bill-w-2026-09": "水费 2026-09", "bill-g-2026-09": "燃气费 2026-09"}
    conn.execute(sa.insert(db.bills), [
        {"bill_id": b, "account_id": a, "period": p, "amount_fen": amt, "status": st,
         "due_date": f"{p}-28", "paid_order": paid_orders.get(b)}
        for b, a, p, amt, st in bills
    ])
    conn.execute(sa.insert(db.orders), [{
        "order_id": order, "terminal_id": "COUNTER-0001", "amount_fen": amounts[bill],
        "description": names[bill], "service_id": "utility_bill_payment", "purpose": "bill",
        "bill_id": bill, "status": "paid", "refunded_fen": 0, "used_by": f"bill:{bill}",
        "pay_token": "seed", "created_at": "2026-09-20T10:00:00+08:00",
        "expires_at": "2026-09-20T10:15:00+08:00", "paid_at": "2026-09-20T10:01:00+08:00",
    } for bill, order in paid_orders.items()])


def _applications(conn: Connection) -> None:
    now = datetime(2026, 10, 1, 9, 0, tzinfo=CST)
    apps = [
        ("app-seed-0001", "110101195803070230", "subsidy_documents", "subsidy", "in_review",
         "材料审核中 / documents under review"),
        ("app-seed-0002", "110101195803070230", "elderly_card", "elderly_card", "completed",
         "已制卡 / card issued"),
        ("app-seed-0003", "440305194209150287", "subsidy_documents", "subsidy", "rejected",
         "材料不全 / documents incomplete"),
        ("app-seed-0004", "510107197601200318", "subsidy_documents", "subsidy", "approved",
         "已批准 / approved"),
    ]
    conn.execute(sa.insert(db.applications), [
        {"application_id": a, "id_number": p, "terminal_id": None, "service_id": s,
         "kind": k, "status": st, "form": json.dumps({}), "reference": f"REF-{a[-4:]}",
         "note": note, "created_at": (now - timedelta(days=30)).isoformat(),
         "updated_at": now.isoformat()}
        for a, p, s, k, st, note in apps
    ])


def _sample_page(title: str, lines: tuple[str, ...]) -> bytes:
    """A plain A4 page image (JPEG) standing in for a scanned paper."""
    page = PilImage.new("L", (827, 1169), 250)
    draw = ImageDraw.Draw(page)
    font = None
    for candidate in ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                      "/usr/share/fonts/truetype/arphic/uming.ttc"):
        if Path(candidate).exists():
            font = ImageFont.truetype(candidate, 34)
            break
    draw.rectangle((40, 40, 787, 1129), outline=40, width=4)
    draw.text((413, 110), title, fill=20, font=font, anchor="mm")
    for i, line in enumerate(lines):
        draw.text((90, 220 + i * 70), line, fill=30, font=font)
    buf = io.BytesIO()
    page.save(buf, "PDF", resolution=70.7)
    return buf.getvalue()


def _stored_materials(conn: Connection) -> None:
    """张伟 submitted his household book on 2026-11-20: the library offers it again."""
    from backend_sim import materials  # imports http, which imports this module

    pdf = _sample_page("居民户口簿 Household register", (
        "户主姓名：张伟", "住址：北京市东城区景山街道", "（示例材料 sample）"))
    conn.execute(sa.insert(db.materials).values(
        material_id="mat-seed-0001", id_number="110101195803070230",
        material_type="hukou_book", application_id="app-seed-0001",
        submitted_on="2026-11-20", pages=materials.pdf_pages(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(), data=pdf, preview=materials.preview(pdf)))


def _slots(conn: Connection, today: date) -> None:
    rows = []
    offices = ("东城区政务服务中心 Dongcheng Service Centre",
               "南山区政务服务中心 Nanshan Service Centre")
    for day in range(1, 8):
        for hour in (9, 10, 14, 15):
            starts = datetime.combine(today + timedelta(days=day), datetime.min.time(),
                                      CST).replace(hour=hour)
            rows.append({
                "slot_id": f"slot-{starts:%Y%m%d%H}-{day % 2}",
                "service_id": "appointment_booking",
                "starts_at": starts.isoformat(),
                "office": offices[day % 2],
                "capacity": 1 if hour == 15 else 3,
                "booked": 0,
            })
    conn.execute(sa.insert(db.slots), rows)


def seed(engine: Engine, today: date | None = None) -> bool:
    """Fill an empty database; returns False when it already held residents."""
    with engine.begin() as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(db.residents)).scalar():
            return False
        conn.execute(sa.insert(db.residents), [
            {"phone": None, "address": None, "valid_from": None, "valid_until": None,
             "card_number": None, "card_blocked": False, "hukou": None, **r}
            for r in RESIDENTS
        ])
        _insurance(conn)
        _utilities(conn)
        _applications(conn)
        _stored_materials(conn)
        _slots(conn, today or datetime.now(CST).date())
    return True

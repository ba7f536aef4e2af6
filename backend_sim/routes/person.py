"""Person-scoped queries and appointments."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query

from backend_client.models import (
    Applications,
    ApplicationSummary,
    Appointment,
    AppointmentRequest,
    AppointmentSlot,
    AppointmentSlots,
    Bill,
    Eligibility,
    InsuranceMonth,
    InsuranceRecords,
    UtilityAccount,
    UtilityAccounts,
)
from backend_sim import db
from backend_sim.http import (
    ERROR_RESPONSES,
    ApiError,
    IdempotencyKey,
    PersonToken,
    State,
    Terminal,
    idempotent,
    new_id,
    not_found,
    person_for_token,
)

router = APIRouter(responses=ERROR_RESPONSES, tags=["person"])


@router.get("/person/insurance-records")
def insurance_records(terminal: Terminal, person: PersonToken, state: State) -> InsuranceRecords:
    """Monthly social-insurance contributions, oldest first."""
    id_number = person_for_token(state, person)
    t = db.insurance_months
    with state.engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.id_number == id_number).order_by(t.c.month))
        months = tuple(
            InsuranceMonth(month=r.month, base_fen=r.base_fen, personal_fen=r.personal_fen,
                           employer_fen=r.employer_fen, employer=r.employer)
            for r in rows
        )
    if not months:
        return InsuranceRecords(status="none")
    last = months[-1].month
    active = last >= f"{state.now().year - 1}-01"
    return InsuranceRecords(
        status="active" if active else "suspended",
        insured_since=date.fromisoformat(months[0].month + "-01"),
        months=months,
    )


#: service id -> what it requires of the person: "hukou" (a household registration in
#: this city), "insured" (social-insurance months on record), "age_60".
REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "household_certificate": ("hukou",),
    "social_insurance_certificate": ("insured",),
    "elderly_card": ("age_60",),
    "citizen_card_topup": ("purse",),
}

_REFUSALS: dict[str, tuple[str, dict[str, str]]] = {
    "hukou": ("no_household_registration", {
        "zh": "系统中没有您在本市的户籍登记，不能办理户籍类业务。"
              "持外国人永久居留身份证或港澳台居民居住证的，请到服务窗口咨询。",
        "en": "There is no household registration in this city for you, so household "
              "services are not available. Holders of a foreign permanent residence card or "
              "a Hong Kong, Macao or Taiwan residence permit please ask at a service counter.",
    }),
    "insured": ("no_insurance_records", {
        "zh": "系统中没有您在本市的社会保险缴费记录，无法开具缴费证明。",
        "en": "There are no social insurance contributions in this city on record for you.",
    }),
    "purse": ("no_purse", {
        "zh": "您的卡是社会保障卡，没有电子钱包，不能充值。如需充值请办理带电子钱包的市民卡。",
        "en": "Your card is a social security card without an electronic purse, so it "
              "cannot be topped up. A citizen card with a purse can be issued at a counter.",
    }),
    "age_60": ("under_60", {
        "zh": "老年人优待卡需年满60周岁方可申领。",
        "en": "The elderly card is for residents aged 60 or over.",
    }),
}


@router.get("/person/eligibility")
def eligibility(terminal: Terminal, person: PersonToken, state: State,
                service_id: Annotated[str, Query(max_length=64)]) -> Eligibility:
    """Whether the person may use a service, asked before its first step (no face check
    or form is wasted on a service the register already refuses)."""
    id_number = person_for_token(state, person)
    with state.engine.connect() as conn:
        row = conn.execute(
            sa.select(db.residents).where(db.residents.c.id_number == id_number)).one()
        insured = conn.execute(sa.select(sa.func.count()).select_from(db.insurance_months).where(
            db.insurance_months.c.id_number == id_number)).scalar_one() > 0
    today = state.now().date()
    born = date.fromisoformat(row.birth_date)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    # Citizen cards (C...) carry a PBOC purse; social-security-only cards (S...) do not.
    purse = bool(row.card_number) and str(row.card_number).startswith("C")
    met = {"hukou": bool(row.hukou), "insured": insured, "age_60": age >= 60, "purse": purse}
    for requirement in REQUIREMENTS.get(service_id, ()):
        if not met[requirement]:
            reason, message = _REFUSALS[requirement]
            return Eligibility(service_id=service_id, eligible=False, reason=reason,
                               message=message)
    return Eligibility(service_id=service_id, eligible=True)


def bill_model(r: Any, utility: str) -> Bill:
    return Bill(bill_id=r.bill_id, account_id=r.account_id, utility=utility, period=r.period,
                amount_fen=r.amount_fen, status=r.status, due_date=date.fromisoformat(r.due_date),
                paid_order=r.paid_order)


@router.get("/person/utility-accounts")
def utility_accounts(terminal: Terminal, person: PersonToken, state: State) -> UtilityAccounts:
    """Water, electricity and gas accounts with their bills."""
    id_number = person_for_token(state, person)
    a, b = db.utility_accounts, db.bills
    with state.engine.connect() as conn:
        accounts = conn.execute(
            sa.select(a).where(a.c.id_number == id_number).order_by(a.c.account_id)
        ).all()
        out = []
        for acc in accounts:
            bills = conn.execute(
                sa.select(b).where(b.c.account_id == acc.account_id).order_by(b.c.period)
            ).all()
            out.append(UtilityAccount(
                account_id=acc.account_id, utility=acc.utility, address=acc.address,
                bills=tuple(bill_model(r, acc.utility) for r in bills),
            ))
    return UtilityAccounts(accounts=tuple(out))


@router.get("/person/applications")
def applications(terminal: Terminal, person: PersonToken, state: State) -> Applications:
    """The person's applications and their states, newest first."""
    id_number = person_for_token(state, person)
    t, att = db.applications, db.attachments
    with state.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t).where(t.c.id_number == id_number).order_by(t.c.created_at.desc())
        ).all()
        out = []
        for r in rows:
            count = conn.execute(sa.select(sa.func.count()).select_from(att).where(
                att.c.application_id == r.application_id
            )).scalar_one()
            out.append(ApplicationSummary(
                application_id=r.application_id, kind=r.kind, service_id=r.service_id,
                status=r.status, created_at=datetime.fromisoformat(r.created_at),
                updated_at=datetime.fromisoformat(r.updated_at), attachments=count, note=r.note,
            ))
    return Applications(applications=tuple(out))


def _slot(r: Any) -> AppointmentSlot:
    return AppointmentSlot(
        slot_id=r.slot_id, service_id=r.service_id,
        starts_at=datetime.fromisoformat(r.starts_at), office=r.office,
        remaining=max(0, r.capacity - r.booked),
    )


@router.get("/appointments/slots")
def appointment_slots(
    terminal: Terminal, state: State,
    service_id: Annotated[str, Query(max_length=40)] = "appointment_booking",
) -> AppointmentSlots:
    """Future slots of a service that still have room."""
    t = db.slots
    with state.engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(
            t.c.service_id == service_id, t.c.booked < t.c.capacity,
            t.c.starts_at > state.now().isoformat(),
        ).order_by(t.c.starts_at)).all()
    return AppointmentSlots(slots=tuple(_slot(r) for r in rows))


@router.post("/appointments")
def book_appointment(
    body: AppointmentRequest, terminal: Terminal, key: IdempotencyKey, state: State
) -> Appointment:
    """Book a slot (idempotent: a repeated key returns the same appointment)."""
    id_number = person_for_token(state, body.person_token)

    def book() -> Appointment:
        t = db.slots
        with state.engine.begin() as conn:
            row = conn.execute(sa.select(t).where(t.c.slot_id == body.slot_id)).first()
            if row is None:
                raise not_found("slot")
            if row.booked >= row.capacity:
                raise ApiError(409, "slot_full", "the slot is fully booked")
            conn.execute(sa.update(t).where(t.c.slot_id == body.slot_id).values(
                booked=row.booked + 1
            ))
            appointment_id = new_id("apt")
            code = f"{secrets.randbelow(10**6):06d}"
            conn.execute(sa.insert(db.appointments).values(
                appointment_id=appointment_id, slot_id=body.slot_id, id_number=id_number,
                confirmation_code=code,
            ))
            updated = conn.execute(sa.select(t).where(t.c.slot_id == body.slot_id)).one()
        return Appointment(appointment_id=appointment_id, slot=_slot(updated),
                           confirmation_code=code)

    return Appointment.model_validate(idempotent(state, terminal, key, "appointment", body, book))

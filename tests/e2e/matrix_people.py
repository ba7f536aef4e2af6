"""Who may use which service: the seeded fictional people, read from the reference backend.

The people are the card profiles (card/profiles) that the reference backend seeds; what
each is eligible for is read from a freshly seeded backend database (insurance months,
household registration, unpaid and paid bills, age, a purse on the card), keyed by the catalog's
own vocabulary (submit action and kind, a choice field's ``options_from``), so a new
service made of known steps needs no entry here. An action or kind this module does not
know fails the matrix's own test (test_every_submit_action_is_understood).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache

import sqlalchemy as sa

from backend_client.service_definition import FormStep, ServiceDefinition, SubmitStep
from backend_sim import db
from backend_sim.seed import seed
from card.profiles import CardProfile, load_profile, profile_names

CST = timezone(timedelta(hours=8))

#: Certificate kinds / application kinds whose eligibility depends on the person.
KNOWN_CERTIFICATES = frozenset({"social_insurance_record", "household_registration",
                                "payment_voucher",
                                "real_estate_record"})  # anyone: "no records" is a result
KNOWN_APPLICATIONS = frozenset({"elderly_card", "subsidy"})


@dataclass(frozen=True)
class Resident:
    profile: str
    id_number: str
    birth_date: date
    hukou: bool
    insured: bool
    unpaid_bills: int
    #: Bills paid (at a counter or a kiosk) whose voucher can be printed.
    paid_bills: int
    applications: int
    purse: bool
    id_card_valid: bool
    citizen_card_usable: bool

    def can_use(self, route: str) -> bool:
        if route == "id_card":
            return self.id_card_valid
        if route == "citizen_card":
            return self.citizen_card_usable
        return True  # qr_login: the city app knows every seeded resident

    def age(self, today: date) -> int:
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _id_number(profile: CardProfile) -> str:
    if profile.id_card is not None:
        return profile.id_card.id_number
    assert profile.citizen_card is not None
    return profile.citizen_card.ssn


@cache
def residents() -> tuple[Resident, ...]:
    """Every card profile the reference backend seeds, with the facts eligibility needs."""
    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    today = datetime.now(CST).date()
    seed(engine, today)
    out = []
    with engine.connect() as conn:
        for key in profile_names():
            profile = load_profile(key)
            number = _id_number(profile)
            row = conn.execute(sa.select(db.residents).where(
                db.residents.c.id_number == number)).first()
            if row is None:
                continue  # a card the backend does not know: not a resident of the matrix
            insured = conn.execute(sa.select(sa.func.count()).select_from(db.insurance_months)
                                   .where(db.insurance_months.c.id_number == number)).scalar()
            bills = conn.execute(
                sa.select(sa.func.count()).select_from(
                    db.bills.join(db.utility_accounts,
                                  db.bills.c.account_id == db.utility_accounts.c.account_id))
                .where(db.utility_accounts.c.id_number == number,
                       db.bills.c.status == "unpaid")).scalar()
            paid = conn.execute(
                sa.select(sa.func.count()).select_from(
                    db.bills.join(db.utility_accounts,
                                  db.bills.c.account_id == db.utility_accounts.c.account_id))
                .where(db.utility_accounts.c.id_number == number,
                       db.bills.c.status == "paid", db.bills.c.paid_order.is_not(None))).scalar()
            apps = conn.execute(sa.select(sa.func.count()).select_from(db.applications)
                                .where(db.applications.c.id_number == number)).scalar()
            card = profile.citizen_card
            out.append(Resident(
                profile=key, id_number=number,
                birth_date=date.fromisoformat(str(row.birth_date)),
                hukou=bool(row.hukou), insured=bool(insured), unpaid_bills=int(bills or 0),
                paid_bills=int(paid or 0),
                applications=int(apps or 0),
                purse=card is not None and card.purse is not None,
                id_card_valid=profile.id_card is not None and not profile.id_card.expired(today),
                citizen_card_usable=card is not None and not card.blocked,
            ))
    engine.dispose()
    return tuple(out)


def eligible(service: ServiceDefinition, person: Resident) -> bool:
    """Whether the reference backend lets ``person`` complete ``service``."""
    for step in service.steps:
        if isinstance(step, FormStep):
            for field in step.fields:
                if field.options_from == "bills" and not person.unpaid_bills:
                    return False
                if field.options_from == "paid_bills" and not person.paid_bills:
                    return False
    return eligible_ignoring_lists(service, person)


def eligible_ignoring_lists(service: ServiceDefinition, person: Resident) -> bool:
    """Eligibility by the backend's rules at submit, leaving out empty choice lists."""
    today = datetime.now(CST).date()
    for step in service.steps:
        if not isinstance(step, SubmitStep):
            continue
        if step.action == "card_topup" and not person.purse:
            return False
        if step.action == "certificate":
            if step.kind == "social_insurance_record" and not person.insured:
                return False
            if step.kind == "household_registration" and not person.hukou:
                return False
        if step.action == "application" and step.kind == "elderly_card" \
                and person.age(today) < 60:
            return False
    return True


def understood(step: SubmitStep) -> bool:
    """False for an action or kind the eligibility rules above have never seen."""
    if step.action == "certificate":
        return step.kind in KNOWN_CERTIFICATES
    if step.action == "application":
        return step.kind in KNOWN_APPLICATIONS
    return step.action in ("bill_payment", "card_topup", "appointment", "status_query")


def person_for(service: ServiceDefinition, route: str) -> Resident | None:
    """The first seeded person who can log in by ``route`` and is eligible for ``service``."""
    return next((r for r in residents() if r.can_use(route) and eligible(service, r)), None)


def ineligible_for(service: ServiceDefinition, route: str) -> Resident | None:
    """The first person who can log in by ``route`` but may not use ``service``."""
    return next((r for r in residents() if r.can_use(route) and not eligible(service, r)),
                None)

"""Person-scoped queries: social insurance, utility accounts and bills, applications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from backend_client.models.base import ApiModel, Fen, Token


class InsuranceMonth(ApiModel):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    base_fen: Fen
    personal_fen: Fen
    employer_fen: Fen
    employer: str


class InsuranceRecords(ApiModel):
    status: Literal["active", "suspended", "none"]
    insured_since: date | None = None
    months: tuple[InsuranceMonth, ...] = ()


class Bill(ApiModel):
    bill_id: Token
    account_id: str
    utility: Literal["water", "electricity", "gas"]
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    amount_fen: Fen
    status: Literal["unpaid", "paid"]
    due_date: date
    #: The payment order that paid the bill (its voucher is printed from it).
    paid_order: str | None = Field(default=None, max_length=128)


class UtilityAccount(ApiModel):
    account_id: str
    utility: Literal["water", "electricity", "gas"]
    address: str
    bills: tuple[Bill, ...] = ()


class UtilityAccounts(ApiModel):
    accounts: tuple[UtilityAccount, ...] = ()


ApplicationState = Literal["draft", "submitted", "in_review", "approved", "rejected", "completed"]


class ApplicationSummary(ApiModel):
    application_id: Token
    kind: str
    service_id: str
    status: ApplicationState
    created_at: datetime
    updated_at: datetime
    attachments: int = Field(0, ge=0)
    note: str = ""


class Applications(ApiModel):
    applications: tuple[ApplicationSummary, ...] = ()


class AppointmentSlot(ApiModel):
    slot_id: Token
    service_id: str
    starts_at: datetime
    office: str
    remaining: int = Field(ge=0)


class AppointmentSlots(ApiModel):
    slots: tuple[AppointmentSlot, ...] = ()


class AppointmentRequest(ApiModel):
    person_token: Token
    slot_id: Token


class Appointment(ApiModel):
    appointment_id: Token
    slot: AppointmentSlot
    confirmation_code: str


class Eligibility(ApiModel):
    """Whether the identified person may use a service, asked before its first step."""

    service_id: str = Field(max_length=64)
    eligible: bool
    #: Why not, as a code ("no_household_registration", "under_60"...); "" when eligible.
    reason: str = Field(default="", max_length=64)
    #: The explanation for the resident, by language ("zh", "en").
    message: dict[str, str] = Field(default_factory=dict, max_length=4)

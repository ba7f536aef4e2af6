"""Applications (create, attach, submit) and certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from backend_client.models.base import ApiModel, Base64, Token
from backend_client.models.person import ApplicationState

#: Largest attachment the backend accepts, decoded.
MAX_ATTACHMENT_BYTES = 4_000_000


class ApplicationCreate(ApiModel):
    person_token: Token
    service_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    form: dict[str, str] = Field(default_factory=dict)
    payment_order_id: Token | None = None


class Application(ApiModel):
    application_id: Token
    service_id: str
    kind: str
    status: ApplicationState
    created_at: datetime
    attachments: tuple[str, ...] = ()


class AttachmentUpload(ApiModel):
    """One scanned page or photo. ``document_id`` names the DocumentSpec or photo purpose."""

    document_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    page: int = Field(1, ge=1, le=50)
    content_type: Literal["image/jpeg", "image/png", "application/pdf"]
    data_base64: Base64 = Field(min_length=4, max_length=MAX_ATTACHMENT_BYTES * 4 // 3 + 4)


class Attachment(ApiModel):
    attachment_id: Token
    document_id: str
    page: int
    size: int
    sha256: str


class ApplicationSubmitted(ApiModel):
    application_id: Token
    status: ApplicationState
    reference: str
    #: What happens next, by language ("zh", "en"): printed on the receipt (回执).
    next_steps: dict[str, str] = Field(default_factory=dict)
    #: Where the resident follows the application (a page for a phone; a QR code).
    progress_url: str | None = Field(None, max_length=300)


RatingLevel = Literal[1, 2, 3, 4, 5]
RatingReason = Literal["slow", "hard_to_use", "device_problem", "unclear_guidance",
                       "not_solved", "staff_help"]


class RatingCreate(ApiModel):
    """One 好差评 rating: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.

    No personal data: ``reference`` is the application number, payment order or
    certificate number the rating is about (the platform links it to the person).
    """

    service_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    level: RatingLevel
    #: Why, at the lower levels (1-3); the backend ignores them with a 4 or 5.
    reasons: tuple[RatingReason, ...] = Field((), max_length=6)
    reference: str = Field("", max_length=64)


class RatingAccepted(ApiModel):
    rating_id: Token
    level: RatingLevel


class ApplicationProgress(ApiModel):
    """The public progress page's data: no personal data, only the status."""

    reference: str
    service_id: str
    status: ApplicationState
    updated_at: datetime
    next_steps: dict[str, str] = Field(default_factory=dict)


CertificateTemplate = Literal[
    "social_insurance_record", "household_registration", "elderly_card", "payment_voucher",
    "real_estate_record"
]


class CertificateRequest(ApiModel):
    person_token: Token
    template: CertificateTemplate
    language: Literal["zh", "en"] = "zh"
    #: payment_voucher: the paid order it proves; a certificate with a fee (real_estate_record):
    #: the paid order that pays the fee (used up by the issue).
    payment_order_id: Token | None = None


class CertificateHolder(ApiModel):
    name: str
    id_number: str


class CertificateField(ApiModel):
    label: str
    value: str


class CertificateTable(ApiModel):
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Certificate(ApiModel):
    """The shared certificate JSON (printers/ renders it). See :func:`canonical_bytes`."""

    number: str
    template: CertificateTemplate
    language: Literal["zh", "en"]
    title: str
    issuer: str
    issued_at: str
    holder: CertificateHolder
    fields: tuple[CertificateField, ...]
    table: CertificateTable | None
    notes: tuple[str, ...]
    verification_url: str
    seal_png_base64: str | None
    signing_key_id: str
    signature: str

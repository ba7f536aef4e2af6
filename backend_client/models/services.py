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

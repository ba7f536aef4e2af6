"""Applications (create, attach, submit) and certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

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


def _one_of_sources(schema: dict[str, Any]) -> None:
    """The contract says what the validator checks: exactly one of the file and the id."""
    props = schema.get("properties", {})
    for name in ("data_base64", "material_id"):
        branches = props.get(name, {}).pop("anyOf", None)
        if branches:
            props[name].update(next(b for b in branches if b.get("type") != "null"))
        props.get(name, {}).pop("default", None)
    schema["oneOf"] = [{"required": ["data_base64"]}, {"required": ["material_id"]}]


class AttachmentUpload(ApiModel):
    """A photo, or a document's one PDF, or a stored material reused from the library.

    ``document_id`` names the DocumentSpec or photo purpose. Exactly one of
    ``data_base64`` (the file) and ``material_id`` (a copy of the person's stored
    material of the same type, see ``GET /person/materials``) is given.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", json_schema_extra=_one_of_sources)

    document_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    page: int = Field(1, ge=1, le=50)
    content_type: Literal["image/jpeg", "image/png", "application/pdf"]
    data_base64: Base64 | None = Field(
        None, min_length=4, max_length=MAX_ATTACHMENT_BYTES * 4 // 3 + 4)
    material_id: Token | None = None

    @model_validator(mode="after")
    def _one_source(self) -> AttachmentUpload:
        if (self.data_base64 is None) == (self.material_id is None):
            raise ValueError("give exactly one of data_base64 and material_id")
        return self


class Attachment(ApiModel):
    attachment_id: Token
    document_id: str
    page: int
    size: int
    sha256: str
    content_type: str = "image/jpeg"
    #: Pages of a PDF attachment (1 for an image).
    pages: int = 1


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

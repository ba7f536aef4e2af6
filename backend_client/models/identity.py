"""Identity: card data checks, face verification, QR login; the person they identify."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from backend_client.models.base import ApiModel, Base64, IdNumber, Token
from kiosk_base.masking import mask_id_number, mask_name

DocumentType = Literal["resident_id", "foreign_permanent", "hmt_permit", "citizen_card"]


class Person(ApiModel):
    """The identified resident, as the platform knows them (for pre-filling forms)."""

    id_number: IdNumber
    name: str = Field(min_length=1, max_length=64)
    sex: Literal["男", "女"]
    birth_date: date
    phone: str | None = None
    address: str | None = None

    def masked(self) -> str:
        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"


class IdentityCheckRequest(ApiModel):
    """What was read from a card. ``valid_until`` None means long-term (长期)."""

    document_type: DocumentType
    name: str = Field(min_length=1, max_length=64)
    id_number: IdNumber
    card_number: str | None = Field(None, max_length=32)
    valid_from: date | None = None
    valid_until: date | None = None


IdentityResult = Literal["valid", "expired", "mismatch", "unknown", "blocked"]


class IdentityCheck(ApiModel):
    """The verdict; a ``person_token`` (for person-scoped calls) only when valid."""

    result: IdentityResult
    person_token: Token | None = None
    person: Person | None = None
    token_expires_at: datetime | None = None


class FaceVerificationRequest(ApiModel):
    person_token: Token
    #: The live JPEG, base64 (at most 2 MB decoded).
    image_base64: Base64 = Field(min_length=4, max_length=3_000_000)


class FaceVerification(ApiModel):
    """``match``, ``no_match`` or ``no_face``; see backend_sim/face.py for the simulated rule."""

    result: Literal["match", "no_match", "no_face"]
    attempt: int = Field(ge=1)


class QrLogin(ApiModel):
    login_id: Token
    qr_url: str
    expires_at: datetime


class QrLoginStatus(ApiModel):
    login_id: Token
    status: Literal["pending", "confirmed", "expired"]
    person_token: Token | None = None
    person: Person | None = None

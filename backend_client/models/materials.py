"""The resident's materials library and uploads from the resident's phone.

A material is one PDF per document type (``material_type`` is the DocumentSpec id: a
household book, a proof of income) that the backend keeps from an earlier application;
a later service that needs the same type may attach the stored copy instead of a new
scan (:class:`~backend_client.models.services.AttachmentUpload` with ``material_id``).
A phone upload is a short-lived slot the kiosk opens (its URL goes into a QR code); the
resident's phone sends a file to it, and the kiosk polls for the pages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from backend_client.models.base import ApiModel, Base64, Token

DocumentId = str  # a DocumentSpec id: ^[a-z][a-z0-9_]*$


class StoredMaterial(ApiModel):
    """One stored material (its PDF stays on the backend; the preview is page 1)."""

    material_id: Token
    material_type: str
    submitted_on: date
    pages: int = Field(ge=1)
    size: int = Field(ge=1)
    #: A small JPEG of the first page, for the kiosk to show before reuse.
    preview_jpeg_base64: Base64 | None = None


class Materials(ApiModel):
    """The person's stored materials, newest first."""

    materials: tuple[StoredMaterial, ...] = ()


class PhoneUploadCreate(ApiModel):
    person_token: Token
    document_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")


PhoneUploadState = Literal["waiting", "received", "rejected", "expired"]


class PhoneUpload(ApiModel):
    """An upload slot; ``pages`` (JPEG) are filled once the phone has sent a file."""

    upload_id: Token
    document_id: str
    #: What the kiosk's QR code encodes: the page the phone opens to send the file.
    url: str
    status: PhoneUploadState
    expires_at: datetime
    pages: tuple[Base64, ...] = ()
    #: Why a file was rejected (not an image or PDF, too large, too many pages).
    reason: str = ""


class PhoneFile(ApiModel):
    """What the phone sends: one image or PDF (the simulated phone, over /sim)."""

    content_type: Literal["image/jpeg", "image/png", "application/pdf"]
    data_base64: Base64 = Field(min_length=4)

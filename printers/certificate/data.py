"""The certificate data the backend issues (the lead's shared spec), validated.

The renderer trusts nothing it did not validate here: a missing field, a malformed date
or a seal that is not a PNG fails with :class:`CertificateDataError` naming the field,
before any page is drawn.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from printers.errors import CertificateDataError

Template = Literal[
    "social_insurance_record", "household_registration", "elderly_card", "payment_voucher",
    "real_estate_record",
]
Language = Literal["zh", "en"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Model(BaseModel):
    # Unknown keys are ignored so the backend can add fields without breaking kiosks.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Holder(_Model):
    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(min_length=1, max_length=40)


class LabelledValue(_Model):
    label: str = Field(min_length=1, max_length=100)
    value: str = Field(max_length=500)


class CertificateTable(_Model):
    columns: tuple[str, ...] = Field(min_length=1, max_length=12)
    rows: tuple[tuple[str, ...], ...] = ()

    @field_validator("rows")
    @classmethod
    def _rows_match_columns(
        cls, rows: tuple[tuple[str, ...], ...], info: Any
    ) -> tuple[tuple[str, ...], ...]:
        columns = info.data.get("columns") or ()
        for i, row in enumerate(rows):
            if len(row) != len(columns):
                raise ValueError(f"row {i} has {len(row)} cells, the table has {len(columns)}")
        return rows


class CertificateData(_Model):
    """One issued certificate, exactly as the backend's "issue certificate" returns it."""

    number: str = Field(min_length=1, max_length=64)
    template: Template
    language: Language
    title: str = Field(min_length=1, max_length=100)
    issuer: str = Field(min_length=1, max_length=100)
    issued_at: datetime
    holder: Holder
    fields: tuple[LabelledValue, ...] = ()
    table: CertificateTable | None = None
    notes: tuple[str, ...] = ()
    verification_url: str = Field(min_length=1, max_length=1000)
    seal_png_base64: str | None = None
    signing_key_id: str = ""
    signature: str = ""

    @field_validator("verification_url")
    @classmethod
    def _https_url(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return url

    @field_validator("seal_png_base64")
    @classmethod
    def _seal_is_png(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("is not valid base64") from None
        if not raw.startswith(_PNG_MAGIC):
            raise ValueError("is not a PNG image")
        return value

    @classmethod
    def from_json(cls, obj: Mapping[str, Any] | str | bytes) -> CertificateData:
        """Validate the backend's JSON (a parsed object or its text).

        Raises CertificateDataError naming every bad field.
        """
        try:
            if isinstance(obj, str | bytes):
                return cls.model_validate_json(obj)
            return cls.model_validate(dict(obj))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
                for err in exc.errors()
            )
            raise CertificateDataError(f"certificate data rejected: {problems}") from None

    def seal_png(self) -> bytes | None:
        """The seal image's PNG bytes, if the data carries one."""
        if self.seal_png_base64 is None:
            return None
        return base64.b64decode(self.seal_png_base64)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False)

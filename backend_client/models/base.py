"""Common base of the API models (requests and responses of the contract in api/)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: API version, also in api/openapi.yaml's info.version and the URL prefix /v1.
API_VERSION = "1.0.0"


class ApiModel(BaseModel):
    """Frozen; unknown fields are ignored so an older kiosk survives a newer backend."""

    model_config = ConfigDict(frozen=True, extra="ignore")


IdNumber = Annotated[str, StringConstraints(min_length=9, max_length=18, pattern=r"^[0-9A-Z]+$")]
Hex = Annotated[str, StringConstraints(pattern=r"^(?:[0-9A-F]{2})*$")]
Base64 = Annotated[
    str,
    StringConstraints(
        pattern=r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
    ),
]
Fen = Annotated[int, Field(ge=0, le=100_000_000)]
Token = Annotated[str, StringConstraints(min_length=8, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class ErrorBody(ApiModel):
    """The body of every 4xx/5xx answer."""

    code: str
    message: str
    request_id: str = ""


class Page(ApiModel):
    total: int = Field(ge=0)


class Stamp(ApiModel):
    at: datetime


def mask_id(number: str) -> str:
    """First 4 and last 2 characters (the project's masking rule)."""
    if len(number) <= 6:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


def mask_name(name: str) -> str:
    """First character kept: 张*, J***."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""

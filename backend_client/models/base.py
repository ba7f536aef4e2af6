"""Common base of the API models (requests and responses of the contract in api/)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# The masking rules live in kiosk_base.masking; these names stay exported by the models.
from kiosk_base.masking import mask_id_number
from kiosk_base.masking import mask_name as mask_name

mask_id = mask_id_number  # the models' old name for it

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

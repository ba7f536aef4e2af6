"""Terminal registration, heartbeat with device status, audit trail upload."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from backend_client.models.base import ApiModel


class TerminalRegistration(ApiModel):
    terminal_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    #: Raw Ed25519 public key, base64 (32 bytes).
    public_key_base64: str = Field(min_length=40, max_length=64)
    #: One-time code staff get from the platform to enrol a kiosk.
    enrollment_code: str = Field(min_length=4, max_length=64)
    location: str = Field("", max_length=128)


class TerminalRegistered(ApiModel):
    terminal_id: str
    registered_at: datetime
    key_id: str


class DeviceReport(ApiModel):
    name: str
    family: str
    state: str
    error_code: str = ""


class Heartbeat(ApiModel):
    app_version: str
    uptime_s: float = Field(ge=0)
    devices: tuple[DeviceReport, ...] = ()
    outbox_pending: int = Field(0, ge=0)


class HeartbeatAck(ApiModel):
    server_time: datetime
    #: Remote commands for the kiosk ("reload_catalog", "out_of_service"), usually none.
    commands: tuple[str, ...] = ()


class AuditEvent(ApiModel):
    """One audit record; holds no personal data (the kiosk masks before recording)."""

    seq: int = Field(ge=0, le=2**53)
    at: datetime
    kind: str = Field(min_length=1, max_length=64)
    service_id: str = ""
    outcome: Literal["ok", "failed", "cancelled"] = "ok"
    detail: dict[str, str] = Field(default_factory=dict)


class AuditBatch(ApiModel):
    events: tuple[AuditEvent, ...] = Field(min_length=1, max_length=1000)


class AuditAck(ApiModel):
    accepted: int


class Health(ApiModel):
    """Unauthenticated liveness answer of GET /health."""

    status: Literal["ok"]
    api_version: str
    server_time: datetime

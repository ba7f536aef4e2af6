"""Settings of the backend client, part of the kiosk's TOML config (``[backend]``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class BackendSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        "embedded",
        description=(
            "Base URL of the city's service platform, e.g. https://gov.example.cn/kiosk/v1. "
            "'embedded' starts the reference backend on a free loopback port (demo, tests)."
        ),
    )
    credentials: Path | None = Field(
        None,
        description=(
            "Terminal credentials file (JSON: terminal id and its Ed25519 private key). "
            "With the embedded backend it is created on first start."
        ),
    )
    ca_bundle: Path | None = Field(
        None, description="CA bundle that verifies the backend's TLS certificate."
    )
    connect_timeout_s: float = Field(3.0, gt=0, description="TCP/TLS connect timeout.")
    read_timeout_s: float = Field(10.0, gt=0, description="Timeout waiting for an answer.")
    retries: int = Field(3, ge=0, le=10, description="Retries of safe calls (GET, keyed POST).")
    outbox: Path | None = Field(
        None, description="SQLite outbox for submissions; default <state_dir>/outbox.sqlite."
    )

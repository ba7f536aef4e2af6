"""The kiosk's configuration: one TOML file, declared here once, validated at start.

Every key has a type, a default and a description (``kiosk-diag config --describe``
prints them). A bad key or value fails at start with the key, the value and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from backend_client.settings import BackendSettings
from drivers.registry import ROLES, DeviceSpec, resolve
from kiosk.bootconfig import default_state_dir, loads_toml, read_toml
from kiosk.staff_access import HASH_PATTERN
from kiosk_base.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeoutSettings(_Section):
    idle_s: float = Field(60, gt=5, description="Idle time before a session ends.")
    countdown_s: float = Field(
        15, gt=0, description="Last seconds of the idle time shown as a countdown."
    )
    card_read_s: float = Field(5, gt=0, description="Time allowed for one card read.")
    qr_login_s: float = Field(120, gt=0, description="How long a login QR code is polled.")
    payment_s: float = Field(120, gt=0, description="How long a payment QR code is shown.")
    goodbye_s: float = Field(8, gt=0, description="How long the goodbye screen stays.")
    status_poll_s: float = Field(
        5, gt=0, description="How often idle printers are asked for their status."
    )
    reconcile_s: float = Field(
        30, gt=0, description="How often, while idle, unfinished payments are settled with"
        " the backend and the outbox is flushed (also at every start-up).",
    )


class UiSettings(_Section):
    fullscreen: bool = Field(True, description="Fullscreen and frameless (off for development).")
    large_text: bool = Field(False, description="Start in large-text mode.")
    high_contrast: bool = Field(False, description="Start in the high-contrast theme.")
    read_aloud: bool = Field(False, description="Read each screen's prompt aloud.")
    staff_pin_hash: str | None = Field(
        None, pattern=HASH_PATTERN,
        description="scrypt hash of the staff PIN (make it with `kiosk-diag staff-pin`); "
        "no default: staff mode refuses to open until it is set.",
    )
    staff_max_attempts: int = Field(
        3, ge=1, le=10, description="Wrong staff PINs in a row before staff mode locks."
    )
    staff_lockout_s: float = Field(
        30, gt=0, le=3600,
        description="First staff lock-out; each wrong PIN after a lock-out doubles it.",
    )


class DocumentSettings(_Section):
    max_pdf_kb: int = Field(
        3000, ge=100, le=4000,
        description="Largest PDF one scanned material may become (the backend takes 4000).",
    )


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Lowest level logged."
    )
    dir: Path | None = Field(
        None, description="Directory of the JSON-lines log; default <state_dir>/log."
    )
    max_bytes: int = Field(5_000_000, gt=10_000, description="Size at which the log rotates.")
    backups: int = Field(5, ge=1, description="Rotated log files kept.")


class DeviceConfig(BaseModel):
    """``[devices.<role>]``: ``impl`` picks the implementation, other keys are its settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    impl: str = Field("sim", description="'sim' or a real driver name (see the README).")
    enabled: bool = Field(True, description="A disabled device is not opened.")

    def settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _default_devices() -> dict[str, DeviceConfig]:
    return {role: DeviceConfig() for role in ROLES}


class KioskConfig(_Section):
    terminal_id: str = Field(
        "KIOSK-SIM-0001", min_length=1, max_length=32, description="This terminal's id."
    )
    language: Literal["zh", "en"] = Field("zh", description="Language a session starts in.")
    state_dir: Path = Field(
        default_factory=default_state_dir,
        description="Where statistics, journals, the outbox and logs live.",
    )
    backend: BackendSettings = Field(default_factory=BackendSettings)
    timeouts: TimeoutSettings = Field(default_factory=TimeoutSettings)
    ui: UiSettings = Field(default_factory=UiSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    documents: DocumentSettings = Field(default_factory=DocumentSettings)
    devices: dict[str, DeviceConfig] = Field(
        default_factory=_default_devices,
        description="Devices by role; a role left out runs on its simulator.",
    )

    def device_specs(self) -> list[DeviceSpec]:
        """Resolve and validate every enabled device (ConfigError names the bad key)."""
        merged = _default_devices()
        merged.update(self.devices)
        return [
            resolve(role, dev.impl, dev.settings())
            for role, dev in merged.items()
            if dev.enabled
        ]

    @property
    def log_dir(self) -> Path:
        return self.logging.dir or self.state_dir / "log"


def _format_validation_error(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        reason = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" = {value!r}"
        lines.append(f"{source}: {key}{shown}: {reason}")
    return "\n".join(lines)


def parse_config(data: dict[str, Any], source: str = "<config>", *,
                 devices: bool = True) -> KioskConfig:
    """Validate a config mapping, devices included; ConfigError lists every problem.

    ``devices=False`` leaves the device settings to :func:`check_devices` (which imports
    each configured driver): the kiosk shows its first frame before it does that."""
    try:
        config = KioskConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, source), code="CONFIG") from None
    if devices:
        check_devices(config, source)
    return config


def check_devices(config: KioskConfig, source: str = "<config>") -> None:
    """Resolve and validate every enabled device; ConfigError names the key."""
    try:
        config.device_specs()
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.args[0]}", code="CONFIG") from None


def load_config(path: Path | None, *, devices: bool = True) -> KioskConfig:
    """Load ``path`` (or the defaults when None): simulators everywhere by default."""
    raw, source = read_toml(path)
    return parse_config(raw, source, devices=devices)


def loads_config(text: str, source: str = "<config>", *, devices: bool = True) -> KioskConfig:
    """Parse and validate TOML text; ConfigError (only) when it is not a valid config."""
    return parse_config(loads_toml(text, source), source, devices=devices)


def describe_config() -> list[tuple[str, str, str]]:
    """(key, default, description) for every key, for documentation and ``--describe``."""
    rows: list[tuple[str, str, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel) and name != "devices":
                walk(ann, f"{prefix}{name}.")
                continue
            default = "" if field.default_factory else repr(field.default)
            rows.append((f"{prefix}{name}", default, field.description or ""))

    walk(KioskConfig, "")
    return rows

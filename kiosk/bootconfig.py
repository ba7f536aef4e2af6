"""What the kiosk needs before its first frame, read from the config with the stdlib only.

The full configuration (:mod:`kiosk.config`) is validated with pydantic, and importing it
costs about as much as a bare Qt window takes to appear. The attract screen needs only a
few keys: the terminal id, the language, the look (large text, high contrast, read
aloud), fullscreen or not, where the state and the log live and whether the reference
backend is embedded. :func:`read_boot_config` reads the TOML once and picks those keys;
a value of the wrong type falls back to its default here, and the full validation (of the
same mapping, right after the first frame: :func:`kiosk.config.parse_config`) still ends
the start with exit code 2 and the key and the reason. A file that cannot be read or is
not TOML fails here already, with the same message the full validation gives.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

from kiosk_base.errors import ConfigError

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "govkiosk"


class BootConfig(NamedTuple):
    """The first frame's keys (defaults as in :class:`kiosk.config.KioskConfig`).

    A NamedTuple (``_replace`` for a changed copy), not a dataclass: ``dataclasses``
    imports ``inspect``, ~7 ms before the first frame. Made by :func:`boot_config_of`."""

    source: str
    #: The whole TOML mapping, for the full validation after the first frame.
    raw: dict[str, Any]
    state_dir: Path
    terminal_id: str = "KIOSK-SIM-0001"
    language: str = "zh"
    fullscreen: bool = True
    large_text: bool = False
    high_contrast: bool = False
    read_aloud: bool = False
    log_level: str = "INFO"
    log_dir: Path | None = None
    log_max_bytes: int = 5_000_000
    log_backups: int = 5
    #: ``backend.url = "embedded"`` (the default): the kiosk starts the reference backend.
    embedded_backend: bool = True

    @property
    def effective_log_dir(self) -> Path:
        return self.log_dir or self.state_dir / "log"


def _pick(section: Any, key: str, kind: type, default: Any) -> Any:
    if not isinstance(section, dict):
        return default
    value = section.get(key, default)
    if kind is not bool and isinstance(value, bool):
        return default  # TOML true is not a number
    return value if isinstance(value, kind) else default


def boot_config_of(raw: dict[str, Any], source: str) -> BootConfig:
    """The first frame's keys out of a parsed TOML mapping (wrong types: the defaults)."""
    ui, logs, backend = raw.get("ui"), raw.get("logging"), raw.get("backend")
    language = _pick(raw, "language", str, "zh")
    level = _pick(logs, "level", str, "INFO")
    state_dir = _pick(raw, "state_dir", str, None)
    log_dir = _pick(logs, "dir", str, None)
    max_bytes = _pick(logs, "max_bytes", int, 5_000_000)
    backups = _pick(logs, "backups", int, 5)
    return BootConfig(
        source=source, raw=raw,
        terminal_id=_pick(raw, "terminal_id", str, "KIOSK-SIM-0001") or "KIOSK-SIM-0001",
        language=language if language in ("zh", "en") else "zh",
        state_dir=Path(state_dir) if state_dir else default_state_dir(),
        fullscreen=_pick(ui, "fullscreen", bool, True),
        large_text=_pick(ui, "large_text", bool, False),
        high_contrast=_pick(ui, "high_contrast", bool, False),
        read_aloud=_pick(ui, "read_aloud", bool, False),
        log_level=level if level in _LEVELS else "INFO",
        log_dir=Path(log_dir) if log_dir else None,
        log_max_bytes=max_bytes if max_bytes > 10_000 else 5_000_000,
        log_backups=backups if backups >= 1 else 5,
        embedded_backend=_pick(backend, "url", str, "embedded") == "embedded",
    )


def read_toml(path: Path | None) -> tuple[dict[str, Any], str]:
    """The config file's mapping and its name for messages ({} for the defaults)."""
    if path is None:
        return {}, "<defaults>"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}", code="CONFIG") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", code="CONFIG") from None
    return loads_toml(text, str(path)), str(path)


def loads_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}", code="CONFIG") from None
    except RecursionError:
        raise ConfigError(f"{source}: not valid TOML: nested too deeply", code="CONFIG") from None


def read_boot_config(path: Path | None) -> BootConfig:
    """Read ``path`` (None: the defaults); ConfigError if it cannot be read or parsed."""
    raw, source = read_toml(path)
    return boot_config_of(raw, source)

"""The typed config: defaults, validation messages naming key, value and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.registry import ROLES
from kiosk.config import KioskConfig, describe_config, load_config, parse_config
from kiosk_base.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_put_every_role_on_its_simulator() -> None:
    config = KioskConfig()
    assert config.language == "zh"
    assert config.timeouts.idle_s == 60
    assert set(config.devices) == set(ROLES)
    assert all(d.impl == "sim" for d in config.devices.values())


def test_unknown_key_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, 'terminal_id = "K1"\n[timeouts]\nidle_seconds = 30\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "timeouts.idle_seconds" in str(info.value)
    assert "unknown key" in str(info.value)
    assert str(path) in str(info.value)


def test_bad_value_names_key_value_and_reason(tmp_path: Path) -> None:
    path = write(tmp_path, 'language = "fr"\n[timeouts]\nidle_s = -3\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert "language = 'fr'" in text and "'zh' or 'en'" in text
    assert "timeouts.idle_s = -3" in text and "greater than 5" in text


def test_unknown_device_role_and_implementation() -> None:
    with pytest.raises(ConfigError, match=r"devices\.coffee_machine: unknown device role"):
        parse_config({"devices": {"coffee_machine": {"impl": "sim"}}})
    with pytest.raises(ConfigError, match=r"devices.scanner.impl = 'fax'.*choose one of"):
        parse_config({"devices": {"scanner": {"impl": "fax"}}})


def test_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "terminal_id = \n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_disabled_device_is_not_resolved() -> None:
    config = parse_config({"devices": {"scanner": {"impl": "sim", "enabled": False}}})
    assert "scanner" not in [s.role for s in config.device_specs()]


def test_every_key_is_described() -> None:
    rows = describe_config()
    keys = [k for k, _, _ in rows]
    assert "backend.url" in keys and "timeouts.idle_s" in keys
    assert all(desc for _, _, desc in rows), "every key has a description"

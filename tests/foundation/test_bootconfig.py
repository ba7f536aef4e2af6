"""The first frame's keys, read with the stdlib before the full (pydantic) validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.bootconfig import read_boot_config
from kiosk.config import KioskConfig, load_config
from kiosk_base.errors import ConfigError


def test_the_boot_keys_agree_with_the_validated_config(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('terminal_id = "SZ-NS-0007"\nlanguage = "en"\nstate_dir = "/srv/k"\n'
                    '[ui]\nlarge_text = true\nhigh_contrast = true\nfullscreen = false\n'
                    '[logging]\nlevel = "DEBUG"\ndir = "/var/log/k"\nbackups = 2\n'
                    '[backend]\nurl = "https://gov.example.cn/kiosk/v1"\n', encoding="utf-8")
    boot, full = read_boot_config(path), load_config(path, devices=False)
    assert (boot.terminal_id, boot.language, boot.state_dir) == (
        full.terminal_id, full.language, full.state_dir)
    assert (boot.large_text, boot.high_contrast, boot.fullscreen, boot.read_aloud) == (
        full.ui.large_text, full.ui.high_contrast, full.ui.fullscreen, full.ui.read_aloud)
    assert (boot.log_level, boot.effective_log_dir, boot.log_backups) == (
        full.logging.level, full.log_dir, full.logging.backups)
    assert boot.embedded_backend is False


def test_defaults_match_and_wrong_types_fall_back_to_them(tmp_path: Path) -> None:
    assert read_boot_config(None).state_dir == KioskConfig().state_dir
    assert read_boot_config(None).embedded_backend is True
    path = tmp_path / "kiosk.toml"
    path.write_text('language = "fr"\nterminal_id = 7\n[ui]\nlarge_text = "yes"\n'
                    '[logging]\nmax_bytes = true\nlevel = "LOUD"\n', encoding="utf-8")
    boot = read_boot_config(path)
    assert (boot.language, boot.terminal_id, boot.large_text) == ("zh", "KIOSK-SIM-0001", False)
    assert (boot.log_max_bytes, boot.log_level) == (5_000_000, "INFO")
    with pytest.raises(ConfigError):  # the full validation reports each of them
        load_config(path)


def test_unreadable_or_not_toml_fails_already(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        read_boot_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[ui\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_boot_config(bad)

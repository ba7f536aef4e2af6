"""Updates: govkiosk-activate switches to a release only after it reached the attract
screen; a release that does not keeps the previous one current. Runs the packaged
activation script against the unpacked packaged release."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from debtools import VERSION, BuiltPackages

# The first test builds the packages (make deb: a virtualenv bundle), minutes on a busy
# machine; pytest-timeout counts that setup in the test.
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1500)]


def activate(debs: BuiltPackages, base: Path, version: str, state: Path,
             config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, GOVKIOSK_BASE=str(base), GOVKIOSK_STATE=str(state),
               GOVKIOSK_CONFIG=str(config or state / "absent.toml"))
    return subprocess.run([str(debs.tree / "usr/lib/govkiosk/govkiosk-activate"), version],
                          capture_output=True, text=True, timeout=400, env=env, check=False,
                          cwd=state)


def broken_release(base: Path, version: str, message: str) -> None:
    """A release whose interpreter starts but whose kiosk dies (a bad build)."""
    bin_dir = base / "releases" / version / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    python.chmod(0o755)


@pytest.fixture()
def base(debs: BuiltPackages, tmp_path: Path) -> Path:
    """A /opt/govkiosk with the packaged release (linked, not copied) and no `current`."""
    base = tmp_path / "opt-govkiosk"
    (base / "releases").mkdir(parents=True)
    (base / "releases" / VERSION).symlink_to(debs.release)
    return base


def test_first_install_switches_after_the_health_check(debs: BuiltPackages, base: Path,
                                                       tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    proc = activate(debs, base, VERSION, state)
    assert proc.returncode == 0, proc.stderr
    assert os.readlink(base / "current") == f"releases/{VERSION}"
    assert "reached the attract screen" in proc.stderr
    status = json.loads((state / "update-status.json").read_text())
    assert status["result"] == "OK" and status["version"] == VERSION


def test_a_release_that_fails_keeps_the_previous_one(debs: BuiltPackages, base: Path,
                                                     tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (base / "current").symlink_to(f"releases/{VERSION}")
    broken_release(base, "9.9.9", "ImportError: libQt6Core.so.6 missing")
    proc = activate(debs, base, "9.9.9", state)
    assert proc.returncode == 1
    assert os.readlink(base / "current") == f"releases/{VERSION}"  # not switched
    assert "NOT switched" in proc.stderr and f"releases/{VERSION} keeps running" in proc.stderr
    status = json.loads((state / "update-status.json").read_text())
    assert status["result"] == "FAILED" and "ImportError" in status["reason"]
    assert status["current"] == f"releases/{VERSION}"
    # ... and the release still current is the packaged one, which really starts.
    again = activate(debs, base, VERSION, state)
    assert again.returncode == 0 and "already the current one" in again.stderr


def test_a_release_that_rejects_the_terminals_config_is_not_switched_to(
        debs: BuiltPackages, base: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (base / "releases" / "0.0.1").symlink_to(debs.release)  # "previous": same good build
    (base / "current").symlink_to("releases/0.0.1")
    config = tmp_path / "kiosk.toml"
    config.write_text('terminal_id = "SZ-NS-0007"\n[ui]\nscreen_saver = true\n')
    proc = activate(debs, base, VERSION, state, config)
    assert proc.returncode == 1
    assert os.readlink(base / "current") == "releases/0.0.1"
    assert "ui.screen_saver" in proc.stderr and "unknown key" in proc.stderr


def test_kiosk_session_runs_the_current_release(debs: BuiltPackages, base: Path,
                                                tmp_path: Path) -> None:
    """kiosk-session resolves `current` once and hands cage that release's kiosk."""
    (base / "current").symlink_to(f"releases/{VERSION}")
    fake_cage = tmp_path / "cage"
    fake_cage.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake_cage.chmod(0o755)
    env = dict(os.environ, GOVKIOSK_BASE=str(base), CAGE=str(fake_cage))
    proc = subprocess.run([str(debs.tree / "usr/lib/govkiosk/kiosk-session"), "--config", "x"],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    args = proc.stdout.split()
    assert args[:3] == ["-d", "-s", "--"]
    assert args[3] == f"{debs.release}/bin/python"  # `current` resolved to the release
    assert args[4:] == ["-m", "kiosk.app", "--config", "x"]

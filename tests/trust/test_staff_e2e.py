"""Staff access through the real app: no default PIN, the attempt limit and its lock-out
(which survives a restart), and the audit trail, driven by scenarios."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.staff_access import hash_pin

SCENARIOS = Path(__file__).with_name("scenarios")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

CONFIG = """
terminal_id = "KIOSK-SIM-0001"
state_dir = "{state}"
[ui]
{ui}
[timeouts]
goodbye_s = 3
[devices.card_reader]
impl = "sim"
transport = "in-process"
"""


def run(name: str, tmp_path: Path, ui: str) -> tuple[int, list[dict[str, object]], Path]:
    state, out = tmp_path / "state", tmp_path / f"out-{name}"
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(state=state, ui=ui), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config", str(config),
         "--speech-engine", "mock", "--scenario", str(SCENARIOS / f"{name}.yaml"),
         "--out", str(out)],
        cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True,
        text=True, timeout=300, check=False)
    transcript = [json.loads(line) for line in
                  (out / "transcript.jsonl").read_text(encoding="utf-8").splitlines()]
    return proc.returncode, transcript, state


def _audit(state: Path) -> list[dict[str, object]]:
    path = state / "audit" / "staff-audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _no_errors_and_no_pin(state: Path, pin: str) -> None:
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    entries = [json.loads(line) for line in log.splitlines()]
    assert not [e for e in entries if e["level"] in ("ERROR", "CRITICAL")]
    assert pin not in log and pin not in (state / "audit" / "staff-audit.jsonl").read_text()


def test_lock_out_after_three_wrong_pins_is_audited_and_survives_a_restart(
    tmp_path: Path
) -> None:
    ui = (f'staff_pin_hash = "{hash_pin("2468")}"\n'
          "staff_max_attempts = 3\nstaff_lockout_s = 600")
    code, transcript, state = run("staff_lockout", tmp_path, ui)
    assert code == 0, [t for t in transcript if t.get("ok") is False]
    events = [e["event"] for e in _audit(state)]
    assert events == ["wrong_pin", "wrong_pin", "wrong_pin", "locked_out", "refused_locked"]
    assert _audit(state)[3]["seconds"] == 600
    _no_errors_and_no_pin(state, "2468")
    assert (tmp_path / "out-staff_lockout" / "staff-locked.png").stat().st_size > 0
    # A restart on the same state dir is still locked: the right PIN is refused again.
    code, transcript, state = run("staff_unlock", tmp_path, ui)
    assert code != 0
    assert _audit(state)[-1]["event"] == "refused_locked"


def test_the_right_pin_opens_staff_mode_and_is_audited(tmp_path: Path) -> None:
    code, transcript, state = run("staff_unlock", tmp_path,
                                  f'staff_pin_hash = "{hash_pin("2468")}"')
    assert code == 0, [t for t in transcript if t.get("ok") is False]
    assert [e["event"] for e in _audit(state)] == ["wrong_pin", "unlocked", "left"]
    _no_errors_and_no_pin(state, "2468")


def test_without_a_configured_pin_staff_mode_never_opens(tmp_path: Path) -> None:
    code, transcript, state = run("staff_not_set", tmp_path, "")
    assert code == 0, [t for t in transcript if t.get("ok") is False]
    assert [e["event"] for e in _audit(state)] == ["refused_not_set"]

"""End to end: the real kiosk as a subprocess, driven by the scenario files.

Each run gets its own state dir and config: every device on its simulator, the embedded
reference backend, the citizen card in-process (so runs never share vpcd with the
pcscd tests). Assertions are about what a person sees and what is left behind, never
about time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).with_name("scenarios")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

BASE_CONFIG = """
terminal_id = "KIOSK-SIM-0001"
state_dir = "{state}"
[timeouts]
idle_s = {idle}
countdown_s = {countdown}
goodbye_s = 3
status_poll_s = 1
[devices.card_reader]
impl = "sim"
transport = "in-process"
"""


def run_scenario(name: str, tmp_path: Path, *, idle: float = 120, countdown: float = 15,
                 timeout: float = 300) -> tuple[int, list[dict[str, object]], Path]:
    state = tmp_path / "state"
    out = tmp_path / "out"
    config = tmp_path / "kiosk.toml"
    config.write_text(BASE_CONFIG.format(state=state, idle=idle, countdown=countdown),
                      encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config", str(config),
         "--speech-engine", "mock", "--scenario", str(SCENARIOS / f"{name}.yaml"),
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    transcript = [json.loads(line) for line in
                  (out / "transcript.jsonl").read_text(encoding="utf-8").splitlines()]
    if proc.returncode != 0:
        failed = [t for t in transcript if t.get("ok") is False]
        print(proc.stderr[-6000:])
        pytest.fail(f"{name}: exit {proc.returncode}; failed step: {failed}", pytrace=False)
    return proc.returncode, transcript, state


def crash_free(state: Path) -> None:
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    entries = [json.loads(line) for line in log.splitlines()]
    bad = [e for e in entries if e["level"] in ("ERROR", "CRITICAL")]
    assert not bad, bad


@pytest.mark.parametrize("name", ["full_certificate", "bill_payment", "cancel_each_step",
                                  "language_switch", "device_fault",
                                  "pinyin_search", "id_number_keypad"])
def test_scenario(name: str, tmp_path: Path) -> None:
    _, transcript, state = run_scenario(name, tmp_path)
    summary = transcript[-1]
    assert summary["ok"] is True and summary["steps_run"] == summary["steps"]
    crash_free(state)


def test_idle_timeout_ends_the_session(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("idle_timeout", tmp_path, idle=8, countdown=4)
    assert transcript[-1]["ok"] is True
    assert (tmp_path / "out" / "idle-countdown.png").stat().st_size > 0
    crash_free(state)


def test_need_more_time_keeps_the_session(tmp_path: Path) -> None:
    _, transcript, _ = run_scenario("idle_more_time", tmp_path, idle=8, countdown=4)
    assert transcript[-1]["ok"] is True


def test_nothing_of_a_finished_session_remains(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("session_wipe", tmp_path)
    assert transcript[-1]["ok"] is True
    sessions = state / "sessions"
    leftovers = [p for p in sessions.rglob("*")] if sessions.exists() else []
    assert leftovers == [], leftovers
    personal = ("张伟", "110101195803070230", "景山前街", "13800138000")
    for path in state.rglob("*"):
        if path.is_file() and path.suffix in (".jsonl", ".json", ".log", ".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for secret in personal:
                assert secret not in text, f"{secret} left in {path}"

"""End to end: the real kiosk as a subprocess, driven by the scenario files.

Each run gets its own state dir and config (kiosk_process.run_kiosk). Assertions are
about what a person sees and what is left behind, never about time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kiosk_process import run_kiosk

SCENARIOS = Path(__file__).with_name("scenarios")

pytestmark = pytest.mark.e2e


def run_scenario(name: str, tmp_path: Path, *, idle: float = 120, countdown: float = 15,
                 timeout: float = 300, card_in_reader: str | None = None,
                 ) -> tuple[int, list[dict[str, object]], Path]:
    run = run_kiosk(SCENARIOS / f"{name}.yaml", tmp_path, idle=idle, countdown=countdown,
                    timeout=timeout, card_in_reader=card_in_reader)
    if run.returncode != 0:
        failed = [t for t in run.transcript if t.get("ok") is False]
        print(run.stderr[-6000:])
        pytest.fail(f"{name}: exit {run.returncode}; failed step: {failed}", pytrace=False)
    return run.returncode, run.transcript, run.state


def crash_free(state: Path) -> None:
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    entries = [json.loads(line) for line in log.splitlines()]
    bad = [e for e in entries if e["level"] in ("ERROR", "CRITICAL")]
    assert not bad, bad


@pytest.mark.parametrize("name", ["full_certificate", "bill_payment", "cancel_each_step",
                                  "language_switch", "device_fault", "face_camera_gone",
                                  "pinyin_search", "id_number_keypad"])
def test_scenario(name: str, tmp_path: Path) -> None:
    _, transcript, state = run_scenario(name, tmp_path)
    summary = transcript[-1]
    assert summary["ok"] is True and summary["steps_run"] == summary["steps"]
    crash_free(state)


def test_the_certificate_is_rendered_in_its_own_process(tmp_path: Path) -> None:
    """The print step's render ran in the render child (printers/certificate/worker.py),
    started when the service began: not on a thread sharing the UI's interpreter lock."""
    _, transcript, state = run_scenario("full_certificate", tmp_path)
    assert transcript[-1]["ok"] is True
    log = [json.loads(line) for line in
           (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8").splitlines()]
    messages = [str(e["msg"]) for e in log]
    ready = [m for m in messages if m.startswith("certificate render process ")]
    rendered = [m for m in messages if " rendered in process " in m]
    assert len(ready) == 1 and len(rendered) == 1, (ready, rendered)
    pid = ready[0].split()[3]
    assert f"rendered in process {pid}:" in rendered[0]
    assert not any("in the kiosk's own process" in m for m in messages)


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

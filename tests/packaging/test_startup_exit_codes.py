"""Start-up failures through the real app (a subprocess), as the README documents them:
2 for bad configuration or credentials (with the key and the reason, not restarted by
systemd), 70 for a crash (after the out-of-service screen), each with one line on stderr
that the journal keeps for the technician."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ATTRACT = "- expect_screen: attract\n- screenshot: attract\n"

pytestmark = pytest.mark.e2e


def kiosk(tmp_path: Path, config: str, *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "kiosk.toml"
    path.write_text(config, encoding="utf-8")
    scenario = tmp_path / "attract.yaml"
    scenario.write_text(ATTRACT, encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "kiosk.app", "--config", str(path), "--headless",
         "--speech-engine", "mock", "--scenario", str(scenario), "--out", str(tmp_path / "out"),
         *extra], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)


def transcript(tmp_path: Path) -> list[dict[str, object]]:
    lines = (tmp_path / "out" / "transcript.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_terminal_id_with_the_embedded_backend_starts(tmp_path: Path) -> None:
    """The known bug: a configured terminal_id crashed the start (exit 1, no transcript)."""
    proc = kiosk(tmp_path, f'terminal_id = "SZ-NS-0007"\nstate_dir = "{tmp_path / "s"}"\n'
                 '[backend]\nurl = "embedded"\n')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert transcript(tmp_path)[-1]["ok"] is True
    assert "terminal SZ-NS-0007 enrolled" in proc.stderr


def test_bad_configuration_exits_2_with_the_key_and_reason(tmp_path: Path) -> None:
    proc = kiosk(tmp_path, '[timeouts]\nidle_s = "soon"\n')
    assert proc.returncode == 2
    assert "timeouts.idle_s" in proc.stderr and "'soon'" in proc.stderr
    assert "kiosk: bad configuration" in proc.stderr


def test_credentials_of_another_terminal_exit_2(tmp_path: Path) -> None:
    creds = tmp_path / "terminal-credentials.json"
    creds.write_text(json.dumps({"terminal_id": "SZ-NS-0001",
                                 "private_key_base64": "A" * 43 + "="}), encoding="utf-8")
    creds.chmod(0o600)  # a key file anyone can read is refused before its contents
    proc = kiosk(tmp_path, f'terminal_id = "SZ-NS-0007"\nstate_dir = "{tmp_path / "s"}"\n'
                 f'[backend]\nurl = "http://127.0.0.1:9/v1"\ncredentials = "{creds}"\n')
    assert proc.returncode == 2, proc.stderr[-3000:]
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("kiosk: bad configuration"))
    assert "backend.credentials" in line and "'SZ-NS-0001', not 'SZ-NS-0007'" in line


def test_missing_credentials_exit_2(tmp_path: Path) -> None:
    proc = kiosk(tmp_path, f'state_dir = "{tmp_path / "s"}"\n[backend]\n'
                 f'url = "http://127.0.0.1:9/v1"\ncredentials = "{tmp_path / "none.json"}"\n')
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "backend.credentials" in proc.stderr and "cannot read" in proc.stderr


def test_a_crash_at_start_shows_out_of_service_and_exits_70(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    proc = kiosk(tmp_path, f'state_dir = "{blocker / "state"}"\n'
                 f'[logging]\ndir = "{tmp_path / "log"}"\n')
    assert proc.returncode == 70, proc.stderr[-3000:]
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("kiosk: crashed"))
    assert "NotADirectoryError" in line and "exit 70" in line
    last = transcript(tmp_path)[-1]
    assert last["crashed"] is True and last["exit_code"] == 70 and last["phase"] == "start-up"
    assert (tmp_path / "out" / "out_of_service.png").stat().st_size > 0
    log = (tmp_path / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert '"level": "CRITICAL", "logger": "kiosk.crash"' in log and "NotADirectoryError" in log


def test_journal_lines_carry_a_priority_under_systemd(tmp_path: Path) -> None:
    """With JOURNAL_STREAM naming stderr, lines are "<prio>logger: message" for journald."""
    err = tmp_path / "stderr"
    with err.open("w") as fh:
        st = os.fstat(fh.fileno())
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}",
                   QT_QPA_PLATFORM="offscreen")
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("")
        config = tmp_path / "kiosk.toml"
        config.write_text(f'state_dir = "{blocker / "s"}"\n[logging]\ndir = "{tmp_path / "l"}"\n')
        code = subprocess.run([sys.executable, "-m", "kiosk.app", "--config", str(config),
                               "--headless"], cwd=ROOT, env=env, stderr=fh, timeout=240,
                              check=False).returncode
    assert code == 70
    lines = err.read_text().splitlines()
    assert any(ln.startswith("<2>kiosk.crash: crash") for ln in lines), lines[:20]
    assert any(ln.startswith("<2>NotADirectoryError") for ln in lines), lines[:20]
    # The traceback stays one journal entry per line, each at the crash's priority.
    assert any(ln.startswith("<2>Traceback") for ln in lines), lines[:20]

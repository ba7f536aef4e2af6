"""Start-up through the real app process: attract screen first, the reference backend in
its own process (which dies with the kiosk), the stall watchdog's report, one render per
certificate. No timings are asserted (speed is measured in bench/)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
state_dir = "{state}"
[devices.card_reader]
impl = "sim"
transport = "in-process"
"""

pytestmark = pytest.mark.e2e


def _kiosk(tmp: Path, *extra: str) -> list[str]:
    config = tmp / "kiosk.toml"
    config.write_text(CONFIG.format(state=tmp / "state"), encoding="utf-8")
    return [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config",
            str(config), "--speech-engine", "mock", *extra]


def _children(pid: int) -> list[str]:
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True,
                         text=True, check=False).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_first_frame_before_ready_and_the_watchdog_reports(tmp_path: Path) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("- expect_screen: attract\n- expect_text: 开始\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(_kiosk(tmp_path, "--scenario", str(scenario), "--out", str(out)),
                          cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stderr
    assert "start-up: first frame" in log and "start-up: ready" in log
    assert log.index("start-up: first frame") < log.index("start-up: ready")
    # The devices are opened, and the backend started, only after the first frame.
    assert log.index("start-up: first frame") < log.index("closed -> starting")
    assert log.index("start-up: first frame") < log.index("reference backend (pid")
    stalls = json.loads((out / "event_loop_stalls.json").read_text(encoding="utf-8"))
    assert stalls["beats"] > 0 and stalls["threshold_ms"] == 50.0
    assert {"max_stall_ms", "p99_stall_ms", "worst"} <= set(stalls)


def test_the_screens_not_needed_at_the_attract_screen_are_made_after_ready(
        tmp_path: Path) -> None:
    """The step, result and staff screens are made on idle turns once the kiosk is ready,
    not before it; a resident who then starts gets the identify screen they made."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text("- expect_screen: attract\n- wait: 8\n- tap: start\n"
                        "- expect_screen: identify\n", encoding="utf-8")
    proc = subprocess.run(_kiosk(tmp_path, "--scenario", str(scenario), "--out",
                                 str(tmp_path / "out")),
                          cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stderr
    assert "screens: all 16 made" in log, log[-3000:]
    assert log.index("start-up: ready") < log.index("screens: all 16 made")


def test_the_backend_process_dies_with_a_killed_kiosk_and_a_restart_works(
        tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    kiosk = subprocess.Popen(_kiosk(tmp_path), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert kiosk.stderr is not None
        deadline = time.monotonic() + 120
        for line in kiosk.stderr:
            if "start-up: ready" in line or time.monotonic() > deadline:
                break
        backend = [c for c in _children(kiosk.pid) if "backend_sim.server" in c]
        assert len(backend) == 1, _children(kiosk.pid)
        backend_pid = int(backend[0].split()[0])
    finally:
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(30)
        if kiosk.stderr is not None:
            kiosk.stderr.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{backend_pid}").exists():
        status = Path(f"/proc/{backend_pid}/status").read_text(errors="replace") \
            if Path(f"/proc/{backend_pid}/status").exists() else ""
        if "State:\tZ" in status:
            break
        time.sleep(0.1)
    status_path = Path(f"/proc/{backend_pid}/status")
    assert not status_path.exists() or "State:\tZ" in status_path.read_text(errors="replace")
    # Restart on the same state dir: the same database, enrolled again, ready again.
    scenario = tmp_path / "s.yaml"
    scenario.write_text("- expect_screen: attract\n", encoding="utf-8")
    proc = subprocess.run(_kiosk(tmp_path, "--scenario", str(scenario), "--out",
                                 str(tmp_path / "out2")),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "start-up: ready" in proc.stderr


def test_a_config_bad_past_the_first_frame_exits_2_and_the_held_backend_writes_nothing(
        tmp_path: Path) -> None:
    """The first frame reads its keys with the stdlib (a wrong type: the default); the
    full validation after it still ends the start with 2, the key and the reason, and the
    reference backend spawned before it never opened a database in the state dir."""
    config = tmp_path / "kiosk.toml"
    state = tmp_path / "state"
    config.write_text(f'state_dir = "{state}"\nlanguage = "fr"\n[ui]\nlarge_text = "maybe"\n',
                      encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text("- expect_screen: attract\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config", str(config),
         "--speech-engine", "mock", "--scenario", str(scenario), "--out", str(tmp_path / "o")],
        cwd=ROOT, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True,
        text=True, timeout=300, check=False)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "kiosk: bad configuration" in proc.stderr
    assert "language = 'fr'" in proc.stderr and "ui.large_text = 'maybe'" in proc.stderr
    assert "start-up: first frame" in proc.stderr  # the window was up before the check
    assert not (state / "reference-backend.sqlite").exists()


def test_what_the_first_frame_imports_stays_light() -> None:
    """The modules the first frame needs (app, logging, window, attract, lockdown,
    watchdog) pull in none of the heavy libraries: they load after the first frame
    (a rating panel's import once brought cv2, numpy and pydantic in: 0.3 s more)."""
    probe = ("import sys, kiosk.app, kiosk.ui.application, kiosk.ui.window, "
             "kiosk.ui.screens.basic, kiosk.ui.lockdown, kiosk.ui.watchdog; "
             "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    heavy = {"cv2", "numpy", "pydantic", "PIL", "qrcode", "reportlab", "sqlalchemy",
             "fastapi", "requests", "Crypto", "yaml", "kiosk.session", "kiosk.runtime",
             # the standard library's slower modules, a few ms each: dataclasses (and
             # inspect), logging.handlers (socket, pickle), shutil (zlib, bz2, lzma)
             "dataclasses", "inspect", "logging.handlers", "socket", "pickle", "shutil"}
    assert not heavy & set(out), sorted(heavy & set(out))


#: Runs the kiosk (``python -c ENUM_WATCH <kiosk.app's arguments>``) and says on stderr
#: whether PyQt6 built the Qt namespace's enums before or after the first frame.
ENUM_WATCH = """
import enum, runpy, sys
state = {"first_frame": False, "said": False}
create = enum.EnumType._create_
def watched(cls, class_name, *args, **kwargs):
    if not state["said"] and str(kwargs.get("qualname", "")).startswith("Qt."):
        state["said"] = True
        when = "after" if state["first_frame"] else "before"
        print(f"Qt namespace enums built {when} the first frame", file=sys.stderr, flush=True)
    return create(cls, class_name, *args, **kwargs)
enum.EnumType._create_ = watched
import kiosk.ui.application as application
fire = application.FirstFrame._fire
def fired(self):
    state["first_frame"] = True
    fire(self)
application.FirstFrame._fire = fired
sys.argv = ["kiosk.app", *sys.argv[1:]]
runpy.run_module("kiosk.app", run_name="__main__", alter_sys=True)
"""


def test_the_first_frame_builds_no_enum_of_the_qt_namespace(tmp_path: Path) -> None:
    """PyQt6 builds all 89 enums of the Qt namespace at the first touch of any one (12 ms,
    a fifth of a bare window's start): the window and the attract screen set those
    properties by name (kiosk.ui.qtnames), so the first frame comes before them."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text("- expect_screen: attract\n- tap: start\n- expect_screen: identify\n",
                        encoding="utf-8")
    kiosk = _kiosk(tmp_path, "--scenario", str(scenario), "--out", str(tmp_path / "out"))
    proc = subprocess.run([sys.executable, "-c", ENUM_WATCH, *kiosk[3:]], cwd=ROOT,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Qt namespace enums built before the first frame" not in proc.stderr
    # They are built once the kiosk goes on (or the watch above has stopped seeing them).
    assert "Qt namespace enums built after the first frame" in proc.stderr, proc.stderr[-3000:]

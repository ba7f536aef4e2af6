"""The packaged kiosk under a notify socket of our own, as systemd would run it:
READY=1 once the attract screen is shown, WATCHDOG=1 from the UI thread while it runs,
and no ping while the UI thread is blocked (scenario op ``freeze_ui``)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from debtools import BuiltPackages

# The first test builds the packages (make deb: a virtualenv bundle), minutes on a busy
# machine; pytest-timeout counts that setup in the test.
pytestmark = [pytest.mark.packaging, pytest.mark.timeout(1500)]

SCENARIO = """
- expect_screen: attract
- wait: 3
- freeze_ui: 4
- wait: 3
"""


class NotifySocket:
    """A datagram socket standing in for systemd's $NOTIFY_SOCKET; records messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            self.messages.append(data.decode())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def run_kiosk(python: Path, tmp_path: Path, env_extra: dict[str, str]) -> tuple[
        subprocess.CompletedProcess[str], list[str]]:
    scenario = tmp_path / "watchdog.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    notify = NotifySocket(tmp_path / "notify.sock")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NOTIFY_SOCKET=str(notify.path),
               **env_extra)
    try:
        proc = subprocess.run(
            [str(python), "-m", "kiosk.app", "--simulate", "--headless", "--speech-engine",
             "mock", "--scenario", str(scenario), "--out", str(tmp_path / "out"),
             "--state-dir", str(tmp_path / "state")],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False)
        time.sleep(0.3)
    finally:
        notify.close()
    return proc, notify.messages


def test_ready_after_attract_and_watchdog_from_the_ui_thread(debs: BuiltPackages,
                                                            tmp_path: Path) -> None:
    # WATCHDOG_USEC as systemd sets it (WatchdogSec=1): a ping every 0.5 s is expected.
    proc, messages = run_kiosk(debs.python, tmp_path, {"WATCHDOG_USEC": "1000000",
                                                       "WATCHDOG_PID": ""})
    assert proc.returncode == 0, proc.stderr[-3000:]
    ready = [i for i, m in enumerate(messages) if "READY=1" in m.splitlines()]
    assert len(ready) == 1, messages
    assert "STATUS=attract screen shown" in messages[ready[0]]
    assert "ready: the attract screen is shown" in proc.stderr
    blocked = next(i for i, m in enumerate(messages) if "UI thread blocked" in m)
    resumed = next(i for i, m in enumerate(messages) if "UI thread running again" in m)
    before = [m for m in messages[ready[0]:blocked] if m == "WATCHDOG=1"]
    during = [m for m in messages[blocked + 1:resumed] if m == "WATCHDOG=1"]
    after = [m for m in messages[resumed:] if m == "WATCHDOG=1"]
    assert len(before) >= 2, messages      # 3 s of a running UI
    assert during == [], messages          # 4 s of a blocked UI thread: silence
    assert len(after) >= 2, messages       # the UI runs again: pings again
    assert messages[-1] == "STOPPING=1"


def test_no_watchdog_pings_unless_systemd_asks(debs: BuiltPackages, tmp_path: Path) -> None:
    proc, messages = run_kiosk(debs.python, tmp_path, {})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert any("READY=1" in m for m in messages)
    assert not any(m == "WATCHDOG=1" for m in messages)

"""The sd_notify client and the journald formatter, in-process (the app-level proof is
test_sd_notify.py)."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest

from kiosk.journald import JournaldFormatter, under_journald
from kiosk.sdnotify import SystemdNotifier, watchdog_interval_s


def test_outside_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    notifier = SystemdNotifier()
    assert not notifier.enabled
    assert notifier.ready() is False and notifier.watchdog() is False


def test_datagrams_reach_a_path_and_an_abstract_socket(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    path_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path_sock.bind(str(tmp_path / "n.sock"))
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"govkiosk-test-{os.getpid()}"
    abstract.bind("\0" + name)
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "n.sock"))
        first = SystemdNotifier()
        assert first.ready("up")
        first.close()
        assert path_sock.recv(1024).decode().split("\n") == [
            "READY=1", f"MAINPID={os.getpid()}", "STATUS=up"]
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        second = SystemdNotifier()
        assert second.watchdog()
        second.close()
        assert abstract.recv(1024) == b"WATCHDOG=1"
    finally:
        path_sock.close()
        abstract.close()


def test_a_vanished_socket_warns_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone.sock"))
    notifier = SystemdNotifier()
    with caplog.at_level(logging.WARNING, logger="kiosk.sdnotify"):
        assert notifier.watchdog() is False
        assert notifier.watchdog() is False
    notifier.close()
    assert len([r for r in caplog.records if "sd_notify" in r.getMessage()]) == 1


def test_watchdog_interval_is_half_the_timeout_for_us_or_our_parent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert watchdog_interval_s() is None
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert watchdog_interval_s() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getppid()))  # cage, the service's main pid
    assert watchdog_interval_s() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")  # someone else's watchdog
    assert watchdog_interval_s() is None or os.getppid() == 1


def test_journald_lines_carry_the_priority_on_every_line(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    record = logging.LogRecord("kiosk.crash", logging.CRITICAL, __file__, 1, "boom %s", ("x",),
                               None)
    record.exc_text = "Traceback (most recent call last):\nValueError: x"
    lines = JournaldFormatter().format(record).splitlines()
    assert lines == ["<2>kiosk.crash: boom x", "<2>Traceback (most recent call last):",
                     "<2>ValueError: x"]
    with (tmp_path / "err").open("w") as fh:
        st = os.fstat(fh.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
        assert under_journald(fh)
        monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino + 1}")
        assert not under_journald(fh)

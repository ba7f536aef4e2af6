"""The kiosk and its service manager: READY/WATCHDOG from the UI thread, start-up crashes.

``READY=1`` goes out once the attract screen is on screen (not when the process merely
started), so ``systemctl start`` and the update health check wait for a usable kiosk.
``WATCHDOG=1`` is sent by a QTimer on the UI thread: if the event loop freezes, the pings
stop and systemd restarts the kiosk (WatchdogSec= in the unit).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QObject, QTimer
from PyQt6.QtWidgets import QApplication, QMainWindow

from kiosk.logs import console_line
from kiosk.privacy import mask_text
from kiosk.sdnotify import SystemdNotifier, watchdog_interval_s

log = logging.getLogger(__name__)

READY_POLL_MS = 100


class SupervisorLink(QObject):
    """Tells systemd when the kiosk is ready and, while its UI thread runs, alive."""

    def __init__(self, window: QMainWindow, notifier: SystemdNotifier | None = None,
                 ready_screen: str = "attract",
                 ready_when: Callable[[], bool] = lambda: True) -> None:
        super().__init__()
        self.ready_when = ready_when
        self.window = window
        self.notifier = notifier or SystemdNotifier()
        self.ready_screen = ready_screen
        self.is_ready = False
        self.pings = 0
        self._ready_timer = QTimer(self)
        self._ready_timer.timeout.connect(self._check_ready)
        self._watchdog = QTimer(self)
        self._watchdog.timeout.connect(self._ping)

    def start(self) -> None:
        if not self.notifier.enabled:
            return
        self._ready_timer.start(READY_POLL_MS)
        interval = watchdog_interval_s()
        if interval is not None:
            self._watchdog.start(max(50, int(interval * 1000)))
            log.info("systemd watchdog: a ping every %.1f s from the UI thread", interval)

    def stop(self) -> None:
        self._ready_timer.stop()
        self._watchdog.stop()
        if self.notifier.enabled:
            self.notifier.stopping()
        self.notifier.close()

    def _current_screen(self) -> str:
        current = getattr(self.window, "current_screen_id", None)
        return str(current()) if callable(current) else ""

    def _check_ready(self) -> None:
        if (self.window.isVisible() and self._current_screen() == self.ready_screen
                and self.ready_when()):
            self._ready_timer.stop()
            self.is_ready = True
            self.notifier.ready(f"attract screen shown (pid {os.getpid()})")
            log.info("ready: the %s screen is shown", self.ready_screen)

    def _ping(self) -> None:
        self.pings += 1
        self.notifier.watchdog()

    def freeze_ui(self, seconds: float) -> bool:
        """Debug/scenario op ``freeze_ui SECONDS``: block the UI thread (proves the
        watchdog pings come from it). Announced on the notify socket first."""
        self.notifier.status(f"debug: UI thread blocked for {float(seconds):g} s")
        log.warning("debug: blocking the UI thread for %g s", float(seconds))
        time.sleep(float(seconds))
        self.notifier.status("debug: UI thread running again")
        return True


def report_startup_crash(exc: BaseException, out_dir: Path | None) -> None:
    """A crash before the kiosk ran: one readable line for the technician on stderr (the
    journal under systemd), the traceback in the log, a transcript line for a scenario."""
    reason = f"{type(exc).__name__}: {exc}"
    console_line(mask_text(f"kiosk: crashed at start-up (exit 70): {reason}"))
    logging.getLogger("kiosk.crash").critical("crash at start-up: %s", reason, exc_info=exc)
    if out_dir is not None:
        record_crash(out_dir, reason, "start-up")


def record_crash(out_dir: Path, reason: str, phase: str) -> None:
    """Append the crash to the scenario transcript, so a test or technician sees why."""
    out_dir.mkdir(parents=True, exist_ok=True)
    entry = {"summary": True, "ok": False, "crashed": True, "phase": phase,
             "error": reason, "exit_code": 70}
    with (out_dir / "transcript.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def show_out_of_service(app: QApplication, out_dir: Path | None, fullscreen: bool,
                        lang: str, hold_ms: int) -> None:
    """Show the out-of-service screen on its own (the normal UI never came up), keep it
    ``hold_ms`` and return; a screenshot goes to ``out_dir`` when given."""
    from kiosk.ui.screens.basic import OutOfServiceScreen
    from kiosk.ui.theme import style_sheet

    window = QMainWindow()
    window.setWindowTitle("政务服务自助终端 Government Self-Service Kiosk")
    screen = OutOfServiceScreen()
    window.setCentralWidget(screen)
    screen.retranslate(lang)
    screen.set_reasons(["oos.reason.crash"])
    screen.staff.setVisible(False)  # no staff screen behind it: the kiosk never came up
    window.setStyleSheet(style_sheet(large_text=False, high_contrast=False))
    if fullscreen:
        window.showFullScreen()
    else:
        window.resize(1280, 900)
        window.show()
    app.processEvents()
    if out_dir is not None:
        window.grab().save(str(out_dir / "out_of_service.png"))
    QTimer.singleShot(hold_ms, app.quit)
    app.exec()

"""Kiosk lockdown inside the app: what a compositor or window manager lets through.

* The window is frameless and stays on top when fullscreen.
* A close request (window manager, Alt+F4 handled by the WM) is refused unless the app
  itself decided to quit (:meth:`Lockdown.quit`).
* The shortcuts a compositor may pass to the focused window - Alt+F4, Ctrl+Q, Alt+Tab,
  Alt+Esc, Ctrl+Alt+F1..F12 (VT switch) - are swallowed before any widget sees them.
* An event loop that ends without :meth:`Lockdown.quit` is an unexpected exit: the app
  returns the crash code, never 0, so the supervisor restarts it.
"""

from __future__ import annotations

import logging
from functools import cache

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer
from PyQt6.QtGui import QCloseEvent, QKeyEvent
from PyQt6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)


@cache
def _vt_keys() -> frozenset[Qt.Key]:
    # Built on the first key, not at import: the kiosk imports this module before its
    # first frame, which touches no enum of the Qt namespace (see kiosk.ui.qtnames).
    return frozenset(getattr(Qt.Key, f"Key_F{i}") for i in range(1, 13))


def is_blocked_shortcut(key: int, modifiers: Qt.KeyboardModifier) -> bool:
    """True for the key combinations a kiosk must never act on."""
    k = Qt.Key(key) if isinstance(key, int) else key
    alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)
    ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    if alt and ctrl and k in _vt_keys():
        return True
    if alt and k in (Qt.Key.Key_F4, Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Escape):
        return True
    return ctrl and k in (Qt.Key.Key_Q, Qt.Key.Key_W)


class Lockdown(QObject):
    """Installed on the QApplication; owns the decision to quit."""

    def __init__(self, app: QApplication, window: QWidget, *, allow_close: bool = False,
                 filter_now: bool = True) -> None:
        """``allow_close``: development only (``--simulate --windowed``), a close quits
        normally; everywhere else it is refused. ``filter_now=False``: the event filter
        is installed by :meth:`install_filter` (the kiosk does it on its first frame: a
        Python filter on the application sees every event of the first show and paint)."""
        super().__init__(window)
        self.allow_close = allow_close
        self.app = app
        self.window = window
        self.quitting = False
        self.exit_code: int | None = None
        self.refused_closes = 0
        self.swallowed_keys = 0
        app.setQuitOnLastWindowClosed(False)
        self._filtering = False
        if filter_now:
            self.install_filter()

    def install_filter(self) -> None:
        if not self._filtering:
            self._filtering = True
            self.app.installEventFilter(self)

    def lock_window(self) -> None:
        """Frameless, on top of everything: call before showFullScreen(). (Window flags
        have no Qt property to set by name: a fullscreen kiosk builds the Qt namespace's
        enums here, before its first frame; see kiosk.ui.qtnames.)"""
        flags = self.window.windowFlags()
        self.window.setWindowFlags(flags | Qt.WindowType.FramelessWindowHint
                                   | Qt.WindowType.WindowStaysOnTopHint)

    def quit(self, code: int, delay_ms: int = 0) -> None:
        """The app decided to stop with ``code``: closing is allowed from now on."""
        self.quitting = True
        self.exit_code = code
        QTimer.singleShot(delay_ms, self.app.quit)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if event is None:
            return False
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            assert isinstance(event, QKeyEvent)
            if is_blocked_shortcut(event.key(), event.modifiers()):
                if kind is QEvent.Type.KeyPress:
                    self.swallowed_keys += 1
                    log.warning("blocked shortcut ignored (key %s)", event.key())
                event.accept()
                return True
        if kind is QEvent.Type.Close and obj is self.window and not self.quitting:
            assert isinstance(event, QCloseEvent)
            if self.allow_close:
                self.quit(0)
                return False
            event.ignore()
            self.refused_closes += 1
            log.warning("window close refused: the kiosk only stops by itself")
            return True
        return False

    def result(self) -> int:
        """The exit code after the event loop ended."""
        if self.exit_code is not None:
            return self.exit_code
        log.critical("the event loop ended without the kiosk deciding to quit")
        return EXIT_UNEXPECTED


#: The crash code (kiosk.app.EXIT_CRASH): an unexpected stop is never a normal one.
EXIT_UNEXPECTED = 70

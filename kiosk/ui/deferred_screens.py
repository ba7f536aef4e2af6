"""Screens the kiosk makes when first needed, or on idle turns once it is ready.

A resident at the attract screen needs only it, the menu and the out-of-service screen;
the step, result and staff screens (their widgets and their frames in the window) took
0.2-0.5 s of the UI thread before the kiosk could be used (bench/bench_ui.py). They are
made on the first turns after ready, one part per turn so no turn stalls the screen
(made, then framed in the window, then laid out and painted once off-screen: each
2-50 ms), or at once if something asks for one before that (a resident who taps through
before they are all made). The off-screen paint is what a screen's first show cost
besides: its layout and its text's glyphs. Over 8 interleaved runs of the full
certificate scenario the median longest stall stayed at 28 ms, the worst of the runs went
from 58.6 to 34.8 ms (two runs over 50 ms before, none after).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PyQt6.QtCore import QTimer

from kiosk.ui.widgets import Screen
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)

#: Between two parts: taps and repaints get their turns, and a part never runs on
#: straight into the next (or into a screen change) as one long stall.
GAP_MS = 20

S = TypeVar("S", bound=Screen)


class DeferredScreens:
    def __init__(self, window: KioskWindow) -> None:
        self._window = window
        #: Each planned screen's maker: builds it and connects its signals.
        self._makers: dict[str, Callable[[], Screen]] = {}
        #: Made, not yet in the window (an idle turn made it; the next one frames it).
        self._made: dict[str, Screen] = {}
        self._ready: dict[str, Screen] = {}
        #: Laid out and painted once off-screen (or shown already): its first show is cheap.
        self._warmed: set[str] = set()
        self._stopped = False

    def plan(self, key: str, make: Callable[[], Screen]) -> None:
        self._makers[key] = make

    def get(self, key: str, kind: type[S]) -> S:
        """The screen, made and put in the window now if it is not yet."""
        screen = self._ready.get(key)
        if screen is None:
            made = self._made.pop(key) if key in self._made else self._makers[key]()
            screen = self._frame(key, made)
        assert isinstance(screen, kind)
        return screen

    def ensure(self, key: str) -> None:
        """Make the screen now if it is planned and not in the window yet."""
        if key in self._makers and key not in self._ready:
            self.get(key, Screen)

    def built(self, key: str) -> Screen | None:
        """The screen if it is in the window already, else None (nothing is made)."""
        return self._ready.get(key)

    def built_screens(self) -> list[Screen]:
        return list(self._ready.values())

    def pending(self) -> list[str]:
        return [k for k in self._makers if k not in self._ready]

    def make_rest(self) -> None:
        """Make the screens not yet made, one part per turn, GAP_MS apart."""
        QTimer.singleShot(GAP_MS, self._next)

    def stop(self) -> None:
        self._stopped = True

    def _next(self) -> None:
        if self._stopped:
            return
        for key in self._makers:
            if key in self._ready and key not in self._warmed:
                self._warm(key, self._ready[key])
                QTimer.singleShot(GAP_MS, self._next)
                return
            if key in self._ready:
                continue
            if key in self._made:
                self._frame(key, self._made.pop(key))
            else:
                self._made[key] = self._makers[key]()
            QTimer.singleShot(GAP_MS, self._next)
            return
        log.info("screens: all %d made", len(self._ready))

    def _warm(self, key: str, screen: Screen) -> None:
        self._warmed.add(key)
        if self._window.current_screen() is screen:
            return  # on screen already (asked for before its turn)
        frame = self._window.frames[screen.screen_id]
        frame.resize(self._window.stack.size())
        frame.grab()  # lays the hidden frame out and paints it into a pixmap, dropped

    def _frame(self, key: str, screen: Screen) -> Screen:
        self._window.add_screen(screen)
        self._ready[key] = screen
        return screen

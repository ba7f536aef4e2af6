"""Window lockdown in the app: close refused unless the app quits, compositor shortcuts
swallowed, frameless stay-on-top fullscreen, an unexpected stop never exits 0."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication, QLineEdit

from kiosk.ui.lockdown import EXIT_UNEXPECTED, Lockdown, is_blocked_shortcut
from kiosk.ui.window import KioskWindow

K, M = Qt.Key, Qt.KeyboardModifier


@pytest.fixture
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


@pytest.fixture
def locked(app: QApplication) -> Iterator[tuple[KioskWindow, Lockdown, QLineEdit]]:
    window = KioskWindow("KIOSK-LOCK-1", "zh", speech_engine="mock")
    field = QLineEdit()
    window.stack.addWidget(field)
    window.stack.setCurrentWidget(field)
    lockdown = Lockdown(app, window)
    lockdown.lock_window()
    window.show()
    field.setFocus()
    yield window, lockdown, field
    app.removeEventFilter(lockdown)
    lockdown.quitting = True
    window.close()


def test_window_is_frameless_and_on_top(locked: tuple[KioskWindow, Lockdown, QLineEdit]) -> None:
    window, _, _ = locked
    flags = window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    assert flags & Qt.WindowType.WindowStaysOnTopHint


def test_close_is_refused_until_the_app_decides_to_quit(
    locked: tuple[KioskWindow, Lockdown, QLineEdit]
) -> None:
    window, lockdown, _ = locked
    assert window.close() is False
    assert window.isVisible() and lockdown.refused_closes == 1
    lockdown.quit(0, delay_ms=10_000)
    assert window.close() is True


@pytest.mark.parametrize(("key", "mods"), [
    (K.Key_F4, M.AltModifier), (K.Key_Q, M.ControlModifier), (K.Key_Tab, M.AltModifier),
    (K.Key_F1, M.ControlModifier | M.AltModifier), (K.Key_F7, M.ControlModifier | M.AltModifier),
])
def test_compositor_shortcuts_are_swallowed(
    locked: tuple[KioskWindow, Lockdown, QLineEdit], key: Qt.Key, mods: Qt.KeyboardModifier
) -> None:
    window, lockdown, field = locked
    QTest.keyClick(field, key, mods)
    assert lockdown.swallowed_keys == 1
    assert window.isVisible()
    QTest.keyClick(field, K.Key_5)
    assert field.text() == "5"  # ordinary keys still reach the widgets


def test_shortcut_table() -> None:
    assert is_blocked_shortcut(K.Key_F4, M.AltModifier)
    assert is_blocked_shortcut(K.Key_F12, M.ControlModifier | M.AltModifier)
    assert not is_blocked_shortcut(K.Key_F4, M.NoModifier)
    assert not is_blocked_shortcut(K.Key_A, M.ControlModifier)
    assert not is_blocked_shortcut(K.Key_Tab, M.NoModifier)


@pytest.mark.expected_errors
def test_an_event_loop_that_ends_by_itself_is_not_exit_0(
    locked: tuple[KioskWindow, Lockdown, QLineEdit]
) -> None:
    _, lockdown, _ = locked
    assert lockdown.result() == EXIT_UNEXPECTED != 0
    lockdown.quit(0, delay_ms=10_000)
    assert lockdown.result() == 0

"""The layout check (kiosk_sim.layout_check) finds what is cut off or off the screen,
and the screens it runs on never open windows of their own."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QSize
from PyQt6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.basic import AttractScreen
from kiosk.ui.window import KioskWindow
from kiosk_sim.layout_check import clipped, layout_problems


@pytest.fixture(scope="module")
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


def test_text_wider_or_taller_than_its_widget_is_clipped(app: QApplication) -> None:
    root = QWidget()
    column = QVBoxLayout(root)
    short = QPushButton("English")
    wrapped = QLabel("a rather long sentence that must wrap onto several lines here")
    wrapped.setWordWrap(True)
    long_word = QLabel("Householdregistration")
    long_word.setWordWrap(True)
    for w in (short, wrapped, long_word):
        column.addWidget(w)
    root.show()
    short.setFixedWidth(20)
    wrapped.setFixedSize(120, 20)
    long_word.setFixedWidth(30)
    app.processEvents()
    assert "needs" in clipped(short)
    assert "height" in clipped(wrapped)
    assert "word" in clipped(long_word)
    short.setFixedWidth(short.sizeHint().width())
    app.processEvents()
    assert clipped(short) == ""


def test_a_window_grown_past_the_screen_is_a_problem(app: QApplication) -> None:
    window = KioskWindow("T-1", "zh", speech_engine="mock")
    attract = AttractScreen()
    window.add_screen(attract)
    window.show_screen("attract")
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    assert layout_problems(window, QSize(1280, 800)) == []
    assert "window is" in layout_problems(window, QSize(1280, 600))[0]


def test_building_the_screens_opens_no_window_of_their_own(app: QApplication) -> None:
    from tests.ui.test_accessibility import screens

    window = KioskWindow("T-1", "zh", speech_engine="mock")
    window.show()
    app.processEvents()
    built = screens(UiDispatcher())
    app.processEvents()
    strays = [type(w).__name__ for w in QApplication.topLevelWidgets()
              if w.isVisible() and w is not window and not isinstance(w, KioskWindow)]
    assert built and strays == [], strays

"""Every interactive widget has an accessible name and is big enough to touch."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget

from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.screens.basic import AttractScreen, GoodbyeScreen, OutOfServiceScreen
from kiosk.ui.screens.menu import MenuScreen, ResultScreen
from kiosk.ui.screens.scan_documents import ScanDocumentsScreen
from kiosk.ui.screens.staff import DiagnosticsScreen, StaffScreen
from kiosk.ui.screens.steps_data import FormScreen, ReviewScreen
from kiosk.ui.screens.steps_identity import CapturePhotoScreen, IdentifyScreen, VerifyFaceScreen
from kiosk.ui.screens.steps_outcome import PayScreen, PrintReceiptScreen, SubmitScreen
from kiosk.ui.theme import MIN_TOUCH_PX, style_sheet
from kiosk.ui.window import KioskWindow


@pytest.fixture(scope="module")
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


def screens(dispatcher: UiDispatcher) -> list[QWidget]:
    return [AttractScreen(), GoodbyeScreen(), OutOfServiceScreen(), MenuScreen(), ResultScreen(),
            StaffScreen(), DiagnosticsScreen(), IdentifyScreen(dispatcher),
            VerifyFaceScreen(dispatcher), CapturePhotoScreen(dispatcher), FormScreen(dispatcher),
            ScanDocumentsScreen(dispatcher), ReviewScreen(dispatcher), PayScreen(dispatcher),
            SubmitScreen(dispatcher), PrintReceiptScreen(dispatcher), OnScreenKeyboard()]


def test_every_interactive_widget_has_an_accessible_name(app: QApplication) -> None:
    window = KioskWindow("T-1", "zh")
    widgets: list[QWidget] = [window, *screens(UiDispatcher())]
    unnamed = []
    for root in widgets:
        for w in root.findChildren(QWidget):
            if isinstance(w, QAbstractButton | QLineEdit) and not w.accessibleName():
                unnamed.append(f"{type(root).__name__}/{type(w).__name__} {w.text()!r}")
    assert not unnamed, unnamed


def test_touch_targets_are_at_least_64_px(app: QApplication) -> None:
    small = []
    for root in screens(UiDispatcher()):
        for w in root.findChildren(QAbstractButton):
            if w.minimumHeight() < MIN_TOUCH_PX or w.minimumWidth() < MIN_TOUCH_PX:
                small.append(f"{type(root).__name__}/{w.accessibleName()}")
    assert not small, small


def test_themes_change_size_and_colours() -> None:
    normal = style_sheet(high_contrast=False, large_text=False)
    large = style_sheet(high_contrast=False, large_text=True)
    contrast = style_sheet(high_contrast=True, large_text=False)
    assert "font-size: 26px" in normal and "font-size: 39px" in large
    assert "#000000" in contrast and "#000000" not in normal


def test_language_and_modes_toggle_without_losing_the_screen(app: QApplication) -> None:
    window = KioskWindow("T-1", "zh", speech_engine="mock")
    attract = AttractScreen()
    window.add_screen(attract)
    window.show_screen("attract")
    assert attract.title.text() == "政务服务自助终端"
    window.toggle_language()
    assert attract.title.text() == "Government Self-Service Kiosk"
    window.toggle_read_aloud()
    assert window.spoken and "24" in window.spoken[-1]
    window.toggle_large_text()
    window.toggle_contrast()
    assert window.current_screen_id() == "attract"
    assert "✔" in window.status_bar.large_text.text()  # state in words and a mark, not colour

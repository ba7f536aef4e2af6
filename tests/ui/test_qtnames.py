"""The first frame's widgets set Qt's enum properties by name (kiosk.ui.qtnames): they get
the same settings, and what waits for the first frame (the pointing hand, finger
scrolling) comes with the pointer or once the frame is shown. The app process itself is
checked in tests/perf/test_startup.py."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QEnterEvent
from PyQt6.QtWidgets import QApplication, QLabel, QScroller

from kiosk.ui.icons import Picture
from kiosk.ui.qtnames import set_keys
from kiosk.ui.screens.basic import AttractScreen
from kiosk.ui.tiles import ServiceTile
from kiosk.ui.widgets import label, touch_button
from kiosk.ui.window import KioskWindow


@pytest.fixture(scope="module")
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


def test_keys_by_name_set_the_enum_and_a_wrong_name_raises(app: QApplication) -> None:
    widget = QLabel()
    set_keys(widget, "alignment", "AlignHCenter|AlignTop")
    assert widget.alignment() == Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
    with pytest.raises(ValueError, match="AlignMiddle"):
        set_keys(widget, "alignment", "AlignMiddle")
    with pytest.raises(ValueError, match="windowFlags"):
        set_keys(widget, "windowFlags", "FramelessWindowHint")


def test_labels_and_buttons_get_what_they_had(app: QApplication) -> None:
    text = label("x")
    assert text.textInteractionFlags() == Qt.TextInteractionFlag.NoTextInteraction
    button = touch_button("OK", "ok")
    assert button.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert button.cursor().shape() == Qt.CursorShape.ArrowCursor
    QApplication.sendEvent(button, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    assert button.cursor().shape() == Qt.CursorShape.PointingHandCursor
    picture = Picture("service-default", 48)
    assert picture.alignment() == Qt.AlignmentFlag.AlignCenter
    image = picture.pixmap().toImage()
    assert image.pixelColor(0, 0).alpha() == 0  # the corner is see-through
    tile = ServiceTile("svc", "service-default", 48)
    assert tile.picture.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


def test_finger_scrolling_once_the_first_frame_is_shown(app: QApplication) -> None:
    window = KioskWindow("T-1", "zh", speech_engine="mock")
    window.add_screen(AttractScreen())
    early = window.frames["attract"]
    assert early.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    viewport = early.viewport()
    assert viewport is not None and not QScroller.hasScroller(viewport)
    window.first_frame_shown()
    assert viewport.property("kinetic") is True
    late = AttractScreen()
    late.screen_id = "attract_again"
    window.add_screen(late)
    late_viewport = window.frames["attract_again"].viewport()
    assert late_viewport is not None and late_viewport.property("kinetic") is True

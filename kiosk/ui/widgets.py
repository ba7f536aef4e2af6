"""Small widgets every screen uses: touch buttons, titled cards, the status bar.

Stable ids and accessible names: every widget a scenario (kiosk_sim) taps or reads has a
stable id of its own, the ``kiosk_id`` property (``start``, ``cancel``, a service id,
``option <value>``), which never changes with the language. Its accessible name, what a
screen reader says, is in the session's language: :func:`name_widgets` sets it from
``a11y.<id>`` in the locale files, or else from the button's own (translated) text.
"""

from __future__ import annotations

import re

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QEnterEvent
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScroller,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import has_key, translate
from kiosk.ui.qtnames import set_keys
from kiosk.ui.theme import MIN_TOUCH_PX

ID_PROPERTY = "kiosk_id"
_MARKS = re.compile(r"^[✔✖⚠○①②③⌨\s]+")


def set_id(widget: QWidget, stable_id: str, name: str = "") -> None:
    """Give ``widget`` its stable id (and an accessible name until :func:`name_widgets`)."""
    widget.setProperty(ID_PROPERTY, stable_id)
    widget.setAccessibleName(name or stable_id)


def stable_id(widget: QWidget) -> str:
    value = widget.property(ID_PROPERTY)
    return str(value) if value else widget.accessibleName()


def a11y_key(stable: str) -> str:
    return "a11y." + re.sub(r"[^a-z0-9]+", "_", stable.lower()).strip("_")


def accessible_text(widget: QWidget, lang: str) -> str:
    """The accessible name ``widget`` should have in ``lang`` ("" to leave it as it is)."""
    stable = widget.property(ID_PROPERTY)
    if not stable:
        return ""
    spoken = widget.property("spoken")  # a widget that knows better (a service tile)
    if spoken:
        return str(spoken)
    key = a11y_key(str(stable))
    if has_key(key):
        return translate(key, lang)
    if isinstance(widget, QAbstractButton) and widget.text().strip():
        first = widget.text().strip().splitlines()[0]
        return _MARKS.sub("", first).strip() or first
    if isinstance(widget, QLineEdit) and widget.placeholderText():
        return widget.placeholderText()
    return ""


def name_widgets(root: QWidget, lang: str) -> None:
    """Set the accessible name of ``root`` and every widget under it with a stable id."""
    for widget in [root, *root.findChildren(QWidget)]:
        text = accessible_text(widget, lang)
        if text and widget.accessibleName() != text:
            widget.setAccessibleName(text)


def kinetic(area: QAbstractScrollArea) -> None:
    """Finger scrolling (QScroller) on a scroll area: drag to scroll, flick to glide."""
    viewport = area.viewport()
    if viewport is None or viewport.property("kinetic"):
        return
    viewport.setProperty("kinetic", True)
    QScroller.grabGesture(viewport, QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    set_keys(area, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")


def kinetic_everywhere(root: QWidget) -> None:
    for area in root.findChildren(QAbstractScrollArea):
        kinetic(area)


class TouchButton(QPushButton):
    """A push button that shows the pointing hand once a pointer comes over it.

    Set then, not when the button is made: the first frame's buttons touch no enum of
    the Qt namespace (see :mod:`kiosk.ui.qtnames`)."""

    _pointing = False

    def enterEvent(self, event: QEnterEvent | None) -> None:
        if not self._pointing:
            self._pointing = True
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        super().enterEvent(event)


def touch_button(text: str, stable: str, kind: str = "") -> QPushButton:
    """A button at least 64 px each way, with a stable id scenario files can tap."""
    button = TouchButton(text)
    set_id(button, stable)
    button.setObjectName(kind or "plain")
    button.setMinimumSize(MIN_TOUCH_PX, MIN_TOUCH_PX)
    set_keys(button, "focusPolicy", "StrongFocus")
    return button


def label(text: str = "", role: str = "", *, wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setObjectName(role)
    widget.setWordWrap(wrap)
    set_keys(widget, "textInteractionFlags", "NoTextInteraction")
    return widget


def card_frame() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(32, 28, 32, 28)
    layout.setSpacing(18)
    return frame, layout


class StatusBar(QFrame):
    """Bottom bar: time, terminal id, unavailable services, language and accessibility.

    One row when it fits; when the buttons and the information do not fit side by side
    (large text on a narrow screen) the information moves to a row of its own above the
    buttons, so nothing is cut off. Others add buttons with :meth:`add_button` (placed
    before the language button).
    """

    language_clicked = pyqtSignal()
    large_text_clicked = pyqtSignal()
    contrast_clicked = pyqtSignal()
    read_aloud_clicked = pyqtSignal()
    help_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("statusbar")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(20, 8, 20, 8)
        self.column.setSpacing(6)
        self.info_row = QHBoxLayout()
        self.info_row.setSpacing(16)
        self.row = QHBoxLayout()
        self.row.setSpacing(12)
        self.column.addLayout(self.info_row)
        self.column.addLayout(self.row)
        self.clock = label("", wrap=False)
        set_id(self.clock, "clock")
        self.terminal = label("", wrap=False)
        set_id(self.terminal, "terminal")
        self.unavailable = label("", wrap=True)
        set_id(self.unavailable, "unavailable services")
        self.language = self._button("language")
        self.large_text = self._button("large text")
        self.contrast = self._button("high contrast")
        self.read_aloud = self._button("read aloud")
        self.help = self._button("help")
        self.buttons: list[QPushButton] = [self.read_aloud, self.contrast, self.large_text,
                                           self.help, self.language]
        self.two_rows = False
        self._place()
        self.language.clicked.connect(self.language_clicked)
        self.large_text.clicked.connect(self.large_text_clicked)
        self.contrast.clicked.connect(self.contrast_clicked)
        self.read_aloud.clicked.connect(self.read_aloud_clicked)
        self.help.clicked.connect(self.help_clicked)

    @staticmethod
    def _button(stable: str) -> QPushButton:
        button = TouchButton()
        set_id(button, stable)
        button.setMinimumHeight(MIN_TOUCH_PX)
        button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        return button

    def add_button(self, button: QPushButton) -> None:
        """Another status-bar button (e.g. the resident's help), before the language one."""
        button.setMinimumHeight(MIN_TOUCH_PX)
        button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.buttons.insert(len(self.buttons) - 1, button)
        self._place()

    def _place(self) -> None:
        for layout in (self.info_row, self.row):
            while layout.count():
                layout.takeAt(0)
        info = self.info_row if self.two_rows else self.row
        info.addWidget(self.clock)
        info.addWidget(self.terminal)
        info.addWidget(self.unavailable, 1)
        for button in self.buttons:
            self.row.addWidget(button)
        if self.two_rows:
            self.row.insertStretch(0, 1)

    def needed_width(self) -> int:
        """The width one row needs (information and every button)."""
        margins = self.column.contentsMargins()
        widgets = [self.clock, self.terminal, *self.buttons]
        shown = [w for w in widgets if not w.isHidden()]
        width = sum(w.sizeHint().width() for w in shown) + self.row.spacing() * len(shown)
        unavailable = self.unavailable.text()
        if unavailable:
            width += min(self.unavailable.fontMetrics().horizontalAdvance(unavailable), 320)
        return width + margins.left() + margins.right()

    def reflow(self, width: int) -> None:
        two = self.needed_width() > width
        if two != self.two_rows:
            self.two_rows = two
            self._place()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.reflow(self.width())


class Screen(QWidget):
    """Base of every screen: a stable id, a prompt to read aloud, and retranslation."""

    screen_id = "screen"

    def __init__(self) -> None:
        super().__init__()
        self.lang = "zh"

    def prompt_text(self) -> str:
        """What read-aloud says when this screen shows."""
        return ""

    def retranslate(self, lang: str) -> None:
        self.lang = lang

    def set_large_text(self, large: bool) -> None:
        """The text size changed (elder mode): screens that reflow override this."""

    def on_show(self) -> None:
        """Called each time the screen is shown."""

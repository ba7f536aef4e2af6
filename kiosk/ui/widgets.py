"""Small widgets every screen uses: touch buttons, titled cards, the status bar."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.theme import MIN_TOUCH_PX


def touch_button(text: str, accessible_name: str, kind: str = "") -> QPushButton:
    """A button at least 64 px each way with an accessible name scenario files can tap."""
    button = QPushButton(text)
    button.setAccessibleName(accessible_name)
    button.setObjectName(kind or "plain")
    button.setMinimumSize(MIN_TOUCH_PX, MIN_TOUCH_PX)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return button


def label(text: str = "", role: str = "", *, wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setObjectName(role)
    widget.setWordWrap(wrap)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return widget


def card_frame() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(32, 28, 32, 28)
    layout.setSpacing(18)
    return frame, layout


class StatusBar(QFrame):
    """Bottom bar: time, terminal id, unavailable services, language and accessibility."""

    language_clicked = pyqtSignal()
    large_text_clicked = pyqtSignal()
    contrast_clicked = pyqtSignal()
    read_aloud_clicked = pyqtSignal()
    help_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("statusbar")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 8, 20, 8)
        row.setSpacing(16)
        self.clock = label("", wrap=False)
        self.clock.setAccessibleName("clock")
        self.terminal = label("", wrap=False)
        self.unavailable = label("", wrap=True)
        self.unavailable.setAccessibleName("unavailable services")
        self.language = QPushButton()
        self.language.setAccessibleName("language")
        self.large_text = QPushButton()
        self.large_text.setAccessibleName("large text")
        self.contrast = QPushButton()
        self.contrast.setAccessibleName("high contrast")
        self.read_aloud = QPushButton()
        self.read_aloud.setAccessibleName("read aloud")
        self.help = QPushButton()
        self.help.setAccessibleName("help")
        for button in (self.language, self.large_text, self.contrast, self.read_aloud, self.help):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setMinimumHeight(MIN_TOUCH_PX)
        row.addWidget(self.clock)
        row.addWidget(self.terminal)
        row.addWidget(self.unavailable, 1)
        row.addWidget(self.read_aloud)
        row.addWidget(self.contrast)
        row.addWidget(self.large_text)
        row.addWidget(self.help)
        row.addWidget(self.language)
        self.language.clicked.connect(self.language_clicked)
        self.large_text.clicked.connect(self.large_text_clicked)
        self.contrast.clicked.connect(self.contrast_clicked)
        self.read_aloud.clicked.connect(self.read_aloud_clicked)
        self.help.clicked.connect(self.help_clicked)


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

    def on_show(self) -> None:
        """Called each time the screen is shown."""

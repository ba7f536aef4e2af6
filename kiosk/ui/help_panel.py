"""Help for residents: what the current screen asks of them (also read aloud), and a
button that calls staff.

The status bar's help button opens it; a long press on the same button opens the staff
PIN screen instead (how staff get in: README). The text is per screen
(``help.<screen id>``, ":" as "."; ``help.default`` otherwise).
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, QTimer, pyqtSignal
from PyQt6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QVBoxLayout

from kiosk.i18n import has_key, translate
from kiosk.ui.widgets import label, name_widgets, set_id, touch_button

#: How long a press on the help button must last to open the staff screen.
LONG_PRESS_MS = 1500


def help_key(screen_id: str) -> str:
    key = "help." + screen_id.replace(":", ".")
    return key if has_key(key) else "help.default"


class HelpPanel(QFrame):
    read_clicked = pyqtSignal()
    call_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        self.lang = "zh"
        self.screen_id = ""
        #: Staff were called from this panel (until it closes).
        self.called = False
        column = QVBoxLayout(self)
        column.setContentsMargins(24, 12, 24, 12)
        self.title = label(role="title")
        self.text = label(role="prompt")
        set_id(self.text, "help text")
        self.status = label(role="prompt")
        set_id(self.status, "help call status")
        column.addWidget(self.title)
        column.addWidget(self.text)
        column.addWidget(self.status)
        row = QHBoxLayout()
        self.close_button = touch_button("", "close help", "")
        self.read = touch_button("", "read help aloud", "")
        self.call = touch_button("", "call staff", "primary")
        self.close_button.clicked.connect(self.hide_help)
        self.read.clicked.connect(self.read_clicked)
        self.call.clicked.connect(self.call_clicked)
        row.addWidget(self.close_button)
        row.addStretch(1)
        row.addWidget(self.read)
        row.addWidget(self.call)
        column.addLayout(row)
        self.setVisible(False)

    def show_for(self, screen_id: str, lang: str) -> None:
        if screen_id != self.screen_id:
            self.called = False
        self.screen_id = screen_id
        self.retranslate(lang)
        self.setVisible(True)

    def hide_help(self) -> None:
        self.called = False
        self.setVisible(False)

    def set_called(self) -> None:
        self.called = True
        self.retranslate(self.lang)

    def help_text(self) -> str:
        return translate(help_key(self.screen_id), self.lang)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.title.setText("？ " + translate("help.title", lang))
        self.text.setText(self.help_text())
        self.status.setText("✔ " + translate("help.called", lang) if self.called else "")
        self.status.setVisible(self.called)
        self.close_button.setText(translate("help.close", lang))
        self.read.setText(translate("help.read", lang))
        self.call.setText(translate("help.call_staff", lang))
        self.call.setEnabled(not self.called)
        name_widgets(self, lang)


class LongPress(QObject):
    """Tells a short tap (the button's own click) from a long press on ``button``."""

    long_pressed = pyqtSignal()

    def __init__(self, button: QAbstractButton) -> None:
        super().__init__(button)
        self.button = button
        self._fired = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LONG_PRESS_MS)
        self._timer.timeout.connect(self._fire)
        button.installEventFilter(self)

    def _fire(self) -> None:
        self._fired = True
        self.long_pressed.emit()

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if obj is not self.button or event is None:
            return False
        if event.type() == QEvent.Type.MouseButtonPress:
            self._fired = False
            self._timer.start()
        elif event.type() == QEvent.Type.MouseButtonRelease:
            self._timer.stop()
            if self._fired:  # the long press was the action: no click as well
                self._fired = False
                self.button.setDown(False)
                return True
        return False

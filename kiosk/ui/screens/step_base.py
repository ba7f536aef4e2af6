"""The frame every service step screen shares.

A step screen renders one step controller (kiosk/flow/steps): a title, the prompt for
the controller's state (message key ``step.<type>.<state>``), its error, a progress bar
while work runs, and Back / Cancel. Subclasses add the step's own widgets. Controllers
notify on worker threads; the screen re-renders on the UI thread via the dispatcher.
"""

from __future__ import annotations

import io
from typing import Any

import qrcode
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QPixmap
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.widgets import Screen, card_frame, label, touch_button


def qr_pixmap(payload: str, size: int = 320) -> QPixmap:
    img = qrcode.make(payload, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    pix = QPixmap()
    pix.loadFromData(buf.getvalue(), "PNG")
    return pix.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                      Qt.TransformationMode.SmoothTransformation)


def image_pixmap(data: bytes, max_w: int = 480, max_h: int = 360) -> QPixmap:
    pix = QPixmap()
    pix.loadFromData(data)
    return pix.scaled(max_w, max_h, Qt.AspectRatioMode.KeepAspectRatio,
                      Qt.TransformationMode.SmoothTransformation)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class StepScreen(Screen):
    back_clicked = pyqtSignal()
    cancel_clicked = pyqtSignal()

    step_type = "step"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__()
        self.screen_id = f"step:{self.step_type}"
        self.dispatcher = dispatcher
        self.controller: Any = None
        self.service_title = ""
        self._unsubscribe: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 30, 60, 24)
        outer.setSpacing(16)
        self.service_label = label(role="muted")
        self.title = label(role="title")
        self.prompt = label(role="prompt")
        self.prompt.setAccessibleName("prompt")
        self.error = label(role="error")
        self.error.setAccessibleName("error")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("progress")
        self.progress.setTextVisible(True)
        outer.addWidget(self.service_label)
        outer.addWidget(self.title)
        outer.addWidget(self.prompt)
        self.body_frame, self.body = card_frame()
        outer.addWidget(self.body_frame, 1)
        outer.addWidget(self.error)
        outer.addWidget(self.progress)
        self.buttons = QHBoxLayout()
        self.cancel = touch_button("", "cancel", "danger")
        self.back = touch_button("", "back", "")
        self.cancel.clicked.connect(self.cancel_clicked)
        self.back.clicked.connect(self.back_clicked)
        self.buttons.addWidget(self.cancel)
        self.buttons.addWidget(self.back)
        self.buttons.addStretch(1)
        outer.addLayout(self.buttons)
        self.can_go_back = False

    def add_action(self, accessible_name: str, kind: str = "primary") -> QPushButton:
        button = touch_button("", accessible_name, kind)
        self.buttons.addWidget(button)
        return button

    def bind(self, controller: Any, service_title: str, can_go_back: bool) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        self.controller = controller
        self.service_title = service_title
        self.can_go_back = can_go_back
        self._unsubscribe = controller.subscribe(
            lambda _c: self.dispatcher.post(self._refresh_if_bound(controller)))
        self.refresh()

    def _refresh_if_bound(self, controller: Any) -> Any:
        def run() -> None:
            if self.controller is controller:
                self.refresh()
        return run

    def unbind(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        self._unsubscribe = None
        self.controller = None
        self.clear_personal()

    def clear_personal(self) -> None:
        """Drop whatever personal data the widgets show (subclasses extend)."""

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.cancel.setText(translate("common.cancel", lang))
        self.back.setText(translate("common.back", lang))
        if self.controller is not None:
            self.refresh()

    def state_key(self) -> str:
        return f"step.{self.step_type}.{self.controller.state.value}"

    def refresh(self) -> None:
        c, lang = self.controller, self.lang
        if c is None:
            return
        self.service_label.setText(self.service_title)
        self.title.setText(self.step_title())
        self.prompt.setText(translate(self.state_key(), lang))
        err = c.error
        self.error.setText(("⚠ " + translate(err.message_key, lang, **err.params)) if err else "")
        self.error.setVisible(err is not None)
        if c.progress is None:
            self.progress.setVisible(False)
        else:
            self.progress.setVisible(True)
            self.progress.setValue(int(c.progress * 100))
        self.back.setVisible(self.can_go_back)
        self.render_body()

    def step_title(self) -> str:
        return translate(f"step.{self.step_type}.title", self.lang)

    def render_body(self) -> None:
        """Subclasses show their step's widgets."""

    def prompt_text(self) -> str:
        return self.prompt.text()

    @staticmethod
    def clear_layout(layout: Any) -> None:
        while layout.count():
            item = layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
            elif item is not None and item.layout() is not None:
                StepScreen.clear_layout(item.layout())


class ImageBox(QLabel):
    def __init__(self, accessible_name: str) -> None:
        super().__init__()
        self.setAccessibleName(accessible_name)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(200)

    def show_bytes(self, data: bytes | None) -> None:
        if data:
            self.setPixmap(image_pixmap(data))
        else:
            self.clear()


def row_widget(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    return holder

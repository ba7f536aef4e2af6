"""The frame every service step screen shares.

A step screen renders one step controller (kiosk/flow/steps): a title, the prompt for
the controller's state (message key ``step.<type>.<state>``), its error, a progress bar
while work runs, and Back / Cancel. Subclasses add the step's own widgets. Controllers
notify on worker threads; the screen re-renders on the UI thread via the dispatcher.
"""

from __future__ import annotations

import io
from typing import Any

from PyQt6.QtCore import QEvent, QObject, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QPixmap
from PyQt6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import has_key, translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.icons import Picture
from kiosk.ui.widgets import (
    Screen,
    card_frame,
    kinetic,
    label,
    name_widgets,
    set_id,
    touch_button,
)

#: The picture beside a step's prompt: where to put something, or what to take.
ILLUSTRATIONS = {
    "verify_face": "face",
    "capture_photo": "face",
    "scan_documents": "place_page",
    "print_certificate": "take_certificate",
    "print_receipt": "take_receipt",
}


def qr_pixmap(payload: str, size: int = 320) -> QPixmap:
    import qrcode  # PIL: imported when a code is first drawn, not before the first frame

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


def step_name(step: Any, lang: str) -> str:
    """A short name for a step in the step indicator."""
    key = f"stepname.{step.type}"
    if has_key(key):
        return translate(key, lang)
    title = getattr(step, "title", None)
    return str(title.get(lang)) if title is not None else translate(f"step.{step.type}.title", lang)


class StepIndicator(QFrame):
    """Where the resident is: "第2步/共5步" with the step's name, and one bar per step
    (done, now, to come) with the names under them when the width allows."""

    def __init__(self, service_label: QLabel) -> None:
        super().__init__()
        self.setObjectName("steps")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        top = QHBoxLayout()
        self.count = label(role="step_count")
        set_id(self.count, "step indicator")
        top.addWidget(service_label, 1)
        top.addWidget(self.count)
        column.addLayout(top)
        self.wanted = True
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(2)
        column.addLayout(self.grid)
        self.names: list[str] = []
        self.index = -1
        self._bars: list[QFrame] = []
        self._labels: list[QLabel] = []

    def show_steps(self, names: list[str], index: int, lang: str) -> bool:
        """Show step ``index`` of ``names``; False (and nothing shown) for a single step."""
        self.wanted = len(names) > 1 and index >= 0
        if not self.wanted:
            self.count.clear()
            for widget in [*self._bars, *self._labels]:
                widget.setVisible(False)
            return False
        if names != self.names:
            self.names = names
            self._rebuild()
        for bar in self._bars:
            bar.setVisible(True)
        self.index = index
        self.count.setText(translate("steps.count", lang, n=index + 1, total=len(names),
                                     name=names[index]))
        for i, (bar, text) in enumerate(zip(self._bars, self._labels, strict=True)):
            state = "done" if i < index else "now" if i == index else "next"
            if bar.property("state") != state:
                bar.setProperty("state", state)
                style = bar.style()
                if style is not None:
                    style.unpolish(bar)
                    style.polish(bar)
            role = "step_now" if state == "now" else "step_done" if state == "done" \
                else "step_next"
            if text.objectName() != role:  # (re-resolving a style costs: only on a change)
                text.setObjectName(role)
                text.setStyleSheet("")  # re-resolve the role's style
        self._fit_names()
        return True

    def _rebuild(self) -> None:
        for widget in [*self._bars, *self._labels]:
            widget.setParent(None)
            widget.deleteLater()
        self._bars, self._labels = [], []
        for i, name in enumerate(self.names):
            bar = QFrame()
            bar.setObjectName("step_bar")
            bar.setFixedHeight(8)
            text = label(f"{i + 1} {name}", "step_next", wrap=False)
            text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.grid.addWidget(bar, 0, i)
            self.grid.addWidget(text, 1, i)
            self.grid.setColumnStretch(i, 1)
            self._bars.append(bar)
            self._labels.append(text)

    def _fit_names(self) -> None:
        """Names under the bars only when every one fits its column (elder mode on a
        narrow screen shows the bars and the "step n of m" line alone)."""
        if not self._labels:
            return
        spacing = self.grid.horizontalSpacing() * (len(self._labels) - 1)
        column = (self.width() - spacing) // len(self._labels)
        fits = all(t.sizeHint().width() <= column for t in self._labels)
        for text in self._labels:
            text.setVisible(fits)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit_names()


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
        outer.setContentsMargins(48, 20, 48, 16)
        outer.setSpacing(10)
        self.service_label = label(role="muted")
        self.steps = StepIndicator(self.service_label)
        self.title = label(role="title")
        self.prompt = label(role="prompt")
        set_id(self.prompt, "prompt")
        self.error = label(role="error")
        set_id(self.error, "error")
        self.error.setVisible(False)
        self.progress = QProgressBar()
        set_id(self.progress, "progress")
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        head = QHBoxLayout()
        head.setSpacing(24)
        texts = QVBoxLayout()
        texts.setSpacing(8)
        texts.addWidget(self.steps)
        texts.addWidget(self.title)
        texts.addWidget(self.prompt)
        texts.addStretch(1)
        head.addLayout(texts, 1)
        self.picture = Picture(ILLUSTRATIONS.get(self.step_type, ""), 200, 150,
                               illustration=True)
        set_id(self.picture, "illustration")
        head.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(head)
        self.picture.setVisible(self.step_type in ILLUSTRATIONS)  # (once it has a parent)
        self.body_frame, self.body = card_frame()
        self.body_scroll = QScrollArea()
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setWidget(self.body_frame)
        kinetic(self.body_scroll)
        outer.addWidget(self.body_scroll, 1)
        self.below_body = QVBoxLayout()
        outer.addLayout(self.below_body)
        outer.addWidget(self.error)
        outer.addWidget(self.progress)
        self.button_bar = QWidget()
        self.buttons = QHBoxLayout(self.button_bar)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.cancel = touch_button("", "cancel", "danger")
        self.back = touch_button("", "back", "")
        self.cancel.clicked.connect(self.cancel_clicked)
        self.back.clicked.connect(self.back_clicked)
        self.buttons.addWidget(self.cancel)
        self.buttons.addWidget(self.back)
        self.buttons.addStretch(1)
        outer.addWidget(self.button_bar)
        self.can_go_back = False
        self.large = False
        self._compact = False

    def add_below_body(self, widget: QWidget) -> None:
        """A widget under the body, outside its scrolling (an on-screen keyboard). While
        it is shown the screen is compact, to make room: no prompt, picture or step
        indicator, and the keyboard's ✓ stands in for the buttons until it closes."""
        self.below_body.addWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() in (QEvent.Type.Show, QEvent.Type.Hide) \
                and isinstance(obj, QWidget) and obj.parentWidget() is self:
            self._compact = event.type() == QEvent.Type.Show
            self._apply_compact()
            if self._compact:
                QTimer.singleShot(50, self._reveal_focus)
        return False

    def _reveal_focus(self) -> None:
        """Once the screen is compact, scroll the field being typed in into view."""
        focus = QApplication.focusWidget()
        if focus is None or not self.isAncestorOf(focus):
            return
        parent = focus.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(focus, 10, 10)

    def _apply_compact(self) -> None:
        compact = getattr(self, "_compact", False)
        self.prompt.setVisible(not compact)
        self.button_bar.setVisible(not compact)
        margin = 8 if compact else 32
        self.body.setContentsMargins(margin, margin if compact else 28, margin,
                                     margin if compact else 28)
        self.steps.setVisible(not compact and (self.steps.wanted or bool(self.service_title)))
        self.picture.setVisible(not compact and bool(self.picture.name) and self.large_ok())

    def large_ok(self) -> bool:
        """The picture shows in large text too, unless the screen is short."""
        return not (self.large and self.height() < 760)

    def set_large_text(self, large: bool) -> None:
        self.large = large
        self.picture.set_box(*((160, 120) if large else (200, 150)))
        self._apply_compact()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._apply_compact()

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
        self._show_steps()
        self.render_body()
        name_widgets(self, lang)

    def _show_steps(self) -> None:
        """The step indicator: this step's place among the service's steps."""
        c = self.controller
        context = getattr(c, "context", None)
        service = getattr(context, "service", None)
        steps = list(getattr(service, "steps", ()) or ()) if self.service_title else []
        current = getattr(c, "step", None)
        index = next((i for i, step in enumerate(steps) if step is current), -1)
        self.steps.show_steps([step_name(step, self.lang) for step in steps], index, self.lang)
        self._apply_compact()

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
    """A picture (QR code, photo) drawn as large as the space it gets allows, from
    ``min_px`` up to its own size: it never makes the screen taller than it is."""

    def __init__(self, accessible_name: str, min_px: int = 160) -> None:
        super().__init__()
        set_id(self, accessible_name)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setMinimumSize(min_px, min_px)
        self._source: QPixmap | None = None

    def setPixmap(self, pixmap: QPixmap) -> None:
        self._source = pixmap
        self._fit()

    def clear(self) -> None:
        self._source = None
        super().clear()

    def show_bytes(self, data: bytes | None) -> None:
        if data:
            pix = QPixmap()
            pix.loadFromData(data)
            self.setPixmap(pix)
        else:
            self.clear()

    def sizeHint(self) -> QSize:
        if self._source is None:
            return self.minimumSize()
        return self._source.size()

    def _fit(self) -> None:
        if self._source is None or self._source.isNull():
            return
        w = min(self.width(), self._source.width())
        h = min(self.height(), self._source.height())
        super().setPixmap(self._source.scaled(
            max(1, w), max(1, h), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()


def row_widget(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    return holder

"""The signature step: a pad the resident signs on with a finger, confirm or sign again.

The strokes live in this widget's memory only; after each stroke the pad renders them to
a PNG and hands it to the step controller, which keeps it in the session's temp dir.
Touch screens deliver a finger as mouse events (Qt synthesises them from touch), so the
pad listens to the mouse. Nothing of a signature is logged.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.step_base import StepScreen
from kiosk.ui.widgets import label, set_id

#: The stored image's size (the pad scales to it): enough for a legible signature.
IMAGE_W, IMAGE_H = 900, 300
INK = QColor("#0b1f4d")


class SignaturePad(QWidget):
    """Collects strokes (lists of points, in 0..1 pad coordinates) and paints them."""

    stroke_finished = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        set_id(self, "signature pad")
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, False)  # mouse: synthesised
        self.strokes: list[list[QPointF]] = []
        self._drawing = False
        self.enabled_for_input = True

    @property
    def empty(self) -> bool:
        return not any(len(s) > 1 for s in self.strokes)

    def clear(self) -> None:
        self.strokes = []
        self._drawing = False
        self.update()

    def _norm(self, event: QMouseEvent) -> QPointF:
        p = event.position()
        w, h = max(1, self.width()), max(1, self.height())
        return QPointF(min(1.0, max(0.0, p.x() / w)), min(1.0, max(0.0, p.y() / h)))

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is None or not self.enabled_for_input:
            return
        self._drawing = True
        self.strokes.append([self._norm(event)])
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is None or not self._drawing:
            return
        self.strokes[-1].append(self._norm(event))
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        if event is None or not self._drawing:
            return
        self._drawing = False
        self.strokes[-1].append(self._norm(event))
        self.update()
        self.stroke_finished.emit()

    def paintEvent(self, _event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        painter.setPen(QPen(QColor("#9aa7bd"), 2, Qt.PenStyle.DashLine))
        base = int(self.height() * 0.8)
        painter.drawLine(24, base, self.width() - 24, base)  # the line to sign on
        self._paint_strokes(painter, self.width(), self.height(), 5.0)
        painter.end()

    def _paint_strokes(self, painter: QPainter, w: int, h: int, pen_w: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(INK, pen_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        for stroke in self.strokes:
            if not stroke:
                continue
            path = QPainterPath(QPointF(stroke[0].x() * w, stroke[0].y() * h))
            for point in stroke[1:]:
                path.lineTo(QPointF(point.x() * w, point.y() * h))
            painter.drawPath(path)

    def to_png(self) -> bytes:
        """The strokes as a PNG, ink on white, IMAGE_W x IMAGE_H."""
        image = QImage(IMAGE_W, IMAGE_H, QImage.Format.Format_RGB32)
        image.fill(QColor("#ffffff"))
        painter = QPainter(image)
        self._paint_strokes(painter, IMAGE_W, IMAGE_H, 6.0)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        return bytes(data.data())


class SignScreen(StepScreen):
    step_type = "sign"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.statement = label(role="prompt")
        set_id(self.statement, "statement")
        self.pad = SignaturePad()
        self.pad.stroke_finished.connect(self._stroke)
        self.body.addWidget(self.statement)
        self.body.addWidget(self.pad, 1)
        self.clear_button = self.add_action("clear signature", "danger")
        self.clear_button.clicked.connect(self._clear)
        self.confirm = self.add_action("confirm signature")
        self.confirm.clicked.connect(lambda: self.controller and self.controller.confirm())

    def bind(self, controller: Any, service_title: str, can_go_back: bool) -> None:
        if controller is not self.controller:
            self.pad.clear()
        super().bind(controller, service_title, can_go_back)

    def step_title(self) -> str:
        return str(self.controller.step.title.get(self.lang))

    def _stroke(self) -> None:
        c = self.controller
        if c is None or self.pad.empty:
            return
        c.set_signature(self.pad.to_png())

    def _clear(self) -> None:
        self.pad.clear()
        if self.controller is not None:
            self.controller.clear()

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        self.statement.setText(c.step.statement.get(lang))
        self.pad.enabled_for_input = state != "confirmed"
        if state == "empty" and not self.pad.empty and c.path is None:
            self.pad.clear()
        self.clear_button.setText(translate("sign.clear", lang))
        self.confirm.setText(translate("sign.confirm", lang))
        self.confirm.setEnabled(state == "signed")
        self.clear_button.setEnabled(state != "confirmed")

    def clear_personal(self) -> None:
        self.pad.clear()

"""The document camera's live view and the manual corner editor of the scan screen.

Both show an image scaled into the widget with the page's outline drawn over it. The
live view paints finished preview frames (converted on the UI thread from the small
BGR arrays the camera's worker produced). The corner editor shows the still whose page
was not found, with four round handles a finger drags to the page's corners.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PyQt6.QtWidgets import QSizePolicy, QWidget

Point = tuple[float, float]
HANDLE_RADIUS = 26  # a fingertip


def bgr_pixmap(image: Any) -> QPixmap:
    """A QPixmap of a BGR uint8 numpy array (copied: the array may be reused)."""
    height, width = image.shape[:2]
    qimage = QImage(image.data, width, height, int(image.strides[0]),
                    QImage.Format.Format_BGR888)
    return QPixmap.fromImage(qimage.copy())


class _ImageWithOutline(QWidget):
    def __init__(self, accessible_name: str) -> None:
        super().__init__()
        self.setAccessibleName(accessible_name)
        self.setMinimumSize(400, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._pixmap: QPixmap | None = None
        self._corners: list[Point] | None = None
        self.placeholder = ""

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def _target(self) -> QRectF:
        """Where the image is drawn (kept in proportion, centred)."""
        if self._pixmap is None or self._pixmap.isNull():
            return QRectF(self.rect())
        pw, ph = self._pixmap.width(), self._pixmap.height()
        scale = min(self.width() / pw, self.height() / ph)
        w, h = pw * scale, ph * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _to_widget(self, point: Point) -> QPointF:
        t = self._target()
        return QPointF(t.x() + point[0] * t.width(), t.y() + point[1] * t.height())

    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(40, 40, 40))
        if self._pixmap is None or self._pixmap.isNull():
            painter.setPen(QColor(230, 230, 230))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
            return
        painter.drawPixmap(self._target(), self._pixmap, QRectF(self._pixmap.rect()))
        if self._corners:
            self._draw_outline(painter, self._corners)

    def _draw_outline(self, painter: QPainter, corners: Sequence[Point]) -> None:
        pen = QPen(QColor(0, 200, 90), 4)
        painter.setPen(pen)
        points = [self._to_widget(c) for c in corners]
        for a, b in zip(points, [*points[1:], points[0]], strict=True):
            painter.drawLine(a, b)

    def clear(self) -> None:
        self._pixmap = None
        self._corners = None
        self.update()


class LiveView(_ImageWithOutline):
    """The document camera's preview with the detected page outlined."""

    def show_frame(self, image: Any, corners: Sequence[Point] | None) -> None:
        self._pixmap = bgr_pixmap(image)
        self._corners = list(corners) if corners else None
        self.update()


class CornerEditor(_ImageWithOutline):
    """A still with four draggable corner handles (fractions of the image)."""

    def __init__(self, accessible_name: str) -> None:
        super().__init__(accessible_name)
        self._drag: int | None = None

    def load(self, jpeg: bytes, corners: Sequence[Point]) -> None:
        pix = QPixmap()
        pix.loadFromData(jpeg)
        self._pixmap = pix
        self._corners = list(corners)
        self.update()

    @property
    def corners(self) -> tuple[Point, Point, Point, Point]:
        c = self._corners or [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)]
        return (c[0], c[1], c[2], c[3])

    def move_corner(self, index: int, point: Point) -> None:
        """Put corner ``index`` at ``point`` (fractions; clamped to the image)."""
        if self._corners is None:
            return
        self._corners[index] = (min(max(point[0], 0.0), 1.0), min(max(point[1], 0.0), 1.0))
        self.update()

    def _draw_outline(self, painter: QPainter, corners: Sequence[Point]) -> None:
        super()._draw_outline(painter, corners)
        painter.setPen(QPen(QColor(255, 255, 255), 3))
        painter.setBrush(QColor(0, 120, 215, 200))
        for n, corner in enumerate(corners, start=1):
            centre = self._to_widget(corner)
            painter.drawEllipse(centre, HANDLE_RADIUS, HANDLE_RADIUS)
            painter.drawText(QRectF(centre.x() - 10, centre.y() - 10, 20, 20),
                             Qt.AlignmentFlag.AlignCenter, str(n))

    def _fraction(self, event: QMouseEvent) -> Point:
        t = self._target()
        pos = event.position()
        return ((pos.x() - t.x()) / max(t.width(), 1), (pos.y() - t.y()) / max(t.height(), 1))

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        corners = self._corners
        if event is None or not corners:
            return
        pos = event.position()
        distance = [(self._to_widget(c) - pos).manhattanLength() for c in corners]
        nearest = min(range(4), key=distance.__getitem__)
        if distance[nearest] <= HANDLE_RADIUS * 3:
            self._drag = nearest

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and self._drag is not None:
            self.move_corner(self._drag, self._fraction(event))

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        self._drag = None

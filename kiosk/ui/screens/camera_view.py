"""The live camera picture of the face steps, with the framing guide drawn on it.

Frames arrive on the camera's worker thread (kiosk/flow/steps/face_live.py). There,
:class:`CameraView` turns each into a finished ``QImage``: mirrored (the resident sees
themselves as in a mirror), the oval guide drawn over it (white while the guidance
asks for something, green once the face is placed, with an arc that fills toward the
automatic capture). Only that image crosses to the UI thread, through a queued
signal; a frame that arrives while the previous one is still waiting is dropped, so a
busy UI thread lowers the frame rate instead of queueing pictures. The picture is a
resident's face: it is never saved, and :meth:`clear` drops it.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
from PyQt6.QtCore import QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PyQt6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from drivers.camera.frames import Frame
from kiosk.flow.steps.face_live import LiveView
from kiosk.ui.widgets import label

#: The picture's size on screen (the camera's 4:3).
VIEW_W, VIEW_H = 640, 480
#: The oval, as fractions of the picture: where a well-placed face sits.
OVAL_W, OVAL_H = 0.40, 0.66
_READY = QColor(40, 200, 90)
_ASKING = QColor(255, 255, 255)


def render_frame(frame: Frame, view: LiveView) -> QImage:
    """The frame as the screen shows it (runs on the camera worker; no widget touched)."""
    image = frame.image
    if (image.shape[1], image.shape[0]) != (VIEW_W, VIEW_H):
        image = np.asarray(cv2.resize(image, (VIEW_W, VIEW_H), interpolation=cv2.INTER_AREA))
    mirrored = cv2.flip(image, 1)
    h, w = int(mirrored.shape[0]), int(mirrored.shape[1])
    qimage: QImage = QImage(mirrored.tobytes(), w, h, 3 * w, QImage.Format.Format_BGR888).copy()
    painter = QPainter(qimage)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    oval = QRectF(w * (1 - OVAL_W) / 2, h * (1 - OVAL_H) / 2, w * OVAL_W, h * OVAL_H)
    # Dim what lies outside the guide, so the oval reads as "put your face here".
    outside = QPainterPath()
    outside.addRect(QRectF(0, 0, w, h))
    hole = QPainterPath()
    hole.addEllipse(oval)
    painter.fillPath(outside.subtracted(hole), QColor(0, 0, 0, 110))
    painter.setPen(QPen(_READY if view.placed else _ASKING, 6))
    painter.drawEllipse(oval)
    if view.placed and view.steady > 0:
        painter.setPen(QPen(_READY, 14, cap=Qt.PenCapStyle.RoundCap))
        painter.drawArc(oval.adjusted(-12, -12, 12, 12), 90 * 16, -int(360 * 16 * view.steady))
    painter.end()
    return qimage


class CameraView(QWidget):
    """Shows the latest finished picture; :meth:`deliver` may be called from any thread.
    Until the first picture comes, :attr:`placeholder` says the camera is opening (a black
    box alone looks broken)."""

    _picture = pyqtSignal(QImage)

    def __init__(self, accessible_name: str) -> None:
        super().__init__()
        self.setAccessibleName(accessible_name)
        self.setMinimumSize(VIEW_W // 2, VIEW_H // 2)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._waiting = threading.Event()  # a picture is on its way to the UI thread
        #: Pictures shown since the last clear (the scenario runner and tests read it).
        self.frames_shown = 0
        self.placeholder = label(role="camera_waiting")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.placeholder)
        self._picture.connect(self._show)

    def deliver(self, frame: Frame, view: LiveView) -> None:
        """Called on the camera worker with each frame."""
        if self._waiting.is_set():
            return  # the UI thread has not shown the last one yet: drop this one
        self._waiting.set()
        self._picture.emit(render_frame(frame, view))

    def clear(self) -> None:
        self._image = None
        self.frames_shown = 0
        self.placeholder.setVisible(True)
        self.update()

    def _show(self, image: QImage) -> None:
        self._waiting.clear()
        self._image = image
        self.frames_shown += 1
        self.placeholder.setVisible(False)
        self.update()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(30, 30, 30))
        image = self._image
        if image is not None:
            scaled = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - scaled.width()) // 2
            y = (self.height() - scaled.height()) // 2
            painter.drawImage(QRectF(x, y, scaled.width(), scaled.height()), image)
        painter.end()

"""The face steps' live picture (kiosk/ui/screens/camera_view.py) before its first frame:
it says the camera is opening instead of showing a black box, and says so again once a
session's picture is cleared. Through the running kiosk: face_camera_gone.yaml and the
camera scenarios (tests/e2e) wait for the text to go once the picture comes."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from PyQt6.QtCore import QCoreApplication, QElapsedTimer
from PyQt6.QtWidgets import QApplication

from drivers.camera.frames import Frame
from drivers.camera.guidance import Guidance
from kiosk.flow.steps.face_live import LiveView
from kiosk.ui.screens.camera_view import CameraView


@pytest.fixture(scope="module")
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


def _until(condition: Callable[[], bool], ms: int = 3000) -> None:
    timer = QElapsedTimer()
    timer.start()
    while not condition() and timer.elapsed() < ms:
        QCoreApplication.processEvents()


def test_the_view_says_the_camera_is_opening_until_the_first_picture(app: QApplication) -> None:
    view = CameraView("camera preview")
    view.placeholder.setText("正在打开摄像头，请稍候…")
    view.resize(640, 480)
    view.show()
    assert view.placeholder.isVisible() and view.frames_shown == 0
    frame = Frame(image=np.full((480, 640, 3), 128, np.uint8), sequence=1)
    look = LiveView(guidance=Guidance.NO_FACE, steady=0.0, placed=False)
    # Frames come on the camera's worker thread, as in the kiosk.
    worker = threading.Thread(target=view.deliver, args=(frame, look))
    worker.start()
    worker.join()
    _until(lambda: view.frames_shown == 1)
    assert view.frames_shown == 1 and not view.placeholder.isVisible()
    view.clear()  # the session ended: the resident's picture is gone, the text is back
    assert view.placeholder.isVisible() and view.frames_shown == 0
    view.close()

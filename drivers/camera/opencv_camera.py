"""The real camera driver: OpenCV's VideoCapture on a UVC device, a stream or a file.

``source`` is a device index (``0`` is /dev/video0), a device path, a stream URL (an IP
document camera's MJPEG/RTSP stream) or a video file. A video file is played in a
loop: it is how technicians replay a recorded problem and how the tests run this very
driver without a camera. A camera that stops delivering frames (unplugged) turns the
state to ``no_device``; the next grab tries to reopen it, so replugging recovers.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar, Literal

import cv2
import numpy as np
from pydantic import Field

from drivers.base import DeviceSettings
from drivers.camera.base import Camera, CameraSettings
from drivers.camera.jpeg import Image
from drivers.health import HealthReport
from kiosk_base.errors import NoDeviceError

log = logging.getLogger(__name__)

_APIS = {"any": cv2.CAP_ANY, "v4l2": cv2.CAP_V4L2, "ffmpeg": cv2.CAP_FFMPEG}


class OpenCvCameraSettings(CameraSettings):
    source: int | str = Field(
        0, description="Device index, /dev/videoN, stream URL or video file (played in a loop)."
    )
    api: Literal["any", "v4l2", "ffmpeg"] = Field(
        "any", description="OpenCV capture backend; v4l2 for USB cameras on Linux."
    )
    fourcc: str | None = Field(
        None,
        min_length=4,
        max_length=4,
        description="Pixel format asked of a USB camera, e.g. MJPG for high resolutions.",
    )


class OpenCvCamera(Camera):
    """A camera read through ``cv2.VideoCapture``."""

    Settings: ClassVar[type[DeviceSettings]] = OpenCvCameraSettings

    _capture_device: cv2.VideoCapture | None = None

    @property
    def _settings(self) -> OpenCvCameraSettings:
        assert isinstance(self.settings, OpenCvCameraSettings)
        return self.settings

    @property
    def _is_file(self) -> bool:
        source = self._settings.source
        return isinstance(source, str) and Path(source).is_file()

    def _open(self) -> None:
        self._capture_device = self._connect()

    def _close(self) -> None:
        cap, self._capture_device = self._capture_device, None
        if cap is not None:
            cap.release()

    def _connect(self) -> cv2.VideoCapture:
        s = self._settings
        cap = cv2.VideoCapture(s.source, _APIS[s.api])
        if not cap.isOpened():
            cap.release()
            raise NoDeviceError(
                f"camera source {s.source!r} cannot be opened", device=self.name, code="CAP_OPEN"
            )
        if not self._is_file:
            width, height = self.frame_size
            if s.fourcc:
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*s.fourcc))
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            cap.set(cv2.CAP_PROP_FPS, s.fps)
        ok, _ = cap.read()
        if not ok:
            cap.release()
            raise NoDeviceError(
                f"camera source {s.source!r} opened but gives no frames",
                device=self.name,
                code="CAP_NO_FRAME",
            )
        got_w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        got_h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        log.info("%s: opened camera source, %dx%d", self.name, got_w, got_h)
        return cap

    def _grab(self) -> Image:
        cap = self._capture_device
        if cap is None:  # lost earlier: try to get it back (replugged camera)
            cap = self._capture_device = self._connect()
        ok, frame = cap.read()
        if not ok and self._is_file:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = cap.read()
        if not ok or frame is None:
            cap.release()
            self._capture_device = None
            raise NoDeviceError(
                "camera stopped delivering frames", device=self.name, code="CAP_READ"
            )
        if frame.ndim == 2:  # a grey camera
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        return np.asarray(frame, dtype=np.uint8)

    def _probe(self, report: HealthReport) -> None:
        cap = self._capture_device
        report.check(
            "connected",
            cap is not None and cap.isOpened(),
            "capture open" if cap is not None else "camera lost",
        )

"""The real camera driver: OpenCV's VideoCapture on a UVC device, a stream or a file.

``source`` is a device index (``0`` is /dev/video0), a device path, a stream URL (an IP
document camera's MJPEG/RTSP stream) or a video file. A video file is played in a
loop: it is how technicians replay a recorded problem and how the tests run this very
driver without a camera. A camera that stops delivering frames (unplugged) turns the
state to ``no_device``; the next grab tries to reopen it (at most once a second), so
replugging recovers. A network stream left unread fills the socket buffers with old
frames; after ``stale_after_s`` without a read the driver reconnects before it grabs,
so a preview never starts on the previous resident's face.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import ClassVar, Literal, NoReturn

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
    still_skip_frames: int = Field(
        4, ge=0, le=10, description="Queued frames a still capture skips (cameras, streams)."
    )
    stale_after_s: float = Field(
        1.0, gt=0, description="A network stream unread this long is reopened before a grab."
    )

#: Least time between two attempts to reopen a lost camera.
RECONNECT_S = 1.0
#: FFmpeg options for network streams: a small socket receive buffer, so the frames
#: read are the camera's latest (about one frame queued), not seconds-old ones.
_STREAM_OPTIONS = "recv_buffer_size;16384"
_OPTIONS_ENV = "OPENCV_FFMPEG_CAPTURE_OPTIONS"


class OpenCvCamera(Camera):
    """A camera read through ``cv2.VideoCapture``."""

    Settings: ClassVar[type[DeviceSettings]] = OpenCvCameraSettings

    _capture_device: cv2.VideoCapture | None = None
    _last_read = 0.0
    _retry_at = 0.0

    @property
    def _settings(self) -> OpenCvCameraSettings:
        assert isinstance(self.settings, OpenCvCameraSettings)
        return self.settings

    @property
    def _is_file(self) -> bool:
        source = self._settings.source
        return isinstance(source, str) and Path(source).is_file()

    def _source(self) -> int | str:
        """What ``cv2.VideoCapture`` opens (the simulator substitutes its stream)."""
        return self._settings.source

    def _open(self) -> None:
        self._capture_device = self._connect()

    def _close(self) -> None:
        cap, self._capture_device = self._capture_device, None
        if cap is not None:
            cap.release()

    def _connect(self) -> cv2.VideoCapture:
        s = self._settings
        source = self._source()
        network = isinstance(source, str) and "://" in source
        shown = "network stream" if network else repr(source)
        if network:
            # Read by OpenCV at each open; a technician's own setting wins.
            os.environ.setdefault(_OPTIONS_ENV, _STREAM_OPTIONS)
        cap = cv2.VideoCapture(source, _APIS[s.api])
        if not cap.isOpened():
            cap.release()
            self._retry_at = time.monotonic() + RECONNECT_S
            raise NoDeviceError(
                f"camera source {shown} cannot be opened", device=self.name, code="CAP_OPEN"
            )
        if not self._is_file and not network:
            width, height = self.frame_size
            if s.fourcc:
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*s.fourcc))
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
            cap.set(cv2.CAP_PROP_FPS, s.fps)
        ok, _ = cap.read()
        if not ok:
            cap.release()
            self._retry_at = time.monotonic() + RECONNECT_S
            raise NoDeviceError(
                f"camera source {shown} opened but gives no frames",
                device=self.name,
                code="CAP_NO_FRAME",
            )
        got_w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        got_h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        log.info(
            "%s: OpenCV capture opened %s (%s backend), %dx%d",
            self.name,
            shown,
            cap.getBackendName(),
            got_w,
            got_h,
        )
        self._last_read = time.monotonic()
        return cap

    def _grab(self) -> Image:
        cap = self._capture_device
        if cap is not None and self._is_stream_source() and (
            time.monotonic() - self._last_read > self._settings.stale_after_s
        ):
            cap.release()  # the buffered frames are old: start from the live picture
            cap = self._capture_device = None
        if cap is None:  # lost earlier: try to get it back (replugged camera)
            if time.monotonic() < self._retry_at:
                raise NoDeviceError("camera not connected", device=self.name, code="CAP_LOST")
            cap = self._capture_device = self._connect()
        ok, frame = cap.read()
        self._last_read = time.monotonic()
        if not ok and self._is_file:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = cap.read()
        if not ok or frame is None:
            self._lose_capture("camera stopped delivering frames", "CAP_READ")
        if frame.ndim == 2:  # a grey camera
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        return np.asarray(frame, dtype=np.uint8)

    def _lose_capture(self, reason: str, code: str) -> NoReturn:
        cap, self._capture_device = self._capture_device, None
        if cap is not None:
            cap.release()
        self._retry_at = time.monotonic() + RECONNECT_S
        raise NoDeviceError(reason, device=self.name, code=code)

    def _grab_still(self) -> Image:
        # A still is asked for by a person (a resident's "take photo" after a replug):
        # it tries to reconnect now; the throttle is for the status watch's polling.
        self._retry_at = 0.0
        # A camera or stream queues a frame or two (V4L2 buffers, socket buffers): a
        # still must show the resident now, so those are read past first.
        if not self._is_file:
            for _ in range(self._settings.still_skip_frames):
                self._grab()
        return self._grab()

    def _is_stream_source(self) -> bool:
        source = self._source()
        return isinstance(source, str) and "://" in source

    def _probe(self, report: HealthReport) -> None:
        cap = self._capture_device
        report.check(
            "connected",
            cap is not None and cap.isOpened(),
            "capture open" if cap is not None else "camera lost",
        )

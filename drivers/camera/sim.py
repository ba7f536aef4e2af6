"""The simulated camera: the real OpenCV driver reading a synthetic scene over HTTP.

:class:`SimulatedCamera` *is* :class:`~drivers.camera.opencv_camera.OpenCvCamera`;
only its source is the simulator's MJPEG stream on 127.0.0.1
(drivers/camera/sim_stream.py) instead of /dev/video0. Everything from
``cv2.VideoCapture`` on (the FFmpeg demuxer and decoder, reconnecting, lens check,
Haar face detection, liveness measures, page detection, warp, JPEG encoding) is the
code that ships. The scene (drivers/camera/scene.py) is controlled live through
:class:`CameraSimulator`: who stands in front, where, how near, blur, light, a blink,
a turned head, a printed photo held up; and the faults below.

Simulation rule shared with the reference backend: every JPEG the simulated FACE camera
captures carries a JPEG comment ``sim-person=<ID number>`` naming the person in the
scene (also when it is a photo of them: stopping photos is the kiosk's liveness check),
or ``sim-person=none`` when nobody is seen. The backend's simulated face verification
decides by it. It is a simulation hook, not biometrics; the real camera never writes it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import Field

from drivers.base import DeviceSettings
from drivers.camera.desk_scene import DeskState, render_desk
from drivers.camera.frames import CameraPurpose
from drivers.camera.jpeg import Image
from drivers.camera.opencv_camera import OpenCvCamera, OpenCvCameraSettings
from drivers.camera.scene import FacePose, SceneRenderer
from drivers.camera.sim_stream import SceneStreamServer
from drivers.health import HealthReport
from drivers.statistics import StatisticsStore
from kiosk_base.faults import FaultSet

log = logging.getLogger(__name__)

#: The prefix of the simulation marker in captured JPEGs.
SIM_PERSON_PREFIX = "sim-person="

FAULTS: Mapping[str, str] = {
    "no_device": "the camera is unplugged: the stream refuses, frames stop",
    "covered": "something covers the lens: black frames",
    "no_face": "nobody in front of the face camera / nothing on the document desk",
    "blurry": "frames out of focus",
    "too_dark": "frames badly under-exposed",
}

#: How long a blink keeps the eyes closed, and a head turn lasts, in the scene.
BLINK_S = 0.5
TURN_S = 1.6


class CameraSimulator:
    """Fault injection and the scene in front of a simulated camera (thread-safe)."""

    def __init__(self, owner: str) -> None:
        self._faults = FaultSet(FAULTS, owner=owner)
        self._lock = threading.Lock()
        self._person: str | None = None
        self._pose = FacePose()
        self._blink_until = 0.0
        self._turn: tuple[float, float] = (0.0, 0.0)  # (direction, until)
        #: What lies under a document camera (drivers/camera/desk_scene.py).
        self.desk = DeskState()

    def faults(self) -> Mapping[str, str]:
        return self._faults.faults()

    def inject(self, fault: str, **params: object) -> None:
        self._faults.inject(fault, **params)

    def clear(self, fault: str | None = None) -> None:
        self._faults.clear(fault)

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        return self._faults.active_faults()

    def is_active(self, fault: str) -> bool:
        return self._faults.is_active(fault)

    def present_person(self, id_number: str | None) -> None:
        """Put the resident with ``id_number`` in front of the face camera (None: nobody),
        standing where a resident usually stands."""
        with self._lock:
            self._person = id_number
            self._pose = FacePose()
        # The ID number itself never goes to the log.
        log.info("simulated camera: %s", "a person stands in front" if id_number else "nobody")

    def present_photo(self, id_number: str) -> None:
        """Hold a flat printed photo of ``id_number`` up to the camera."""
        with self._lock:
            self._person = id_number
            self._pose = FacePose(photo=True)
        log.info("simulated camera: a printed photo is held up")

    def set_pose(self, **changes: float | bool) -> None:
        """Change how the person stands: x, y, size, turn, blur, light, eyes_closed."""
        with self._lock:
            self._pose = dataclasses.replace(self._pose, **changes)  # type: ignore[arg-type]
        log.info("simulated camera: pose %s", ", ".join(sorted(changes)))

    def blink(self) -> None:
        """Close the eyes for a moment (a photo cannot)."""
        with self._lock:
            self._blink_until = time.monotonic() + BLINK_S

    def turn_head(self, direction: Literal["left", "right"]) -> None:
        """Turn the head to the resident's ``direction`` for a moment, then back."""
        with self._lock:
            self._turn = (1.0 if direction == "left" else -1.0, time.monotonic() + TURN_S)

    @property
    def person(self) -> str | None:
        """The person the camera sees now (None when nobody, or the no_face fault is on)."""
        if self._faults.is_active("no_face"):
            return None
        with self._lock:
            return self._person

    def pose(self) -> FacePose:
        """The pose now, with a blink or head turn in progress applied."""
        now = time.monotonic()
        with self._lock:
            pose = self._pose
            if now < self._blink_until and not pose.photo:
                pose = dataclasses.replace(pose, eyes_closed=True)
            direction, until = self._turn
            if now < until:
                # A photo turns as a whole (no parallax); a head turns its features.
                pose = dataclasses.replace(pose, turn=direction)
            return pose

    def render(self, scene: SceneRenderer, purpose: CameraPurpose, frame_no: int) -> Image:
        if purpose == CameraPurpose.FACE:
            image = scene.face_scene(self.person, frame_no, self.pose())
        elif self.is_active("no_face"):
            image = scene.empty_desk(frame_no)
        else:
            image = render_desk(scene, self.desk.view, frame_no)
        if self.is_active("blurry"):
            image = SceneRenderer.blurred(image)
        if self.is_active("too_dark"):
            image = SceneRenderer.darkened(image)
        if self.is_active("covered"):
            image = SceneRenderer.covered(image)
        return image


class SimulatedCameraSettings(OpenCvCameraSettings):
    source: int | str = Field("", description="Ignored: the simulator's stream is used.")
    api: Literal["any", "v4l2", "ffmpeg"] = Field("ffmpeg", description="Always FFmpeg.")
    stream_fps: float = Field(30, gt=0, le=60, description="Frame rate of the simulated stream.")


class SimulatedCamera(OpenCvCamera):
    """The OpenCV driver on the simulator's loopback MJPEG stream; see the module doc."""

    Settings: ClassVar[type[DeviceSettings]] = SimulatedCameraSettings

    def __init__(
        self,
        name: str,
        settings: DeviceSettings | None = None,
        *,
        statistics: StatisticsStore | None = None,
    ) -> None:
        super().__init__(name, settings, statistics=statistics)
        self._sim = CameraSimulator(name)
        width, height = self.frame_size
        self._scene: SceneRenderer | None = None
        self._scene_size = (width, height)
        fps = self.settings.stream_fps if isinstance(self.settings, SimulatedCameraSettings) else 30
        self._server = SceneStreamServer(
            f"{name}-sim", self._render, lambda: self._sim.is_active("no_device"), fps=fps
        )

    @property
    def simulator(self) -> CameraSimulator:
        return self._sim

    def _render(self, frame_no: int) -> Image:
        if self._scene is None:
            self._scene = SceneRenderer(*self._scene_size)
        return self._sim.render(self._scene, self.purpose, frame_no)

    def _source(self) -> int | str:
        return self._server.start()

    def _close(self) -> None:
        super()._close()
        self._server.stop()

    def _grab(self) -> Image:
        # A USB camera pulled out fails its next read at once. The stream cannot show
        # that: the socket and FFmpeg still hold a frame or two sent before the "unplug",
        # so the simulated unplug drops the capture here, as the failed read would.
        if self._sim.is_active("no_device"):
            self._lose_capture("camera stopped delivering frames", "CAP_READ")
        return super()._grab()

    def _capture_comment(self) -> str | None:
        if self.purpose != CameraPurpose.FACE:
            return None
        return SIM_PERSON_PREFIX + (self._sim.person or "none")

    def _probe(self, report: HealthReport) -> None:
        super()._probe(report)
        plugged = not self._sim.is_active("no_device")
        report.check("plugged_in", plugged, "simulated camera" if plugged else "unplugged")

"""The simulated camera: synthesised scenes, analysed by the real face and page code.

There is no virtual video device on a kiosk build machine, so frames are rendered in
process (drivers/camera/scene.py); everything after the grab (lens check, Haar face
detection, page detection, warp, enhancement, JPEG encoding) is the shipping code.

Simulation rule shared with the reference backend: every JPEG the simulated FACE camera
captures carries a JPEG comment ``sim-person=<ID number>`` naming the person presented
with :meth:`CameraSimulator.present_person`, or ``sim-person=none`` when nobody is
seen. The backend's simulated face verification decides by it. It is a simulation
hook, not biometrics; the real camera never writes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import ClassVar

from drivers.base import DeviceSettings
from drivers.camera.base import Camera, CameraSettings
from drivers.camera.desk_scene import DeskState, render_desk
from drivers.camera.frames import CameraPurpose
from drivers.camera.jpeg import Image
from drivers.camera.scene import SceneRenderer
from drivers.health import HealthReport
from drivers.statistics import StatisticsStore
from kiosk_base.errors import NoDeviceError
from kiosk_base.faults import FaultSet

log = logging.getLogger(__name__)

#: The prefix of the simulation marker in captured JPEGs.
SIM_PERSON_PREFIX = "sim-person="

FAULTS: Mapping[str, str] = {
    "no_device": "the camera is unplugged: open fails, frames stop",
    "covered": "something covers the lens: black frames",
    "no_face": "nobody in front of the face camera / nothing on the document desk",
    "blurry": "frames out of focus",
    "too_dark": "frames badly under-exposed",
}


class CameraSimulator:
    """Fault injection and the scene in front of a simulated camera."""

    def __init__(self, owner: str) -> None:
        self._faults = FaultSet(FAULTS, owner=owner)
        self._lock = threading.Lock()
        self._person: str | None = None
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
        """Put the resident with ``id_number`` in front of the face camera (None: nobody)."""
        with self._lock:
            self._person = id_number
        # The ID number itself never goes to the log.
        log.info("simulated camera: %s", "a person stands in front" if id_number else "nobody")

    @property
    def person(self) -> str | None:
        """The person the camera sees now (None when nobody, or the no_face fault is on)."""
        if self._faults.is_active("no_face"):
            return None
        with self._lock:
            return self._person


class SimulatedCamera(Camera):
    """A camera whose frames are synthesised; see the module docstring."""

    Settings: ClassVar[type[DeviceSettings]] = CameraSettings

    def __init__(
        self,
        name: str,
        settings: DeviceSettings | None = None,
        *,
        statistics: StatisticsStore | None = None,
    ) -> None:
        super().__init__(name, settings, statistics=statistics)
        self._sim = CameraSimulator(name)
        self._scene: SceneRenderer | None = None
        self._tick = 0

    @property
    def simulator(self) -> CameraSimulator:
        return self._sim

    def _open(self) -> None:
        self._check_plugged_in()
        width, height = self.frame_size
        self._scene = SceneRenderer(width, height)

    def _close(self) -> None:
        self._scene = None

    def _grab(self) -> Image:
        self._check_plugged_in()
        if self._scene is None:  # opened while unplugged, plugged in since
            self._open()
        assert self._scene is not None
        self._tick += 1
        if self.purpose == CameraPurpose.FACE:
            image = self._scene.face_scene(self._sim.person, self._tick)
        elif self._sim.is_active("no_face"):
            image = self._scene.empty_desk(self._tick)
        else:
            image = render_desk(self._scene, self._sim.desk.view, self._tick)
        if self._sim.is_active("blurry"):
            image = SceneRenderer.blurred(image)
        if self._sim.is_active("too_dark"):
            image = SceneRenderer.darkened(image)
        if self._sim.is_active("covered"):
            image = SceneRenderer.covered(image)
        return image

    def _capture_comment(self) -> str | None:
        if self.purpose != CameraPurpose.FACE:
            return None
        return SIM_PERSON_PREFIX + (self._sim.person or "none")

    def _probe(self, report: HealthReport) -> None:
        plugged = not self._sim.is_active("no_device")
        report.check("connected", plugged, "simulated camera" if plugged else "unplugged")

    def _check_plugged_in(self) -> None:
        if self._sim.is_active("no_device"):
            raise NoDeviceError("camera not connected", device=self.name, code="NO_CAMERA")

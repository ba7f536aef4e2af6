"""The idle status check (HealthLevel.INTERNAL, asked by the kiosk's status watch) tells
an unplugged face camera and a replugged one, without anyone starting a service."""

from __future__ import annotations

import shutil
from pathlib import Path

from drivers.camera.base import CameraSettings
from drivers.camera.opencv_camera import OpenCvCamera, OpenCvCameraSettings
from drivers.camera.sim import SimulatedCamera
from drivers.health import HealthLevel
from drivers.status import DeviceState


def test_a_replugged_camera_comes_back_on_the_status_check(face_video: Path,
                                                           tmp_path: Path) -> None:
    source = tmp_path / "camera.avi"  # not there yet: the camera is unplugged
    camera = OpenCvCamera("face_camera", OpenCvCameraSettings(source=str(source)))
    try:
        assert camera.open().state == DeviceState.NO_DEVICE
        assert not camera.check_health(HealthLevel.INTERNAL).ok
        assert camera.status.state == DeviceState.NO_DEVICE
        shutil.copy(face_video, source)  # plugged in
        assert camera.check_health(HealthLevel.INTERNAL).ok
        assert camera.status.state == DeviceState.ONLINE
    finally:
        camera.close()


def test_an_unplugged_simulated_camera_turns_no_device_and_back() -> None:
    camera = SimulatedCamera("face_camera", CameraSettings())
    try:
        assert camera.open().state == DeviceState.ONLINE
        camera.simulator.inject("no_device")
        assert not camera.check_health(HealthLevel.INTERNAL).ok
        assert camera.status.state == DeviceState.NO_DEVICE
        camera.simulator.clear()
        assert camera.check_health(HealthLevel.INTERNAL).ok
        assert camera.status.state == DeviceState.ONLINE
    finally:
        camera.close()

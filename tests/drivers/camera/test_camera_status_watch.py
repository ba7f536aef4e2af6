"""The idle status check (HealthLevel.INTERNAL, asked by the kiosk's status watch) tells
an unplugged face camera and a replugged one, without anyone starting a service."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from drivers.camera import opencv_camera
from drivers.camera.opencv_camera import OpenCvCamera, OpenCvCameraSettings
from drivers.camera.sim import SimulatedCamera, SimulatedCameraSettings
from drivers.health import HealthLevel
from drivers.status import DeviceState


@pytest.fixture(autouse=True)
def _reconnect_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The driver waits RECONNECT_S between two attempts to reopen a lost camera (the
    # kiosk's status watch asks less often than that); here each check may try.
    monkeypatch.setattr(opencv_camera, "RECONNECT_S", 0.0)


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


def _checked_until(camera: SimulatedCamera, state: DeviceState) -> bool:
    """Status checks as the kiosk's watch makes them, until the camera is in ``state``
    (a stream already delivered may still hold a frame or two)."""
    for _ in range(50):
        camera.check_health(HealthLevel.INTERNAL)
        if camera.status.state == state:
            return True
        time.sleep(0.1)
    return False


def test_an_unplugged_simulated_camera_turns_no_device_and_back() -> None:
    camera = SimulatedCamera("face_camera", SimulatedCameraSettings())
    try:
        assert camera.open().state == DeviceState.ONLINE
        camera.simulator.inject("no_device")
        assert _checked_until(camera, DeviceState.NO_DEVICE)
        assert not camera.check_health(HealthLevel.INTERNAL).ok
        camera.simulator.clear()
        assert _checked_until(camera, DeviceState.ONLINE)
        assert camera.check_health(HealthLevel.INTERNAL).ok
    finally:
        camera.close()

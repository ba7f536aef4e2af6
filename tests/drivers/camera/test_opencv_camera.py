"""The real OpenCV driver on its transport: recorded MJPEG files read by VideoCapture."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from drivers.base import Device
from drivers.camera.base import LensCoveredError
from drivers.camera.frames import Frame
from drivers.camera.jpeg import jpeg_comments
from drivers.camera.opencv_camera import OpenCvCamera, OpenCvCameraSettings
from drivers.health import HealthLevel
from drivers.status import DeviceState
from tests.camera_recordings import record_simulated_scene


def camera_on(source: str | int, role: str = "face_camera") -> OpenCvCamera:
    return OpenCvCamera(role, OpenCvCameraSettings(source=source))


def state_of(device: Device) -> DeviceState:
    return device.status.state


def test_file_source_plays_in_a_loop(face_video: Path) -> None:
    camera = camera_on(str(face_video))
    try:
        assert camera.open().state == DeviceState.ONLINE
        got = threading.Event()
        frames: list[Frame] = []

        def on_frame(frame: Frame) -> None:
            frames.append(frame)
            if len(frames) >= 15:  # the file holds 6 frames
                got.set()

        camera.start_preview(on_frame, fps=60)
        assert got.wait(60)
        camera.stop_preview()
        assert state_of(camera) == DeviceState.ONLINE
        assert all(f.face is not None and f.face.ok for f in frames)
    finally:
        camera.close()


def test_real_capture_has_no_simulation_marker(face_video: Path) -> None:
    camera = camera_on(str(face_video))
    try:
        camera.open()
        shot = camera.capture().result(timeout=30)
        assert shot.face is not None and shot.face.ok
        assert jpeg_comments(shot.jpeg) == []
    finally:
        camera.close()


def test_missing_source_is_no_device(tmp_path: Path) -> None:
    camera = camera_on(str(tmp_path / "unplugged.avi"))
    try:
        status = camera.open()
        assert status.state == DeviceState.NO_DEVICE and status.error_code == "CAP_OPEN"
        assert not camera.check_health(HealthLevel.INTERNAL).ok
    finally:
        camera.close()


def test_covered_lens_from_a_real_stream(covered_video: Path) -> None:
    camera = camera_on(str(covered_video))
    try:
        camera.open()
        with pytest.raises(LensCoveredError):
            camera.capture().result(timeout=30)
        assert state_of(camera) == DeviceState.USER_ERROR
        result = camera.check_health(HealthLevel.EXTERNAL)
        assert not result.ok and "lens" in result.summary
    finally:
        camera.close()


def test_empty_scene_gives_no_face(tmp_path: Path) -> None:
    video = record_simulated_scene(tmp_path / "nobody.avi", "nobody", frames=2)
    camera = camera_on(str(video))
    try:
        camera.open()
        shot = camera.capture().result(timeout=30)
        assert shot.face is not None and shot.face.box is None
    finally:
        camera.close()


def test_unreadable_file_is_no_device(tmp_path: Path) -> None:
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"RIFF\x00\x00\x00\x00AVI garbage" * 10)
    camera = camera_on(str(junk))
    try:
        assert camera.open().state == DeviceState.NO_DEVICE
    finally:
        camera.close()

"""Liveness measures, guidance and ID photo checks on the synthetic scene, and the
simulator's MJPEG stream read by the OpenCV driver."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.camera.face import FaceDetector
from drivers.camera.guidance import FaceGuide, Guidance
from drivers.camera.idphoto import PhotoProblem, PhotoSpec, check_and_crop, face_band, photo_guide
from drivers.camera.jpeg import Image, decode_image
from drivers.camera.liveness import TURNED, Challenge, LivenessCheck, LivenessOutcome
from drivers.camera.recording import SAMPLE_PERSON
from drivers.camera.scene import FacePose, SceneRenderer
from drivers.camera.sim import SimulatedCamera
from drivers.statistics import StatisticsStore


@pytest.fixture(scope="module")
def scene() -> SceneRenderer:
    return SceneRenderer(640, 480)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def _as_streamed(image: Image) -> Image:
    """What the driver sees after the stream's JPEG round trip."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return decode_image(buf.tobytes())


def _yaws(scene: SceneRenderer, detector: FaceDetector, pose: FacePose) -> list[float]:
    out = []
    for i in range(6):
        features = detector.analyse(_as_streamed(scene.face_scene(SAMPLE_PERSON, i, pose)))
        assert features.features is not None and features.features.yaw is not None
        out.append(features.features.yaw)
    return out


def test_a_turned_head_shows_parallax_a_turned_photo_does_not(
    scene: SceneRenderer, detector: FaceDetector
) -> None:
    assert all(y > TURNED for y in _yaws(scene, detector, FacePose(turn=1)))  # to the left
    assert all(y < -TURNED for y in _yaws(scene, detector, FacePose(turn=-1)))
    for turn in (-1.0, 1.0):
        for size in (1.15, 1.3, 1.5):
            pose = FacePose(photo=True, turn=turn, size=size)
            assert all(abs(y) < TURNED for y in _yaws(scene, detector, pose)), pose


def test_closed_eyes_are_seen(scene: SceneRenderer, detector: FaceDetector) -> None:
    shut = detector.analyse(_as_streamed(scene.face_scene(SAMPLE_PERSON, 1, FacePose(
        eyes_closed=True))))
    open_ = detector.analyse(_as_streamed(scene.face_scene(SAMPLE_PERSON, 1)))
    assert shut.features is not None and not shut.features.eyes_open
    assert open_.features is not None and open_.features.eyes_open


def test_liveness_check_passes_on_the_gesture_and_times_out_without(
    scene: SceneRenderer, detector: FaceDetector
) -> None:
    def features(pose: FacePose):  # type: ignore[no-untyped-def]
        return detector.analyse(_as_streamed(scene.face_scene(SAMPLE_PERSON, 2, pose))).features

    blink = LivenessCheck(Challenge.BLINK, 0.0, 5.0)
    for pose in (FacePose(), FacePose(eyes_closed=True), FacePose()):
        outcome = blink.observe(features(pose), 1.0)
    assert outcome is LivenessOutcome.PASSED
    photo = LivenessCheck(Challenge.TURN_LEFT, 0.0, 5.0)
    for turn in (0.0, 1.0, 1.0, 1.0):
        photo.observe(features(FacePose(photo=True, size=1.3, turn=turn)), 1.0)
    assert photo.observe(None, 6.0) is LivenessOutcome.TIMED_OUT


@pytest.mark.parametrize(("pose", "guidance"), [
    (FacePose(size=0.5), Guidance.MOVE_CLOSER),
    (FacePose(size=1.8), Guidance.MOVE_BACK),
    (FacePose(x=-0.25), Guidance.MOVE_LEFT),
    (FacePose(x=0.25), Guidance.MOVE_RIGHT),
    (FacePose(turn=1), Guidance.LOOK_STRAIGHT),
    (FacePose(light=0.3), Guidance.TOO_DARK),
    (FacePose(), Guidance.READY),
])
def test_guidance_follows_what_the_camera_sees(
    scene: SceneRenderer, detector: FaceDetector, pose: FacePose, guidance: Guidance
) -> None:
    guide = FaceGuide()
    for i in range(3):
        got = guide.update(detector.analyse(scene.face_scene(SAMPLE_PERSON, i, pose)),
                           640, 480, float(i))
    assert got is guidance
    assert guide.ready_to_capture(2.0) is (guidance is Guidance.READY)


def test_id_photo_is_cut_to_the_spec_and_a_busy_background_is_refused(
    scene: SceneRenderer, detector: FaceDetector
) -> None:
    image = scene.face_scene(SAMPLE_PERSON, 1, FacePose(size=0.9))
    result = check_and_crop(image, detector.analyse(image), PhotoSpec())
    assert result.ok and result.photo is not None
    assert result.photo.shape[:2] == (441, 358)
    busy = image.copy()
    busy[:160] = np.random.default_rng(1).integers(0, 255, busy[:160].shape, dtype=np.uint8)
    refused = check_and_crop(busy, detector.analyse(busy), PhotoSpec())
    assert PhotoProblem.BACKGROUND in refused.problems and refused.photo is None
    near = scene.face_scene(SAMPLE_PERSON, 1, FacePose(size=1.6))
    assert PhotoProblem.TOO_BIG in check_and_crop(near, detector.analyse(near),
                                                  PhotoSpec()).problems


def test_the_opencv_driver_reads_the_simulator_stream_and_sees_the_scene_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cam = SimulatedCamera("face_camera", SimulatedCamera.Settings(),
                          statistics=StatisticsStore(tmp_path / "stats.json"))
    try:
        with caplog.at_level(logging.INFO, logger="drivers.camera"):
            cam.open()
        assert "face_camera: OpenCV capture opened network stream" in caplog.text
        assert "simulated camera stream on http://127.0.0.1:" in caplog.text
        cam.simulator.present_person(SAMPLE_PERSON)
        assert cam.capture().result(timeout=30).face.ok  # type: ignore[union-attr]
        cam.simulator.set_pose(size=0.5)
        deadline = time.monotonic() + 10
        while True:  # the stream shows the change within a few frames
            face = cam.capture().result(timeout=30).face
            assert face is not None
            if "too_small" in face.problems or time.monotonic() > deadline:
                break
        assert "too_small" in face.problems
        shot, jpeg = cam.capture_id_photo().result(timeout=30)
        assert PhotoProblem.TOO_SMALL in shot.problems and jpeg is None
    finally:
        cam.close()


def test_the_photo_guidance_asks_for_the_face_sizes_the_photo_checks_accept(
    scene: SceneRenderer, detector: FaceDetector
) -> None:
    spec = PhotoSpec()
    guide = photo_guide(spec, 640, 480)
    low, high = face_band(spec, 640, 480)
    assert low < guide.min_face_fraction < guide.max_face_fraction < high
    inside = 0
    for size in (0.7, 0.75, 0.8, 0.85, 0.9, 1.0, 1.1, 1.15, 1.2, 1.3, 1.45):
        image = scene.face_scene(SAMPLE_PERSON, 1, FacePose(size=size))
        face = detector.analyse(image)
        assert face.box is not None
        fraction = face.box.width / 640
        sized = {PhotoProblem.TOO_SMALL, PhotoProblem.TOO_BIG} & set(
            check_and_crop(image, face, spec).problems)
        if guide.min_face_fraction <= fraction <= guide.max_face_fraction:
            inside += 1
            assert not sized, (size, fraction)
        elif fraction < low or fraction > high:
            assert sized, (size, fraction)
    assert inside >= 2

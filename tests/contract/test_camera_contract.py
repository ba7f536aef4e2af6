"""The camera contract, run against every implementation and both roles.

Implementations: the simulator (the OpenCV driver reading the synthetic scene as an
MJPEG stream over loopback HTTP) and the OpenCV driver reading a recorded MJPEG video.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.base import Device
from drivers.camera.base import Camera, LensCoveredError
from drivers.camera.frames import CameraPurpose, CapturedImage, Frame
from drivers.camera.jpeg import decode_image, jpeg_comments
from drivers.camera.opencv_camera import OpenCvCamera
from drivers.camera.recording import SAMPLE_PERSON
from drivers.camera.sim import SimulatedCamera
from drivers.health import HealthLevel
from drivers.registry import implementation_class
from drivers.statistics import StatisticsStore
from drivers.status import DeviceState, StatusChange
from kiosk_base.errors import DeviceNotOpenError, NoDeviceError, UnknownFaultError
from tests.camera_recordings import record_simulated_scene

ROLES = ["face_camera", "document_camera"]
IMPLS = ["sim", "opencv"]


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("camera-videos")
    return {
        "face_camera": record_simulated_scene(d / "face.avi", "face"),
        "document_camera": record_simulated_scene(d / "document.avi", "document"),
    }


@pytest.fixture(params=[(i, r) for i in IMPLS for r in ROLES], ids=lambda p: f"{p[0]}-{p[1]}")
def camera(
    request: pytest.FixtureRequest, videos: dict[str, Path], state_dir: Path
) -> Iterator[Camera]:
    impl, role = request.param
    cls = implementation_class("camera", impl)
    raw: dict[str, object] = {}
    if impl == "opencv":
        raw["source"] = str(videos[role])
    device = cls(
        role, cls.Settings.model_validate(raw), statistics=StatisticsStore(state_dir / "stats.json")
    )
    assert isinstance(device, Camera)
    if isinstance(device, SimulatedCamera):
        device.simulator.present_person(SAMPLE_PERSON)
    yield device
    device.close()


def test_registry_names_both_implementations() -> None:
    assert implementation_class("camera", "sim") is SimulatedCamera
    assert implementation_class("camera", "opencv") is OpenCvCamera


def test_open_close_and_status_events(camera: Camera) -> None:
    events: list[StatusChange] = []
    camera.subscribe(events.append)
    status = camera.open()
    assert status.state == DeviceState.ONLINE
    assert status.detail["purpose"] == camera.purpose.value
    camera.close()
    camera.close()  # twice is fine
    states = [e.new.state for e in events]
    assert states[0] == DeviceState.STARTING
    assert DeviceState.ONLINE in states
    assert states[-1] == DeviceState.CLOSED


def test_purpose_follows_role(camera: Camera) -> None:
    expected = CameraPurpose.DOCUMENT if camera.name == "document_camera" else CameraPurpose.FACE
    assert camera.purpose == expected


def test_capture_before_open_is_refused(camera: Camera) -> None:
    with pytest.raises(DeviceNotOpenError):
        camera.capture()


def test_capture_gives_a_jpeg_with_analysis(camera: Camera) -> None:
    camera.open()
    shot = camera.capture().result(timeout=30)
    image = decode_image(shot.jpeg)
    assert (image.shape[1], image.shape[0]) == (shot.width, shot.height)
    if camera.purpose == CameraPurpose.FACE:
        assert shot.face is not None and shot.face.ok, shot.face
        assert shot.page is None
    else:
        assert shot.page is not None and shot.page.found
        assert shot.original is not None
        # The page is cut out upright: portrait, roughly A4 (1.414), not the 4:3 frame.
        assert 1.15 < shot.height / shot.width < 1.7
    assert camera.statistics.snapshot()["captures"] == 1


def test_preview_delivers_analysed_frames_on_the_device_worker(camera: Camera) -> None:
    camera.open()
    frames: list[Frame] = []
    threads: set[str] = set()
    enough = threading.Event()

    def on_frame(frame: Frame) -> None:
        frames.append(frame)
        threads.add(threading.current_thread().name)
        if len(frames) >= 3:
            enough.set()

    camera.start_preview(on_frame, fps=30)
    assert camera.status.detail["preview"] == "on"
    assert enough.wait(30), "no preview frames arrived"
    camera.stop_preview()
    assert camera.status.detail["preview"] == "off"
    assert not camera.preview_running
    assert [f.sequence for f in frames[:3]] == [1, 2, 3]
    assert all(name.startswith(f"dev-{camera.name}") for name in threads)
    if camera.purpose == CameraPurpose.FACE:
        assert frames[0].face is not None and frames[0].face.box is not None
    else:
        assert frames[0].page is not None and frames[0].page.found
    # A capture still works while a preview runs (it queues between frames).
    camera.start_preview(lambda frame: None, fps=30)
    assert camera.capture().result(timeout=30).jpeg
    camera.stop_preview()


def test_health_at_both_levels(camera: Camera) -> None:
    assert not camera.check_health().ok  # closed
    camera.open()
    internal = camera.check_health(HealthLevel.INTERNAL)
    assert internal.ok, internal
    assert "frame" not in [name for name, _, _ in internal.checks]
    external = camera.check_health(HealthLevel.EXTERNAL)
    assert external.ok, external
    assert {"frame", "lens", "not_blank"} <= {name for name, _, _ in external.checks}


def test_statistics_persist(camera: Camera, state_dir: Path) -> None:
    camera.open()
    camera.capture().result(timeout=30)
    camera.capture().result(timeout=30)
    reloaded = StatisticsStore(state_dir / "stats.json").snapshot(camera.name)
    assert reloaded["captures"] == 2


# -- fault injection (implementations with a simulator) ------------------------------


def _simulated(camera: Device) -> SimulatedCamera:
    if camera.simulator is None:
        pytest.skip("real driver: faults come from its transport (see tests/drivers/camera)")
    assert isinstance(camera, SimulatedCamera)
    return camera


def test_simulator_lists_its_faults_and_refuses_unknown_ones(camera: Camera) -> None:
    sim = _simulated(camera).simulator
    assert set(sim.faults()) == {"no_device", "covered", "no_face", "blurry", "too_dark"}
    with pytest.raises(UnknownFaultError):
        sim.inject("on_fire")
    sim.inject("blurry")
    assert camera.describe()["faults"] == {"blurry": {}}


def test_no_device_fault_fails_open_then_recovers(camera: Camera) -> None:
    sim = _simulated(camera).simulator
    sim.inject("no_device")
    assert camera.open().state == DeviceState.NO_DEVICE
    with pytest.raises(NoDeviceError):  # an unplugged camera, whichever read finds it out
        camera.capture().result(timeout=30)
    assert not camera.check_health(HealthLevel.EXTERNAL).ok
    sim.clear("no_device")
    assert _capture_within(camera, 10).jpeg  # the driver retries a lost camera each second
    assert state_of(camera) == DeviceState.ONLINE


def _capture_within(camera: Camera, seconds: float) -> CapturedImage:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return camera.capture().result(timeout=30)
        except NoDeviceError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_covered_lens_is_a_user_error_until_uncovered(camera: Camera) -> None:
    sim = _simulated(camera).simulator
    camera.open()
    sim.inject("covered")
    with pytest.raises(LensCoveredError) as info:
        camera.capture().result(timeout=30)
    assert info.value.code == "LENS_COVERED"
    assert info.value.user_facing().message_key == "error.camera.lens_covered"
    assert state_of(camera) == DeviceState.USER_ERROR
    assert camera.status.detail["lens"] == "covered"
    assert not camera.check_health(HealthLevel.EXTERNAL).ok
    sim.clear("covered")
    camera.capture().result(timeout=30)
    assert state_of(camera) == DeviceState.ONLINE
    assert camera.status.detail["lens"] == "ok"


@pytest.mark.parametrize(
    ("fault", "problem"),
    [("no_face", "no_face"), ("blurry", "blurry"), ("too_dark", "too_dark")],
)
def test_image_faults_are_found_by_the_real_analysis(
    camera: Camera, fault: str, problem: str
) -> None:
    sim = _simulated(camera).simulator
    camera.open()
    sim.inject(fault)
    shot = camera.capture().result(timeout=30)
    if camera.purpose == CameraPurpose.FACE:
        assert shot.face is not None
        assert problem in shot.face.problems
    elif fault == "no_face":
        assert shot.page is not None and not shot.page.found


def test_simulated_face_camera_marks_who_it_saw(camera: Camera) -> None:
    sim_camera = _simulated(camera)
    camera.open()
    if camera.purpose != CameraPurpose.FACE:
        assert _capture_comments(sim_camera) == []
        return
    assert _capture_comments(sim_camera) == [f"sim-person={SAMPLE_PERSON}"]
    sim_camera.simulator.present_person(None)
    assert _capture_comments(sim_camera) == ["sim-person=none"]


def test_real_driver_never_writes_the_simulation_marker(camera: Camera) -> None:
    if camera.simulator is not None:
        pytest.skip("only the real driver")
    camera.open()
    assert not any(c.startswith("sim-person") for c in _capture_comments(camera))


def _capture_comments(camera: Camera) -> list[str]:
    return jpeg_comments(camera.capture().result(timeout=30).jpeg)


def state_of(device: Device) -> DeviceState:
    """The current state (a call, so mypy does not narrow it across actions)."""
    return device.status.state

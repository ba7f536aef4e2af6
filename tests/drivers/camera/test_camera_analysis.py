"""Face and page analysis on synthetic scenes: the real detectors, real pixels."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.camera.document import PageDetector, order_corners, rectify
from drivers.camera.face import FaceDetector, FaceProblem, is_lens_covered
from drivers.camera.frames import CameraPurpose, CapturedImage
from drivers.camera.jpeg import decode_image, encode_jpeg
from drivers.camera.recording import SAMPLE_PERSON
from drivers.camera.scene import FacePose, SceneRenderer

FACE = SceneRenderer(640, 480)
DOCS = SceneRenderer(1280, 960)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


@pytest.mark.parametrize("person", [SAMPLE_PERSON, "310101199001011234", "440305200012125678"])
def test_the_drawn_person_is_found_by_the_haar_cascade(detector: FaceDetector, person: str) -> None:
    analysis = detector.analyse(FACE.face_scene(person, 1))
    assert analysis.ok, analysis
    assert analysis.faces == 1 and analysis.box is not None


def test_nobody_means_no_face(detector: FaceDetector) -> None:
    assert detector.analyse(FACE.face_scene(None, 1)).problems == (FaceProblem.NO_FACE,)


def test_off_centre_face(detector: FaceDetector) -> None:
    shifted = np.roll(FACE.face_scene(SAMPLE_PERSON, 1), 180, axis=1)
    assert FaceProblem.OFF_CENTRE in detector.analyse(shifted).problems


def test_face_too_far_away(detector: FaceDetector) -> None:
    small = cv2.resize(FACE.face_scene(SAMPLE_PERSON, 1), (256, 192))
    canvas = np.full((480, 640, 3), 160, np.uint8)
    canvas[144:336, 192:448] = small
    analysis = detector.analyse(canvas)
    assert analysis.box is not None
    assert FaceProblem.TOO_SMALL in analysis.problems


def test_two_people(detector: FaceDetector) -> None:
    left = cv2.resize(FACE.face_scene(SAMPLE_PERSON, 1), (320, 240))
    right = cv2.resize(FACE.face_scene("310101199001011234", 2), (320, 240))
    both = np.vstack(
        [
            np.full((120, 640, 3), 150, np.uint8),
            np.hstack([left, right]),
            np.full((120, 640, 3), 170, np.uint8),
        ]
    )
    analysis = detector.analyse(both)
    assert analysis.faces == 2 and FaceProblem.SEVERAL_FACES in analysis.problems


@pytest.mark.parametrize("pose", [FacePose(), FacePose(size=0.75), FacePose(size=1.4),
                                  FacePose(x=-0.15, y=0.1), FacePose(turn=1),
                                  FacePose(eyes_closed=True)], ids=repr)
def test_tracking_the_last_face_finds_the_box_a_full_search_finds(
    detector: FaceDetector, pose: FacePose
) -> None:
    frames = [FACE.face_scene(SAMPLE_PERSON, i, pose) for i in range(3)]
    for before, now in itertools.pairwise(frames):
        last = detector.find_faces(before)[0]
        full = detector.find_faces(now)[0]
        tracked = detector.find_faces(now, near=last)
        assert tracked, pose
        box = tracked[0]
        # What the guidance reads: position and size, to 1/40 of the frame.
        assert abs(box.centre[0] - full.centre[0]) <= 16
        assert abs(box.centre[1] - full.centre[1]) <= 12
        assert abs(box.width - full.width) <= 16


def test_a_face_that_moved_away_is_searched_for_in_the_whole_frame(
    detector: FaceDetector,
) -> None:
    left = detector.find_faces(FACE.face_scene(SAMPLE_PERSON, 1, FacePose(x=-0.25)))[0]
    right = FACE.face_scene(SAMPLE_PERSON, 2, FacePose(x=0.25))
    assert detector.find_faces(right, near=left) == []  # not where it was
    analysis = detector.analyse(right, near=left)
    assert analysis.box is not None and analysis.box.x > left.x + 200
    # Nobody there: no face, whatever was tracked.
    assert detector.analyse(FACE.face_scene(None, 3), near=left).box is None


def test_blur_and_darkness(detector: FaceDetector) -> None:
    frame = FACE.face_scene(SAMPLE_PERSON, 1)
    assert detector.analyse(SceneRenderer.blurred(frame)).problems == (FaceProblem.BLURRY,)
    dark = detector.analyse(SceneRenderer.darkened(frame))
    assert FaceProblem.TOO_DARK in dark.problems and FaceProblem.BLURRY not in dark.problems


def test_covered_lens_is_told_from_a_dark_room() -> None:
    frame = FACE.face_scene(SAMPLE_PERSON, 1)
    assert is_lens_covered(SceneRenderer.covered(frame))
    assert not is_lens_covered(SceneRenderer.darkened(frame))
    assert not is_lens_covered(frame)


def test_page_on_the_desk_is_found_near_where_it_was_laid() -> None:
    analysis = PageDetector().analyse(DOCS.document_scene(0))
    assert analysis.quad is not None
    # The scene lays the page at these corners (see SceneRenderer.document_scene).
    expected = [
        (0.33 * 1280 - 2.4, 96),
        (0.73 * 1280, 0.17 * 960 - 2.4),
        (0.66 * 1280, 883),
        (0.22 * 1280, 797),
    ]
    for (x, y), (ex, ey) in zip(analysis.quad, expected, strict=True):
        assert abs(x - ex) < 15 and abs(y - ey) < 15


def test_empty_desk_has_no_page() -> None:
    assert not PageDetector().analyse(DOCS.empty_desk(0)).found


def test_warped_page_is_upright_white_paper_with_text() -> None:
    frame = DOCS.document_scene(0)
    quad = PageDetector().analyse(frame).quad
    assert quad is not None
    page = rectify(frame, quad)
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    # A4 is 1.414; side lengths of a perspective quad only approximate the aspect.
    assert 1.2 < h / w < 1.6
    assert np.median(grey) > 200  # paper turned white
    assert (grey < 100).mean() > 0.02  # and the print is there


@given(st.permutations(list(range(4))))
def test_corner_order_does_not_depend_on_input_order(order: list[int]) -> None:
    quad = [(100.0, 50.0), (500.0, 90.0), (460.0, 600.0), (60.0, 560.0)]
    assert order_corners([quad[i] for i in order]) == tuple(quad)


def test_manual_corners_recut_a_capture() -> None:
    frame = DOCS.empty_desk(0)
    original = encode_jpeg(frame)
    shot = CapturedImage(original, 1280, 960, CameraPurpose.DOCUMENT, original=original)
    recut = shot.with_corners([(900, 100), (300, 100), (300, 900), (900, 900)])
    assert (recut.width, recut.height) == (600, 800)
    assert decode_image(recut.jpeg).shape[:2] == (800, 600)
    assert recut.page is not None and recut.page.area_fraction == pytest.approx(0.39, abs=0.01)


@pytest.mark.parametrize(
    "corners",
    [
        [(0, 0), (10, 0), (10, 10)],
        [(0, 0), (5000, 0), (5000, 10), (0, 10)],
        [(5, 5), (6, 5), (6, 6), (5, 6)],
    ],
)
def test_unusable_manual_corners_are_refused(corners: list[tuple[float, float]]) -> None:
    original = encode_jpeg(DOCS.empty_desk(0))
    shot = CapturedImage(original, 1280, 960, CameraPurpose.DOCUMENT, original=original)
    with pytest.raises(ValueError):
        shot.with_corners(corners)


def test_face_capture_cannot_be_recut() -> None:
    shot = CapturedImage(encode_jpeg(FACE.face_scene(None, 0)), 640, 480, CameraPurpose.FACE)
    with pytest.raises(ValueError):
        shot.with_corners(list(itertools.repeat((1.0, 1.0), 4)))

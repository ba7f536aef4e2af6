"""The document camera's page pieces: the desk scene, stillness, manual corners, the PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from drivers.camera.desk_scene import DeskState, phone_file, render_desk
from drivers.camera.document import PageDetector, PageStillness, guess_corners, rectify
from drivers.camera.scene import SceneRenderer
from kiosk.flow.steps.document_pdf import DocumentTooLargeError, build_pdf

SQUARE = ((0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8))
MOVED = ((0.3, 0.2), (0.9, 0.2), (0.9, 0.8), (0.3, 0.8))


@pytest.mark.parametrize("angle", [-35, -10, 0, 25])
def test_a_page_at_an_angle_is_found_and_cut_upright(angle: float) -> None:
    scene, desk = SceneRenderer(1280, 960), DeskState()
    desk.place_page(angle)
    frame = render_desk(scene, desk.view, 1)
    page = PageDetector().analyse(frame)
    assert page.quad is not None
    cut = rectify(frame, page.quad)
    assert cut.shape[0] > cut.shape[1]  # portrait, as the form is


def test_a_hand_over_the_page_hides_its_edges_and_the_guess_is_inside_the_frame() -> None:
    scene, desk = SceneRenderer(1280, 960), DeskState()
    desk.place_page(20)
    desk.hand_over_page(True)
    frame = render_desk(scene, desk.view, 1)
    assert PageDetector().analyse(frame).quad is None
    corners = guess_corners(frame)
    assert all(0 <= x <= 1279 and 0 <= y <= 959 for x, y in corners)
    assert rectify(frame, corners).size > 0
    desk.remove_page()
    assert PageDetector().analyse(render_desk(scene, desk.view, 2)).quad is None


def test_stillness_fires_once_after_a_change_never_for_the_page_already_there() -> None:
    still = PageStillness(still_frames=3)
    assert not any(still.update(SQUARE) for _ in range(10))  # lying there at the start
    fired = [still.update(MOVED) for _ in range(8)]  # moved: fires once it is still
    assert fired.count(True) == 1 and fired.index(True) == 3
    assert not any(still.update(None) for _ in range(3))  # taken away: arms, no page
    assert [still.update(SQUARE) for _ in range(5)].count(True) == 1


def test_pages_become_one_pdf_under_the_cap_or_a_clear_refusal() -> None:
    _, photo = phone_file(1)
    pdf = build_pdf([photo, photo, photo], 3_000_000)
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == pdf.pages == 3
    assert len(pdf.data) <= 3_000_000
    small = build_pdf([photo] * 3, 120_000)  # quality and resolution give way
    assert len(small.data) <= 120_000 and small.pages == 3
    with pytest.raises(DocumentTooLargeError) as err:
        build_pdf([photo] * 3, 2_000)
    assert err.value.message_key == "scan.pdf_too_large"

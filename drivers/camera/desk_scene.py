"""What lies on the simulated document camera's desk: a page at an angle, a hand.

Scenario ops and the simulator panel change it live (``place_page``, ``hand_over_page``,
``remove_page``); :func:`render_desk` draws it with the scene renderer's desk and form,
so the real page detection, stillness tracking and warp run on what it shows. The
default (nothing placed yet) is the renderer's own document scene: a form turned ~10°.
"""

from __future__ import annotations

import io
import logging
import math
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera.jpeg import Image
from drivers.camera.scene import SceneRenderer, _page_image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeskView:
    #: None: the default scene; False: empty desk; True: the placed page.
    page: bool | None
    angle: float = 10.0
    hand: bool = False
    #: Which page of a document: printed on the sheet so pages tell apart.
    number: int = 1


class DeskState:
    """The desk under the document camera; thread-safe (ops come from the UI thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._view = DeskView(page=None)

    @property
    def view(self) -> DeskView:
        with self._lock:
            return self._view

    def place_page(self, angle: float = 10.0, number: int | None = None) -> None:
        """Put a page on the desk, turned by ``angle`` degrees (a new page each time)."""
        if not -60 <= angle <= 60:
            raise ValueError(f"a page on the desk is turned -60..60°, not {angle}")
        with self._lock:
            previous = self._view
            n = number if number is not None else (previous.number + 1 if previous.page else 1)
            self._view = DeskView(page=True, angle=angle, hand=False, number=n)
        log.info("simulated desk: page placed at %.0f°", angle)

    def hand_over_page(self, on: bool = True) -> None:
        with self._lock:
            v = self._view
            self._view = DeskView(page=v.page, angle=v.angle, hand=on, number=v.number)
        log.info("simulated desk: hand %s", "over the page" if on else "withdrawn")

    def remove_page(self) -> None:
        with self._lock:
            self._view = DeskView(page=False, number=self._view.number)
        log.info("simulated desk: page removed")


def render_desk(renderer: SceneRenderer, view: DeskView, frame_no: int) -> Image:
    if view.page is None:
        image = renderer.document_scene(frame_no)
    elif view.page:
        image = _with_page(renderer, view, frame_no)
    else:
        image = renderer.empty_desk(frame_no)
    if view.hand:
        _draw_hand(image, frame_no)
    return image


def _numbered_page(number: int) -> Image:
    page = _page_image().copy()
    ph, pw = page.shape[:2]
    cv2.putText(page, f"- {number} -", (pw // 2 - 60, ph - 40), cv2.FONT_HERSHEY_SIMPLEX,
                1.4, (40, 40, 40), 3, cv2.LINE_AA)
    return page


def _with_page(renderer: SceneRenderer, view: DeskView, frame_no: int) -> Image:
    desk = renderer.empty_desk(frame_no)
    page = _numbered_page(view.number)
    w, h = renderer.width, renderer.height
    ph, pw = page.shape[:2]
    # The page's height is ~78% of the frame; turned about the frame's centre, with a
    # little keystone (the camera looks from above the front edge of the desk).
    half_h = 0.39 * h
    half_w = half_h * pw / ph
    a = math.radians(view.angle)
    cos, sin = math.cos(a), math.sin(a)
    cx, cy = 0.5 * w, 0.5 * h
    wobble = (frame_no % 8 - 4) * 0.3
    corners = []
    for x, y, keystone in ((-half_w, -half_h, 0.94), (half_w, -half_h, 0.94),
                           (half_w, half_h, 1.0), (-half_w, half_h, 1.0)):
        x *= keystone
        corners.append([cx + x * cos - y * sin + wobble, cy + x * sin + y * cos])
    target = np.array(corners, dtype=np.float32)
    src = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, target)
    warped = cv2.warpPerspective(page, matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full((ph, pw), 255, np.uint8), matrix, (w, h),
                               flags=cv2.INTER_AREA)
    alpha = (mask.astype(np.float32) / 255.0)[..., None]
    out = warped.astype(np.float32) * alpha + desk.astype(np.float32) * (1 - alpha)
    return np.asarray(out, dtype=np.uint8)


def _draw_hand(image: Image, frame_no: int) -> None:
    """A hand reaching in from the bottom right over the page's edge, moving a little."""
    h, w = image.shape[:2]
    s = h / 960
    drift = int((frame_no % 10) * 6 * s)
    palm = (int(0.66 * w) - drift, int(0.80 * h))
    skin = (120, 160, 215)
    cv2.ellipse(image, palm, (int(150 * s), int(120 * s)), -30, 0, 360, skin, -1)
    cv2.rectangle(image, (palm[0], palm[1]), (w, h), skin, -1)  # the arm
    for i in range(4):
        angle = math.radians(-150 + i * 18)
        tip = (int(palm[0] + math.cos(angle) * 260 * s), int(palm[1] + math.sin(angle) * 260 * s))
        cv2.line(image, palm, tip, skin, int(44 * s), cv2.LINE_AA)


def phone_file(pages: int, as_pdf: bool = False) -> tuple[str, bytes]:
    """What the simulated phone sends: a photo of a page, or a PDF of ``pages`` pages."""
    photos = []
    for n in range(1, pages + 1):
        ok, jpeg = cv2.imencode(".jpg", _numbered_page(n), [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        photos.append(jpeg.tobytes())
    if not as_pdf:
        if pages != 1:
            raise ValueError("a photo is one page; send several pages as a PDF")
        return "image/jpeg", photos[0]
    from PIL import Image as PilImage  # only the simulated phone makes PDFs here

    images = [PilImage.open(io.BytesIO(p)) for p in photos]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=100.0)
    return "application/pdf", buf.getvalue()

"""Synthetic scenes for the simulated cameras.

The face scene draws a simple person (hair, face, eyes with brows, nose, mouth,
shoulders) that OpenCV's real Haar cascade detects; the person's colours and position
vary a little with the ID number presented, so different residents look different.
The document scene lays a white A4 form with printed Chinese and English text,
rotated and in perspective, on a darker desk, so the real page detection and warp
run on it. Frames carry a little sensor noise and jitter so a preview looks alive.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont

from drivers.camera.jpeg import Image

log = logging.getLogger(__name__)

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
_NOISE_FRAMES = 4


@dataclass(frozen=True)
class FacePose:
    """How the person stands in front of the face camera (what a scenario controls).

    ``x``/``y`` move the face from the centre (fractions of the frame width/height),
    ``size`` scales it (1.0 is a resident at the usual distance), ``turn`` turns the head
    (-1 to the camera's left, 1 to its right: the features move across the face, which
    a flat photo cannot do), ``blur`` is a Gaussian sigma in pixels, ``light`` scales the
    exposure (1.0 normal), ``photo`` holds up a flat printed photo of the person instead.
    """

    x: float = 0.0
    y: float = 0.0
    size: float = 1.0
    turn: float = 0.0
    eyes_closed: bool = False
    blur: float = 0.0
    light: float = 1.0
    photo: bool = False


class SceneRenderer:
    """Renders frames of one size; cheap per frame (backgrounds and noise are cached)."""

    def __init__(self, width: int, height: int, seed: int = 7) -> None:
        self.width = width
        self.height = height
        self._seed = seed
        # The wall, desk and noise are made as the frames first need them: a simulated
        # camera's open waits for its first frame, and the face camera never shows the
        # desk (nor the document camera the wall).

    @cached_property
    def _wall(self) -> Image:
        return _wall(self.width, self.height)

    @cached_property
    def _desk(self) -> Image:
        return _desk(self.width, self.height, np.random.default_rng(self._seed))

    def face_scene(
        self, person: str | None, frame_no: int, pose: FacePose | None = None
    ) -> Image:
        """The face camera's view: a person (or the empty wall when ``person`` is None)."""
        pose = pose or FacePose()
        image = self._wall.copy()
        if person is not None and pose.photo:
            _draw_photo(image, person, pose)
        elif person is not None:
            _draw_person(image, person, frame_no, pose)
        if pose.blur > 0:
            image = self.blurred(image, pose.blur)
        if pose.light != 1.0:
            image = np.asarray(np.clip(image * pose.light, 0, 255), dtype=np.uint8)
        return self._finish(image, frame_no)

    def document_scene(self, frame_no: int) -> Image:
        """The document camera's view: a form lying rotated on the desk."""
        image = self._desk.copy()
        page = _page_image()
        w, h = self.width, self.height
        ph, pw = page.shape[:2]
        wobble = (frame_no % 8 - 4) * 0.6
        # A page about 70% of the frame height, turned by ~10° and slightly in
        # perspective (the camera looks from above, not exactly square-on).
        target = np.array(
            [
                [0.33 * w + wobble, 0.10 * h],
                [0.73 * w, 0.17 * h + wobble],
                [0.66 * w, 0.92 * h],
                [0.22 * w, 0.83 * h],
            ],
            dtype=np.float32,
        )
        src = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], dtype=np.float32)
        matrix = cv2.getPerspectiveTransform(src, target)
        warped = cv2.warpPerspective(page, matrix, (w, h), flags=cv2.INTER_AREA)
        mask = cv2.warpPerspective(
            np.full((ph, pw), 255, np.uint8), matrix, (w, h), flags=cv2.INTER_AREA
        )
        alpha = mask.astype(np.float32) / 255.0
        # OpenCV's blend: 3 ms a 1280x960 frame, where the same sums in numpy took 22.
        blended = cv2.blendLinear(warped, image, alpha, 1.0 - alpha)
        return self._finish(np.asarray(blended, dtype=np.uint8), frame_no)

    def empty_desk(self, frame_no: int) -> Image:
        """The document camera's view with nothing on the desk."""
        return self._finish(self._desk.copy(), frame_no)

    @staticmethod
    def covered(image: Image) -> Image:
        """A hand or sticker over the lens: almost black."""
        return np.asarray((image // 40) + 2, dtype=np.uint8)

    @staticmethod
    def blurred(image: Image, sigma: float = 6.0) -> Image:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.uint8)

    @staticmethod
    def darkened(image: Image) -> Image:
        return np.asarray(image // 5, dtype=np.uint8)

    @cached_property
    def _noise(self) -> np.ndarray[Any, np.dtype[np.int16]]:
        """Sensor noise of about 3 levels (std 2.8), bell-shaped: the sum of two uniform
        draws in 0..6, less 6, made when a frame first needs it. Frame ``n`` takes the
        rows from ``n % _NOISE_FRAMES`` on, so no two frames in a row have the same
        noise, from one draw (15 ms at 1280x960; the Gaussian draw of each of four
        frames took 40 ms of the simulator's CPU in the kiosk's first second)."""
        rng = np.random.default_rng(self._seed)
        shape = (self.height + _NOISE_FRAMES - 1, self.width, 3)
        draw = rng.integers(0, 7, shape, dtype=np.uint8)
        draw += rng.integers(0, 7, shape, dtype=np.uint8)
        noise = draw.astype(np.int16)
        noise -= 6
        return noise

    def _noise_frame(self, index: int) -> np.ndarray[Any, np.dtype[np.int16]]:
        return self._noise[index : index + self.height]

    def _finish(self, image: Image, frame_no: int) -> Image:
        noisy = image.astype(np.int16) + self._noise_frame(frame_no % _NOISE_FRAMES)
        return np.asarray(np.clip(noisy, 0, 255), dtype=np.uint8)


def _wall(width: int, height: int) -> Image:
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top = np.array([150, 140, 120], np.float32)
    bottom = np.array([190, 170, 140], np.float32)
    column = (top + (bottom - top) * ramp).astype(np.uint8)
    return np.broadcast_to(column, (height, width, 3)).copy()


def _desk(width: int, height: int, rng: np.random.Generator) -> Image:
    # Dark wood: brown with horizontal grain.
    noise = rng.normal(0, 1, (height, 1)).astype(np.float32)
    grain = np.asarray(cv2.GaussianBlur(noise, (1, 9), 0), dtype=np.float32) * 12
    base = np.array([40, 62, 92], np.float32)  # BGR
    column = np.clip(base + grain[:, :, None], 0, 255).astype(np.uint8)
    return np.broadcast_to(column, (height, width, 3)).copy()


def _person_traits(person: str) -> tuple[tuple[int, int, int], tuple[int, int, int], int, int]:
    """Skin, hair colour and a small offset derived from the person's ID number."""
    digest = hashlib.sha256(person.encode("utf-8")).digest()
    skins = [(140, 175, 220), (120, 160, 205), (160, 190, 230), (105, 140, 185)]
    hairs = [(30, 30, 35), (25, 40, 70), (60, 60, 65), (20, 20, 20)]
    return skins[digest[0] % 4], hairs[digest[1] % 4], digest[2] % 21 - 10, digest[3] % 11 - 5


def _draw_person(
    image: Image, person: str, frame_no: int, pose: FacePose, *, still: bool = False
) -> None:
    h, w = image.shape[:2]
    skin, hair, dx, dy = _person_traits(person)
    s = min(w, h) / 480 * pose.size
    sway = 0 if still else (frame_no % 6) - 3  # a person never stands perfectly still
    cx = w // 2 + int((dx + sway) * s + pose.x * w)
    cy = h // 2 + int(dy * s + pose.y * h)
    # A turned head: the features slide across the face and the outline narrows a
    # little; the hair shows more on the far side.
    turn = max(-1.0, min(1.0, pose.turn))
    fx = 24 * turn
    narrow = 1 - 0.12 * abs(turn)

    def p(x: float, y: float) -> tuple[int, int]:
        return (cx + int(x * s), cy + int(y * s))

    def r(a: float, b: float) -> tuple[int, int]:
        return (max(1, int(a * s)), max(1, int(b * s)))

    def thick(t: float) -> int:
        return max(1, int(t * s))

    cv2.ellipse(image, p(0, 250), r(210, 130), 0, 0, 360, (90, 60, 40), -1)  # shoulders
    cv2.rectangle(image, p(-35, 80), p(35, 140), tuple(int(c * 0.85) for c in skin), -1)
    cv2.ellipse(image, p(-10 * turn, -20), r(107 * narrow, 130), 0, 0, 360, hair, -1)
    cv2.ellipse(image, p(0, 5), r(95 * narrow, 125), 0, 0, 360, skin, -1)
    for side in (-1, 1):
        ex, ey = 40 * side * narrow + fx, -25
        cv2.ellipse(image, p(ex, ey - 18), r(24, 6), 0, 180, 360, (40, 40, 50), thick(5))
        if pose.eyes_closed:
            lid = tuple(int(c * 0.8) for c in skin)
            cv2.ellipse(image, p(ex, ey), r(20, 9), 0, 0, 360, lid, -1)
            cv2.ellipse(image, p(ex, ey + 2), r(20, 4), 0, 0, 180, (60, 50, 50), thick(2))
        else:
            cv2.ellipse(image, p(ex, ey), r(20, 10), 0, 0, 360, (240, 240, 240), -1)
            cv2.circle(image, p(ex, ey), max(2, int(8 * s)), (40, 30, 30), -1)
    shade = tuple(int(c * 0.72) for c in skin)
    cv2.line(image, p(fx * 1.3, -15), p(fx * 1.3 - 8, 30), shade, thick(4))
    cv2.line(image, p(fx * 1.3 - 8, 30), p(fx * 1.3 + 8, 32), shade, thick(4))
    cv2.ellipse(image, p(fx, 62), r(30, 10), 0, 0, 180, (70, 70, 150), thick(6))
    image[:] = cv2.GaussianBlur(image, (3, 3), 0)


def _draw_photo(image: Image, person: str, pose: FacePose) -> None:
    """A printed photo of ``person`` held up to the camera: a flat, rigid picture.

    Turning it squeezes the whole picture (features stay where they are on the face),
    the eyes never close and nothing in it moves.
    """
    h, w = image.shape[:2]
    card_w, card_h = int(0.42 * w * pose.size), int(0.62 * h * pose.size)
    card = np.full((card_h, card_w, 3), (235, 225, 215), np.uint8)  # a light photo backdrop
    # The face fills the picture as on an ID photo, big enough to be found.
    flat = FacePose(size=0.75 * pose.size * 480 / min(card_w, card_h))
    _draw_person(card, person, 0, flat, still=True)
    cv2.rectangle(card, (0, 0), (card_w - 1, card_h - 1), (250, 250, 250), max(2, card_w // 30))
    squeeze = max(0.2, 1 - 0.35 * abs(max(-1.0, min(1.0, pose.turn))))
    size = (max(8, int(card_w * squeeze)), card_h)
    card = np.asarray(cv2.resize(card, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    ch, cw = card.shape[:2]
    x0 = int(w / 2 + pose.x * w - cw / 2)
    y0 = int(h / 2 + pose.y * h - ch / 2)
    xs, ys = max(0, x0), max(0, y0)
    xe, ye = min(w, x0 + cw), min(h, y0 + ch)
    if xe > xs and ye > ys:
        image[ys:ye, xs:xe] = card[ys - y0 : ye - y0, xs - x0 : xe - x0]


@lru_cache(maxsize=1)
def _page_image() -> Image:
    """A filled-in application form, A4 proportions, rendered once."""
    pw, ph = 840, 1188
    page = PilImage.new("RGB", (pw, ph), (246, 246, 242))
    draw = ImageDraw.Draw(page)
    title_font, body_font = _fonts()
    draw.text((pw // 2, 70), "居民身份信息登记表", fill=(20, 20, 20), font=title_font, anchor="mm")
    draw.text(
        (pw // 2, 120), "Resident Registration Form", fill=(40, 40, 40), font=body_font, anchor="mm"
    )
    rows = [
        ("姓名 Name", "示例 SAMPLE"),
        ("性别 Sex", "男 M"),
        ("出生日期 Date of birth", "1958-03-07"),
        ("住址 Address", "示例市示例区示例路 1 号"),
        ("联系电话 Phone", "138****0000"),
        ("申请事项 Request", "老年人优待证 Elderly card"),
    ]
    top = 180
    for i, (label, value) in enumerate(rows):
        y = top + i * 80
        draw.rectangle((60, y, pw - 60, y + 80), outline=(30, 30, 30), width=2)
        draw.line((370, y, 370, y + 80), fill=(30, 30, 30), width=2)
        draw.text((75, y + 26), label, fill=(20, 20, 20), font=body_font)
        draw.text((390, y + 26), value, fill=(30, 30, 90), font=body_font)
    y = top + len(rows) * 80 + 50
    for line in range(9):
        width = pw - 160 - (line * 37) % 180
        draw.text(
            (80, y + line * 46), "本人承诺所填信息真实有效。" * 2, fill=(50, 50, 50), font=body_font
        )
        draw.line((80, y + line * 46 + 38, 80 + width, y + line * 46 + 38), fill=(200, 200, 200))
    draw.ellipse((pw - 300, ph - 300, pw - 110, ph - 110), outline=(200, 40, 40), width=6)
    draw.text((pw - 205, ph - 205), "示例专用章", fill=(200, 40, 40), font=body_font, anchor="mm")
    rgb = np.asarray(page, dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _fonts() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, ...]:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, 44), ImageFont.truetype(candidate, 26)
    log.warning("no CJK font found; the simulated page is printed with the default font")
    default = ImageFont.load_default()
    return default, default

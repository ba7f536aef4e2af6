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
from functools import lru_cache
from pathlib import Path

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


class SceneRenderer:
    """Renders frames of one size; cheap per frame (backgrounds and noise are cached)."""

    def __init__(self, width: int, height: int, seed: int = 7) -> None:
        self.width = width
        self.height = height
        rng = np.random.default_rng(seed)
        self._noise = [
            rng.normal(0, 3.0, (height, width, 3)).astype(np.int16) for _ in range(_NOISE_FRAMES)
        ]
        self._wall = _wall(width, height)
        self._desk = _desk(width, height, rng)

    def face_scene(self, person: str | None, frame_no: int) -> Image:
        """The face camera's view: a person (or the empty wall when ``person`` is None)."""
        image = self._wall.copy()
        if person is not None:
            _draw_person(image, person, frame_no)
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
        alpha = (mask.astype(np.float32) / 255.0)[..., None]
        blended = warped.astype(np.float32) * alpha + image.astype(np.float32) * (1 - alpha)
        return self._finish(blended.astype(np.uint8), frame_no)

    def empty_desk(self, frame_no: int) -> Image:
        """The document camera's view with nothing on the desk."""
        return self._finish(self._desk.copy(), frame_no)

    @staticmethod
    def covered(image: Image) -> Image:
        """A hand or sticker over the lens: almost black."""
        return np.asarray((image // 40) + 2, dtype=np.uint8)

    @staticmethod
    def blurred(image: Image) -> Image:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), 6.0), dtype=np.uint8)

    @staticmethod
    def darkened(image: Image) -> Image:
        return np.asarray(image // 5, dtype=np.uint8)

    def _finish(self, image: Image, frame_no: int) -> Image:
        noisy = image.astype(np.int16) + self._noise[frame_no % _NOISE_FRAMES]
        return np.asarray(np.clip(noisy, 0, 255), dtype=np.uint8)


def _wall(width: int, height: int) -> Image:
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top = np.array([150, 140, 120], np.float32)
    bottom = np.array([190, 170, 140], np.float32)
    column = top + (bottom - top) * ramp
    return np.broadcast_to(column, (height, width, 3)).astype(np.uint8).copy()


def _desk(width: int, height: int, rng: np.random.Generator) -> Image:
    # Dark wood: brown with horizontal grain.
    noise = rng.normal(0, 1, (height, 1)).astype(np.float32)
    grain = np.asarray(cv2.GaussianBlur(noise, (1, 9), 0), dtype=np.float32) * 12
    base = np.array([40, 62, 92], np.float32)  # BGR
    desk = base + grain[:, :, None]
    return np.clip(np.broadcast_to(desk, (height, width, 3)), 0, 255).astype(np.uint8).copy()


def _person_traits(person: str) -> tuple[tuple[int, int, int], tuple[int, int, int], int, int]:
    """Skin, hair colour and a small offset derived from the person's ID number."""
    digest = hashlib.sha256(person.encode("utf-8")).digest()
    skins = [(140, 175, 220), (120, 160, 205), (160, 190, 230), (105, 140, 185)]
    hairs = [(30, 30, 35), (25, 40, 70), (60, 60, 65), (20, 20, 20)]
    return skins[digest[0] % 4], hairs[digest[1] % 4], digest[2] % 21 - 10, digest[3] % 11 - 5


def _draw_person(image: Image, person: str, frame_no: int) -> None:
    h, w = image.shape[:2]
    skin, hair, dx, dy = _person_traits(person)
    s = min(w, h) / 480
    sway = (frame_no % 6) - 3  # a person never stands perfectly still
    cx = w // 2 + int((dx + sway) * s)
    cy = h // 2 + int(dy * s)

    def p(x: float, y: float) -> tuple[int, int]:
        return (cx + int(x * s), cy + int(y * s))

    def r(a: float, b: float) -> tuple[int, int]:
        return (int(a * s), int(b * s))

    cv2.ellipse(image, p(0, 250), r(210, 130), 0, 0, 360, (90, 60, 40), -1)  # shoulders
    cv2.rectangle(image, p(-35, 80), p(35, 140), tuple(int(c * 0.85) for c in skin), -1)
    cv2.ellipse(image, p(0, -20), r(107, 130), 0, 0, 360, hair, -1)
    cv2.ellipse(image, p(0, 5), r(95, 125), 0, 0, 360, skin, -1)
    for side in (-1, 1):
        ex, ey = 40 * side, -25
        cv2.ellipse(image, p(ex, ey - 18), r(24, 6), 0, 180, 360, (40, 40, 50), max(1, int(5 * s)))
        cv2.ellipse(image, p(ex, ey), r(20, 10), 0, 0, 360, (240, 240, 240), -1)
        cv2.circle(image, p(ex, ey), max(2, int(8 * s)), (40, 30, 30), -1)
    shade = tuple(int(c * 0.72) for c in skin)
    cv2.line(image, p(0, -15), p(-8, 30), shade, max(1, int(4 * s)))
    cv2.line(image, p(-8, 30), p(8, 32), shade, max(1, int(4 * s)))
    cv2.ellipse(image, p(0, 62), r(30, 10), 0, 0, 180, (70, 70, 150), max(1, int(6 * s)))
    image[:] = cv2.GaussianBlur(image, (3, 3), 0)


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

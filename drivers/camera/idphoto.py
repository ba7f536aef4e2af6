"""ID photo: quality checks on a captured frame, then crop and scale to a photo spec.

The default spec is the Chinese resident ID card photo, 358 x 441 px (26 x 32 mm at
350 dpi): the head fills about two thirds of the height, centred, on a plain light
background. Each failed check names what is wrong and so how to fix it; the screen
shows the first one (``photo.problem.<name>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from drivers.camera.face import Box, FaceAnalysis, FaceProblem, laplacian_variance
from drivers.camera.guidance import GuideSettings
from drivers.camera.jpeg import Image, to_grey


class PhotoProblem(StrEnum):
    """Why a capture cannot be an ID photo, in the order a screen should say them."""

    NO_FACE = "no_face"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    BLURRY = "blurry"
    TOO_SMALL = "too_small"
    TOO_BIG = "too_big"
    OFF_CENTRE = "off_centre"
    BACKGROUND = "background"


@dataclass(frozen=True)
class PhotoSpec:
    width: int = 358
    height: int = 441
    #: Haar face box height (brows to chin, roughly) as a fraction of the photo height.
    face_height: float = 0.52
    #: Face box centre from the top, as a fraction of the photo height.
    face_centre_y: float = 0.56
    #: A cut reaching past the frame by at most this (fraction of its size) is moved in.
    slack: float = 0.08
    min_brightness: float = 80
    max_brightness: float = 225
    min_sharpness: float = 40
    #: The background (above and beside the head) must be at least this light ...
    min_background: float = 120
    #: ... and this plain (grey-level standard deviation).
    max_background_spread: float = 22


@dataclass(frozen=True, eq=False)
class IdPhotoResult:
    """The checks' verdict and, when it passed, the photo cut to the spec."""

    problems: tuple[PhotoProblem, ...]
    photo: Image | None

    @property
    def ok(self) -> bool:
        return not self.problems and self.photo is not None

    def __repr__(self) -> str:  # never dump pixels into a log
        return f"IdPhotoResult(problems={[p.value for p in self.problems]})"


def face_band(spec: PhotoSpec, width: int, height: int) -> tuple[float, float]:
    """The face widths (fractions of a ``width`` x ``height`` frame) whose photo the
    checks below accept: big enough that the cut is not blown up (``too_small``),
    small enough that it fits in the frame (``too_big``). The face box is square."""
    smallest = 0.8 * spec.height * spec.face_height
    tallest_cut = min(height, width * spec.height / spec.width) / (1 - spec.slack)
    return smallest / width, tallest_cut * spec.face_height / width


def photo_guide(spec: PhotoSpec, width: int, height: int) -> GuideSettings:
    """What the live guidance asks for an ID photo: the face a little inside the band
    the checks accept (so a resident told "ready" is not then told "too small")."""
    low, high = face_band(spec, width, height)
    return GuideSettings(min_face_fraction=round(low * 1.05, 3),
                         max_face_fraction=round(high * 0.95, 3))


def check_and_crop(image: Image, face: FaceAnalysis, spec: PhotoSpec) -> IdPhotoResult:
    """Check ``image`` (the frame ``face`` analysed) and cut the ID photo from it."""
    box = face.box
    if box is None or FaceProblem.NO_FACE in face.problems:
        return IdPhotoResult((PhotoProblem.NO_FACE,), None)
    problems: list[PhotoProblem] = []
    grey = to_grey(image)
    region = grey[box.y : box.y + box.height, box.x : box.x + box.width]
    brightness = float(region.mean())
    if brightness < spec.min_brightness:
        problems.append(PhotoProblem.TOO_DARK)
    elif brightness > spec.max_brightness:
        problems.append(PhotoProblem.TOO_BRIGHT)
    if laplacian_variance(region) < spec.min_sharpness:
        problems.append(PhotoProblem.BLURRY)
    h, w = grey.shape[:2]
    crop = _fit_in_frame(_crop_rect(box, spec), w, h, spec.slack)
    x, y, cw, ch = crop
    if ch < 0.8 * spec.height:  # the face too far away: the photo would be blown up
        problems.append(PhotoProblem.TOO_SMALL)
    if x < 0 or y < 0 or x + cw > w or y + ch > h:
        # The photo would reach past the frame: too close, or too far to one side.
        too_big = cw > w or ch > h
        problems.append(PhotoProblem.TOO_BIG if too_big else PhotoProblem.OFF_CENTRE)
    if not problems and not _plain_light_background(grey, box, crop, spec):
        problems.append(PhotoProblem.BACKGROUND)
    if problems:
        return IdPhotoResult(tuple(problems), None)
    cut = image[y : y + ch, x : x + cw]
    photo = cv2.resize(cut, (spec.width, spec.height), interpolation=cv2.INTER_AREA)
    return IdPhotoResult((), np.asarray(photo, dtype=np.uint8))


def _crop_rect(box: Box, spec: PhotoSpec) -> tuple[int, int, int, int]:
    """(x, y, w, h) in frame pixels of the photo around the face, at the spec's aspect."""
    ch = box.height / spec.face_height
    cw = ch * spec.width / spec.height
    cx, cy = box.centre
    return (int(cx - cw / 2), int(cy - spec.face_centre_y * ch), int(cw), int(ch))


def _fit_in_frame(
    crop: tuple[int, int, int, int], w: int, h: int, slack: float
) -> tuple[int, int, int, int]:
    """Move (or shrink) a cut that reaches a little past the frame back inside it."""
    x, y, cw, ch = crop
    shrink = min(w / cw, h / ch)
    if 1 - slack <= shrink < 1:  # a little too big: the face comes out a little larger
        x, y = int(x + cw * (1 - shrink) / 2), int(y + ch * (1 - shrink) / 2)
        cw, ch = int(cw * shrink), int(ch * shrink)
    if cw <= w and -slack * cw <= x and x + cw <= w + slack * cw:
        x = min(max(x, 0), w - cw)
    if ch <= h and -slack * ch <= y and y + ch <= h + slack * ch:
        y = min(max(y, 0), h - ch)
    return (x, y, cw, ch)


def _plain_light_background(
    grey: Image, box: Box, crop: tuple[int, int, int, int], spec: PhotoSpec
) -> bool:
    """Sample the photo's top corners, beside the head: light and plain."""
    x, y, cw, ch = crop
    side = max(4, int(0.14 * cw))
    top = max(4, int(0.12 * ch))
    patches = [
        grey[y : y + top, x : x + side],
        grey[y : y + top, x + cw - side : x + cw],
    ]
    values = np.concatenate([p.reshape(-1) for p in patches if p.size])
    if values.size == 0:
        return False
    return bool(
        float(values.mean()) >= spec.min_background
        and float(values.std()) <= spec.max_background_spread
    )

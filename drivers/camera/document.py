"""Page detection, perspective correction and enhancement for the document camera.

Detection: blur, Canny edges, close the gaps, take the largest contour whose polygon
approximation has four corners and covers a reasonable part of the frame. When it
finds nothing (a page on a white desk, a folded corner), the screen lets the resident
or staff drag the corners and calls :func:`rectify` with them: the manual fallback.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera.jpeg import Image, to_grey

#: Four (x, y) corners in image pixels, ordered top-left, top-right, bottom-right,
#: bottom-left.
Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]

_DETECT_WIDTH = 480


@dataclass(frozen=True)
class PageAnalysis:
    """What page detection found in one frame."""

    #: The page's corners, or None when no page was found.
    quad: Quad | None
    #: Page area as a fraction of the frame (0 when none).
    area_fraction: float

    @property
    def found(self) -> bool:
        return self.quad is not None


class PageDetector:
    """Finds the largest four-cornered page in a frame."""

    def __init__(self, min_area_fraction: float = 0.15, max_area_fraction: float = 0.98) -> None:
        self.min_area_fraction = min_area_fraction
        self.max_area_fraction = max_area_fraction

    def analyse(self, image: Image) -> PageAnalysis:
        scale = min(1.0, _DETECT_WIDTH / image.shape[1])
        small = shrink(image, scale)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        grey = cv2.GaussianBlur(grey, (5, 5), 0)
        edges = cv2.Canny(grey, 50, 150)
        edges = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
        contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        frame_area = float(small.shape[0] * small.shape[1])
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            area = cv2.contourArea(contour)
            fraction = area / frame_area
            if fraction < self.min_area_fraction:
                break
            if fraction > self.max_area_fraction:
                continue
            perimeter = cv2.arcLength(contour, True)
            approx = cv2.approxPolyDP(contour, 0.02 * perimeter, True)
            if len(approx) == 4 and cv2.isContourConvex(approx):
                points = [(float(x) / scale, float(y) / scale) for [[x, y]] in approx]
                return PageAnalysis(order_corners(points), fraction)
        return PageAnalysis(None, 0.0)


def shrink(image: Image, scale: float) -> Image:
    """``image`` scaled down by ``scale`` (area averaging). An 8-megapixel frame is first
    cut down by a whole factor, OpenCV's fast path, then to the exact size: a third of
    the time of one area resize at an odd factor, the same picture to the eye."""
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    whole = int(1 / scale) if scale < 1 else 1
    if whole >= 2:
        image = np.asarray(cv2.resize(image, (w // whole, h // whole),
                                      interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def order_corners(points: Sequence[tuple[float, float]]) -> Quad:
    """Order four points top-left, top-right, bottom-right, bottom-left."""
    if len(points) != 4:
        raise ValueError(f"a page has 4 corners, got {len(points)}")
    cx = sum(p[0] for p in points) / 4
    cy = sum(p[1] for p in points) / 4
    # Sort by angle around the centre, starting from the top-left quadrant.
    by_angle = sorted(points, key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
    # atan2 ordering (y down) goes TL(-135°) -> TR(-45°) -> BR(45°) -> BL(135°), but a
    # strongly rotated page can start elsewhere: rotate so the first is nearest (0, 0)
    # relative to the page (smallest x + y).
    start = min(range(4), key=lambda i: by_angle[i][0] + by_angle[i][1])
    p = by_angle[start:] + by_angle[:start]
    return ((p[0][0], p[0][1]), (p[1][0], p[1][1]), (p[2][0], p[2][1]), (p[3][0], p[3][1]))


def warp_page(image: Image, quad: Quad) -> Image:
    """Perspective-correct the page inside ``quad`` into an upright rectangle."""
    tl, tr, br, bl = (np.array(p, dtype=np.float32) for p in quad)
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    if width < 8 or height < 8:
        raise ValueError("the corners enclose no usable area")
    src = np.array([tl, tr, br, bl], dtype=np.float32)
    dst = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_CUBIC)
    return np.asarray(warped, dtype=np.uint8)


def enhance_page(image: Image) -> Image:
    """Flatten uneven lighting and sharpen, so a photographed page reads like a scan.

    Dividing by a heavily blurred background (a shading correction) turns the paper
    white and keeps text, stamps and photos in grey; an unsharp mask crisps the text.
    Colour is dropped: forms are read, not admired, and grey halves the upload.
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    # The background is smooth: estimate it on a copy at most ~800 px across (a large
    # median filter on an 8-megapixel page costs seconds) and scale it back up.
    h, w = grey.shape[:2]
    shrink = max(1, min(h, w) // 800)
    small = cv2.resize(grey, (w // shrink, h // shrink), interpolation=cv2.INTER_AREA) \
        if shrink > 1 else grey
    kernel = max(15, (min(small.shape[:2]) // 20) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    background = cv2.medianBlur(background, kernel if kernel <= 255 else 255)
    if shrink > 1:
        background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(grey, np.maximum(background, 1), scale=255)
    blurred = cv2.GaussianBlur(flat, (0, 0), 1.5)
    sharp = cv2.addWeighted(flat, 1.6, blurred, -0.6, 0)
    return np.asarray(cv2.cvtColor(sharp, cv2.COLOR_GRAY2BGR), dtype=np.uint8)


def rectify(image: Image, corners: Sequence[tuple[float, float]], enhance: bool = True) -> Image:
    """Warp (and enhance) the page at ``corners``: detection's result or the user's."""
    h, w = image.shape[:2]
    for x, y in corners:
        if not (-1 <= x <= w + 1 and -1 <= y <= h + 1):
            raise ValueError(f"corner ({x:.0f}, {y:.0f}) lies outside the {w}x{h} image")
    if enhance:  # enhancement drops colour: warping one grey channel is a third the work
        return enhance_page(warp_page(to_grey(image), order_corners(corners)))
    return warp_page(image, order_corners(corners))


def guess_corners(image: Image) -> Quad:
    """Where the manual corner editor starts when detection found no clean page.

    The rotated bounding box of the largest bright region (a page partly hidden, a
    folded corner) when there is one, else a rectangle inset 10% from the frame's edge.
    """
    h, w = image.shape[:2]
    scale = min(1.0, _DETECT_WIDTH / w)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    _, mask = cv2.threshold(cv2.GaussianBlur(grey, (5, 5), 0), 0, 255,
                            cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area = float(small.shape[0] * small.shape[1])
    if contours:
        largest = max(contours, key=cv2.contourArea)
        if 0.05 <= cv2.contourArea(largest) / area <= 0.98:
            box = cv2.boxPoints(cv2.minAreaRect(largest))
            points = [(min(max(float(x) / scale, 0.0), w - 1.0),
                       min(max(float(y) / scale, 0.0), h - 1.0)) for x, y in box]
            return order_corners(points)
    return ((0.1 * w, 0.1 * h), (0.9 * w, 0.1 * h), (0.9 * w, 0.9 * h), (0.1 * w, 0.9 * h))


#: Side of the grey thumbnail motion is judged on.
_SIGNATURE_SIZE = (32, 24)


def motion_signature(image: Image) -> Image:
    """A tiny grey thumbnail: two frames whose signatures differ show motion."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return np.asarray(cv2.resize(grey, _SIGNATURE_SIZE, interpolation=cv2.INTER_AREA))


def preview_image(image: Image, width: int = 640) -> Image:
    """A display-sized copy of a frame (the screen never gets the full-size frame)."""
    scale = min(1.0, width / image.shape[1])
    if scale == 1.0:
        return image.copy()
    return np.asarray(cv2.resize(image, None, fx=scale, fy=scale,
                                 interpolation=cv2.INTER_AREA), dtype=np.uint8)


class PageStillness:
    """When to capture automatically: a page was placed (or moved) and is now still.

    Fed one frame at a time with the page's corners (fractions of the frame, or None)
    and the frame's :func:`motion_signature`. A page lying there when watching starts
    is not captured by itself (the resident may still be arranging it: the button
    takes it); the trigger arms when the desk changes — a page put down, turned, a
    hand passing over it — and fires once the page has stayed put for ``still_frames``.
    After firing it waits for the next change, so one page is captured once.
    """

    def __init__(self, still_frames: int = 5, corner_tolerance: float = 0.015,
                 motion_threshold: float = 6.0) -> None:
        self.still_frames = still_frames
        self.corner_tolerance = corner_tolerance
        self.motion_threshold = motion_threshold
        self._corners: Sequence[tuple[float, float]] | None = None
        self._signature: Image | None = None
        self._still = 0
        self._armed = False
        self._seen = False

    @property
    def armed(self) -> bool:
        return self._armed

    @property
    def still_count(self) -> int:
        return self._still

    def arm(self) -> None:
        """Capture the next still page (after a manual capture was refused, say)."""
        self._armed = True

    def update(self, corners: Sequence[tuple[float, float]] | None,
               signature: Image | None = None) -> bool:
        """Take one frame; True when this frame is the moment to capture."""
        moved = self._moved(corners, signature)
        self._signature = signature
        first = not self._seen
        self._seen = True
        if corners is None:
            self._corners = None
            self._still = 0
            self._armed = self._armed or not first
            return False
        if moved:
            self._still = 0
            self._armed = self._armed or not first
        else:
            self._still += 1
        self._corners = corners
        if self._armed and self._still >= self.still_frames:
            self._armed = False
            return True
        return False

    def _moved(self, corners: Sequence[tuple[float, float]] | None,
               signature: Image | None) -> bool:
        if corners is None or self._corners is None:
            return True
        shift = max(math.hypot(a[0] - b[0], a[1] - b[1])
                    for a, b in zip(corners, self._corners, strict=True))
        if shift > self.corner_tolerance:
            return True
        if signature is not None and self._signature is not None:
            diff = float(np.mean(cv2.absdiff(signature, self._signature)))
            return diff > self.motion_threshold
        return False

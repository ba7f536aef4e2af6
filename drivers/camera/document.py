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

from drivers.camera.jpeg import Image

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
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
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
    kernel = max(15, (min(grey.shape[:2]) // 20) | 1)
    background = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    background = cv2.medianBlur(background, kernel if kernel <= 255 else 255)
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
    page = warp_page(image, order_corners(corners))
    return enhance_page(page) if enhance else page

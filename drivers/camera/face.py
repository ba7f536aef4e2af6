"""Face analysis for the face camera: one face, centred, big enough, lit, sharp.

Detection uses OpenCV's frontal-face Haar cascade as shipped in the opencv-python(-headless)
4.x wheels under ``cv2.data.haarcascades`` (Intel License Agreement, a BSD-style
licence, reproduced at the top of the XML file). It loads offline from the installed
package; nothing is downloaded. The kiosk only checks that a usable face is in front of
the camera; the comparison with the ID card holder happens on the backend.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np

from drivers.camera.jpeg import Image, to_grey
from drivers.camera.liveness import FaceFeatures, measure_features
from kiosk_base.errors import ConfigError

#: The cascade file inside the OpenCV wheel.
CASCADE_FILE = "haarcascade_frontalface_default.xml"
#: Width the detector works at; faces at kiosk distance stay far above the minimum size.
_DETECT_WIDTH = 320
#: Tracking a face: the region searched reaches this far past the last box (fraction of
#: its width; a face moves less between two analysed frames) ...
_TRACK_MARGIN = 0.3
#: ... for faces this much smaller or bigger than the last one.
_TRACK_SIZES = (0.8, 1.25)


class FaceProblem(StrEnum):
    """Why a frame is not good enough, in the order a screen should mention them."""

    TOO_DARK = "too_dark"
    NO_FACE = "no_face"
    SEVERAL_FACES = "several_faces"
    TOO_SMALL = "too_small"
    OFF_CENTRE = "off_centre"
    BLURRY = "blurry"


@dataclass(frozen=True)
class Box:
    """A rectangle in image pixels."""

    x: int
    y: int
    width: int
    height: int

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)


@dataclass(frozen=True)
class FaceAnalysis:
    """What face analysis found in one frame."""

    #: The largest face found, or None.
    box: Box | None
    #: How many faces were found.
    faces: int
    #: Mean grey level (0-255) of the face, or of the whole frame without a face.
    brightness: float
    #: Variance of the Laplacian over the same region: low means blurred.
    sharpness: float
    problems: tuple[FaceProblem, ...]
    #: Eyes and head turn of the largest face (None without a face).
    features: FaceFeatures | None = None

    @property
    def ok(self) -> bool:
        """Whether the frame is good enough for verification or an ID photo."""
        return not self.problems


@dataclass(frozen=True)
class FaceCriteria:
    """Thresholds of a usable face frame (calibrate per camera through settings)."""

    #: Face width as a fraction of the frame width.
    min_face_fraction: float = 0.2
    #: Largest distance of the face centre from the frame centre, as a fraction of size.
    max_centre_offset: float = 0.15
    min_brightness: float = 70.0
    min_sharpness: float = 40.0


class FaceDetector:
    """Analyses frames for a usable face. Thread-safe (one cascade, one lock)."""

    def __init__(self, criteria: FaceCriteria | None = None, cascade: Path | None = None) -> None:
        self.criteria = criteria or FaceCriteria()
        path = cascade or Path(cv2.data.haarcascades) / CASCADE_FILE  # type: ignore[attr-defined]
        self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise ConfigError(f"face cascade {path} could not be loaded", code="CASCADE")
        # CascadeClassifier is not documented as thread-safe; previews and health
        # checks of two cameras may share a detector.
        self._lock = threading.Lock()

    def find_faces(self, image: Image, near: Box | None = None) -> list[Box]:
        """All frontal faces in ``image``, largest first.

        With ``near`` (the face found a moment ago) only the region around it is
        searched, and only for faces of about its size: the same detector at the same
        scale, so the box comes out as a full search finds it, at a quarter of the cost.
        A face that left that region is not found; the caller searches the whole frame.
        """
        grey = to_grey(image)
        scale = min(1.0, _DETECT_WIDTH / grey.shape[1])
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        small = cv2.equalizeHist(small)
        # Faces narrower than 15% of the frame are too far away to guide or use
        # anyway; skipping those scales is most of the detector's time.
        side = max(24, int(0.15 * small.shape[1]))
        biggest = (0, 0)  # OpenCV: no upper limit
        x0 = y0 = 0
        if near is not None:
            margin = _TRACK_MARGIN * near.width * scale
            x0 = max(0, int(near.x * scale - margin))
            y0 = max(0, int(near.y * scale - margin))
            x1 = int((near.x + near.width) * scale + margin)
            y1 = int((near.y + near.height) * scale + margin)
            small = small[y0:y1, x0:x1]
            width = near.width * scale
            side = max(side, int(_TRACK_SIZES[0] * width))
            top = int(_TRACK_SIZES[1] * width) + 1
            biggest = (top, top)
            if min(small.shape[:2]) < side:
                return []
        with self._lock:
            found = self._cascade.detectMultiScale(
                small, scaleFactor=1.1, minNeighbors=5, minSize=(side, side), maxSize=biggest
            )
        boxes = [
            Box(int((x + x0) / scale), int((y + y0) / scale), int(w / scale), int(h / scale))
            for (x, y, w, h) in found
        ]
        return sorted(boxes, key=lambda b: b.width * b.height, reverse=True)

    def analyse(self, image: Image, near: Box | None = None) -> FaceAnalysis:
        """Find the face and list every problem with the frame.

        With ``near`` the face is looked for around that box first (see
        :meth:`find_faces`; ``faces`` then counts the faces in that region) and in the
        whole frame when it is not there.
        """
        c = self.criteria
        height, width = image.shape[:2]
        grey = to_grey(image)
        boxes = self.find_faces(grey, near) if near is not None else []
        if not boxes:
            boxes = self.find_faces(grey)
        box = boxes[0] if boxes else None
        region = grey
        if box is not None:
            region = grey[box.y : box.y + box.height, box.x : box.x + box.width]
        brightness = float(region.mean()) if region.size else 0.0
        sharpness = laplacian_variance(region)
        problems: list[FaceProblem] = []
        if brightness < c.min_brightness:
            problems.append(FaceProblem.TOO_DARK)
        if box is None:
            problems.append(FaceProblem.NO_FACE)
        else:
            if len(boxes) > 1:
                problems.append(FaceProblem.SEVERAL_FACES)
            if box.width < c.min_face_fraction * width:
                problems.append(FaceProblem.TOO_SMALL)
            cx, cy = box.centre
            if (
                abs(cx - width / 2) > c.max_centre_offset * width
                or abs(cy - height / 2) > c.max_centre_offset * height
            ):
                problems.append(FaceProblem.OFF_CENTRE)
        # Focus cannot be judged in the dark (contrast, and so the measure, collapses).
        if sharpness < c.min_sharpness and FaceProblem.TOO_DARK not in problems:
            problems.append(FaceProblem.BLURRY)
        features = None
        if box is not None and image.ndim == 3:
            features = measure_features(image, (box.x, box.y, box.width, box.height))
        return FaceAnalysis(box, len(boxes), brightness, sharpness, tuple(problems), features)



def laplacian_variance(grey: Image) -> float:
    """Focus measure: the variance of the Laplacian (near zero for a blurred image)."""
    if grey.size == 0:
        return 0.0
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def is_lens_covered(image: Image) -> bool:
    """A covered lens gives an almost uniform, almost black frame."""
    small = cv2.resize(image, (64, 48), interpolation=cv2.INTER_AREA)
    return bool(small.mean() < 16 and float(np.std(small)) < 8)

"""Liveness for the face check: the eyes and the head's turn, and a random challenge.

Two measures from the face box of one frame (no landmark model; both are plain image
measures that work on the kiosk's camera and on the synthetic scene):

* eyes open: round dark blobs (irises) in the eye band of the face; closed lids leave
  only thin lines, which a morphological opening removes;
* turn (yaw): where the eyes sit between the face's left and right edge on the cheek
  line. A head turned to the resident's left moves the features toward the image's
  right (the camera faces the resident) while the outline stays: the parallax a flat
  photo cannot show, since turning a photo squeezes features and outline alike.

A :class:`LivenessCheck` asks for one gesture (blink, turn left, turn right) and passes
only when the frames show it; a printed photo never blinks and never shows parallax.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from drivers.camera.jpeg import Image

#: A turn this strong (asymmetry of the eyes between the face edges) counts as turned.
TURNED = 0.2
#: Below this the face looks straight at the camera.
STRAIGHT = 0.08


@dataclass(frozen=True)
class FaceFeatures:
    """What the eyes and the face's outline show in one frame."""

    #: Iris blobs found in the eye band (0 with the eyes closed).
    eyes: int
    #: -1..1, > 0 when the head is turned to the resident's left; None if unmeasurable.
    yaw: float | None

    @property
    def eyes_open(self) -> bool:
        return self.eyes > 0


def measure_features(image: Image, box: tuple[int, int, int, int]) -> FaceFeatures:
    """Eyes and turn of the face at ``box`` (x, y, width, height) in the BGR frame."""
    x, y, w, h = box
    bx0, bx1 = x + int(0.1 * w), x + int(0.9 * w)
    band = image[y + int(0.22 * h) : y + int(0.55 * h), bx0:bx1]
    if band.size == 0 or w < 24 or image.ndim != 3:
        return FaceFeatures(0, None)
    grey = np.asarray(cv2.cvtColor(band, cv2.COLOR_BGR2GRAY), dtype=np.float32)
    skin = float(np.median(grey))
    # Open eyes show their whites: clearly brighter than the skin around them.
    white = np.asarray((grey > min(skin + 40, 235)) * 255, dtype=np.uint8)
    opened = cv2.morphologyEx(white, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _, stats, centroids = cv2.connectedComponentsWithStats(opened)
    min_area = max(4, (w // 40) ** 2)
    eyes = [
        float(centroids[i][0]) + bx0
        for i in range(1, count)
        if min_area <= stats[i, cv2.CC_STAT_AREA]
        and stats[i, cv2.CC_STAT_WIDTH] < w / 3
        and stats[i, cv2.CC_STAT_HEIGHT] < h / 8
    ]
    if not eyes:
        return FaceFeatures(0, None)
    midpoint = _between_the_eyes(sorted(eyes), w)
    return FaceFeatures(len(eyes), None if midpoint is None else _yaw(image, box, midpoint))


def _between_the_eyes(xs: list[float], w: int) -> float | None:
    """The midpoint of the two eyes from their white blobs (a pupil splits one eye's
    white in two). None unless both eyes are seen: one eye's midpoint is no midpoint."""
    if len(xs) < 2:
        return None
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    split = max(range(len(gaps)), key=gaps.__getitem__)
    if gaps[split] < w / 8:
        return None
    left, right = xs[: split + 1], xs[split + 1 :]
    return (sum(left) / len(left) + sum(right) / len(right)) / 2


def _yaw(image: Image, box: tuple[int, int, int, int], eyes_x: float) -> float | None:
    """Asymmetry of the eyes' midpoint between the face's edges on the cheek line."""
    x, y, w, h = box
    row_y = y + int(0.6 * h)
    if row_y + 3 >= image.shape[0]:
        return None
    x0, x1 = max(0, x - w // 3), min(image.shape[1], x + w + w // 3)
    row = image[row_y - 2 : row_y + 3, x0:x1].astype(np.float32).mean(axis=0)
    centre = int(eyes_x) - x0
    if not 0 <= centre < row.shape[0]:
        return None
    near = row[max(0, centre - w // 8) : centre + w // 8 + 1]
    cheek = np.median(near, axis=0)
    like_skin = np.abs(row - cheek).sum(axis=1) < 45
    # Bridge the thin nose line and noise: a gap narrower than this is still the face.
    gap = max(2, w // 20)
    left = _run(like_skin, centre, -1, gap)
    right = _run(like_skin, centre, 1, gap)
    if left + right < w // 3:
        return None
    return (left - right) / (left + right)


def _run(mask: np.ndarray, start: int, step: int, gap: int) -> int:
    """How far from ``start`` the face's skin reaches, gaps shorter than ``gap`` bridged."""
    pos, last, misses = start, start, 0
    while 0 <= pos + step < mask.size:
        pos += step
        if mask[pos]:
            last, misses = pos, 0
        else:
            misses += 1
            if misses > gap:
                break
    return abs(last - start)


class Challenge(StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"


class LivenessOutcome(StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    #: No gesture in time: a photo, or a resident who did not understand.
    TIMED_OUT = "timed_out"


def random_challenge(rng: random.Random | None = None) -> Challenge:
    return (rng or random.SystemRandom()).choice(list(Challenge))


class LivenessCheck:
    """Watches frames for one challenge's gesture; not thread-safe (one preview feeds it).

    Blink: eyes seen closed, then open again. Turn: the head first straight,
    then turned the asked way past :data:`TURNED` in two measured frames.
    """

    def __init__(self, challenge: Challenge, started: float, timeout_s: float = 10.0) -> None:
        self.challenge = challenge
        self.deadline = started + timeout_s
        self._seen_closed = False
        self._seen_straight = False
        self._turned = 0
        self.outcome = LivenessOutcome.PENDING

    def observe(self, features: FaceFeatures | None, now: float) -> LivenessOutcome:
        if self.outcome is not LivenessOutcome.PENDING:
            return self.outcome
        if features is not None:
            self._take(features)
        if self.outcome is LivenessOutcome.PENDING and now >= self.deadline:
            self.outcome = LivenessOutcome.TIMED_OUT
        return self.outcome

    def _take(self, f: FaceFeatures) -> None:
        if self.challenge is Challenge.BLINK:
            # Closed, then open again (the eyes were open while the face was placed).
            if f.eyes_open and self._seen_closed:
                self.outcome = LivenessOutcome.PASSED
            elif not f.eyes_open:
                self._seen_closed = True
            return
        if f.yaw is None:
            return
        if abs(f.yaw) < STRAIGHT:
            self._seen_straight = True
        sign = 1 if self.challenge is Challenge.TURN_LEFT else -1
        if self._seen_straight and f.yaw * sign > TURNED:
            self._turned += 1
            if self._turned >= 2:
                self.outcome = LivenessOutcome.PASSED

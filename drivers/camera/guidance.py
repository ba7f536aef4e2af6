"""What to tell a resident in front of the face camera, from what the camera sees.

:class:`FaceGuide` turns each analysed frame into one :class:`Guidance` (the most
useful thing to fix first: light, then distance, then position, then the head's turn,
then stillness) and decides when the face has been well placed and steady long enough
for an automatic capture. Directions are the resident's own: the camera faces them,
so a face on the image's left means "move to your left" (the preview is mirrored, so
on screen the face then moves toward the guide, as in a mirror).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from drivers.camera.face import FaceAnalysis, FaceProblem
from drivers.camera.liveness import TURNED


class Guidance(StrEnum):
    NO_FACE = "no_face"
    TOO_DARK = "too_dark"
    MOVE_CLOSER = "move_closer"
    MOVE_BACK = "move_back"
    MOVE_LEFT = "move_left"
    MOVE_RIGHT = "move_right"
    MOVE_UP = "move_up"
    MOVE_DOWN = "move_down"
    LOOK_STRAIGHT = "look_straight"
    HOLD_STILL = "hold_still"
    #: Well placed and steady: ready to capture.
    READY = "ready"


@dataclass(frozen=True)
class GuideSettings:
    #: Face width as a fraction of the frame width: the band a good photo needs.
    min_face_fraction: float = 0.3
    max_face_fraction: float = 0.62
    #: Largest offset of the face centre from the frame centre (fractions of the frame).
    max_offset_x: float = 0.1
    max_offset_y: float = 0.12
    #: How far the face may move between two analysed frames and still be "steady".
    steady_fraction: float = 0.03
    #: How long the face must stay well placed and steady before an automatic capture.
    steady_s: float = 1.0


class FaceGuide:
    """Feeds on analysed frames; not thread-safe (one preview feeds it)."""

    def __init__(self, settings: GuideSettings | None = None) -> None:
        self.settings = settings or GuideSettings()
        self.guidance = Guidance.NO_FACE
        self._last_centre: tuple[float, float] | None = None
        self._ready_since: float | None = None

    def reset(self) -> None:
        self.guidance = Guidance.NO_FACE
        self._last_centre = None
        self._ready_since = None

    def update(self, face: FaceAnalysis, width: int, height: int, now: float) -> Guidance:
        self.guidance = self._judge(face, width, height)
        if self.guidance is Guidance.READY:
            if self._ready_since is None:
                self._ready_since = now
        else:
            self._ready_since = None
        return self.guidance

    def steady_for(self, now: float) -> float:
        """Seconds the face has been ready without a break (0 when it is not)."""
        return 0.0 if self._ready_since is None else now - self._ready_since

    def ready_to_capture(self, now: float) -> bool:
        return self.steady_for(now) >= self.settings.steady_s

    def _judge(self, face: FaceAnalysis, width: int, height: int) -> Guidance:
        s = self.settings
        box = face.box
        if FaceProblem.TOO_DARK in face.problems:
            self._last_centre = None
            return Guidance.TOO_DARK
        if box is None:
            self._last_centre = None
            return Guidance.NO_FACE
        fraction = box.width / width
        cx, cy = box.centre
        previous, self._last_centre = self._last_centre, (cx / width, cy / height)
        if fraction < s.min_face_fraction:
            return Guidance.MOVE_CLOSER
        if fraction > s.max_face_fraction:
            return Guidance.MOVE_BACK
        dx, dy = cx / width - 0.5, cy / height - 0.5
        if dx < -s.max_offset_x:
            return Guidance.MOVE_LEFT
        if dx > s.max_offset_x:
            return Guidance.MOVE_RIGHT
        if dy < -s.max_offset_y:
            return Guidance.MOVE_DOWN
        if dy > s.max_offset_y:
            return Guidance.MOVE_UP
        yaw = face.features.yaw if face.features is not None else None
        if yaw is not None and abs(yaw) > TURNED:
            return Guidance.LOOK_STRAIGHT
        moved = previous is not None and (
            abs(previous[0] - cx / width) > s.steady_fraction
            or abs(previous[1] - cy / height) > s.steady_fraction
        )
        if moved or FaceProblem.BLURRY in face.problems:
            return Guidance.HOLD_STILL
        return Guidance.READY

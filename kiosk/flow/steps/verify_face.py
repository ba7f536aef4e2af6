"""Verify face: a live photo compared by the backend with the card holder's photo.

Up to ``face_attempts`` (3) tries; after the last one the step fails for good and the
resident is told to ask staff. The photo lives only in memory for the call.
"""

from __future__ import annotations

from enum import Enum
from typing import ClassVar

from backend_client.service_definition import VerifyFaceStep
from drivers.errors import UserFacingError
from kiosk.flow.ports import FaceVerdict
from kiosk.flow.steps.base import StepContext, StepController


class VerifyFaceState(Enum):
    READY = "ready"
    CAPTURING = "capturing"
    VERIFYING = "verifying"
    #: Not a match (or no face seen); attempts are left.
    RETRY = "retry"
    #: A device or backend error; capture() tries again without using up an attempt.
    ERROR = "error"
    FAILED = "failed"
    VERIFIED = "verified"


class VerifyFaceController(StepController[VerifyFaceState]):
    step_type = "verify_face"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({
        VerifyFaceState.CAPTURING,
        VerifyFaceState.VERIFYING,
    })

    def __init__(self, context: StepContext, step: VerifyFaceStep) -> None:
        super().__init__(context, VerifyFaceState.READY)
        self.step = step
        self.attempts = 0

    @property
    def done(self) -> bool:
        return self.state is VerifyFaceState.VERIFIED

    @property
    def attempts_left(self) -> int:
        return max(0, self.context.settings.face_attempts - self.attempts)

    def start(self) -> None:
        self._cancelled.clear()
        if self.state is not VerifyFaceState.FAILED:
            self._set_state(VerifyFaceState.READY)

    def capture(self) -> None:
        """Take the photo and have it verified."""
        if self.state not in (VerifyFaceState.READY, VerifyFaceState.RETRY, VerifyFaceState.ERROR):
            return
        camera = self.context.ports.face_camera
        person = self.context.session.person
        if camera is None or person is None:
            missing = UserFacingError("error.device.unavailable")
            self._set_state(VerifyFaceState.ERROR, error=missing)
            return
        self._set_state(VerifyFaceState.CAPTURING)

        def job() -> None:
            image = self._await(camera.capture())
            if self._cancelled.is_set():
                return
            self._set_state(VerifyFaceState.VERIFYING)
            verdict = self._await(
                self.context.ports.identity.verify_face(person, image), backend=True
            )
            if self._cancelled.is_set():
                return
            if verdict is FaceVerdict.MATCH:
                self._set_state(VerifyFaceState.VERIFIED)
                return
            self.attempts += 1
            if self.attempts_left == 0:
                self._set_state(VerifyFaceState.FAILED, error=UserFacingError("face.failed"))
            else:
                key = "face.no_face" if verdict is FaceVerdict.NO_FACE else "face.no_match"
                self._set_state(
                    VerifyFaceState.RETRY,
                    error=UserFacingError(key, {"attempts_left": str(self.attempts_left)}),
                )

        self._run(job, VerifyFaceState.ERROR)

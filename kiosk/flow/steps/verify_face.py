"""Verify face: live guidance, a liveness challenge, then the backend's comparison.

The preview runs while the step is shown. When the face is well placed and steady (or
the resident taps the button), a random challenge is asked: blink, or turn the head
left or right. Only when the live frames show that gesture is a still captured and sent
to the backend, which compares it with the card holder's photo. A printed photo fails
the challenge (it never blinks; turned, it shows no parallax). A failed challenge or a
mismatch uses one of ``face_attempts`` (3); after the last the step fails for good
with a hint to ask staff. The still lives only in memory for the call.
"""

from __future__ import annotations

import logging
import random
from enum import Enum
from typing import ClassVar

from backend_client.service_definition import VerifyFaceStep
from drivers.camera.frames import Frame
from drivers.camera.guidance import Guidance
from drivers.camera.liveness import Challenge, LivenessCheck, LivenessOutcome
from kiosk.flow.ports import FaceVerdict
from kiosk.flow.steps.base import StepContext
from kiosk.flow.steps.face_live import FacePreviewStep
from kiosk_base.errors import UserFacingError

log = logging.getLogger(__name__)

#: How long the resident has to do what the challenge asks.
CHALLENGE_S = 8.0
#: After a failed attempt the message stays this long before the next challenge.
RETRY_PAUSE_S = 2.5


class VerifyFaceState(Enum):
    READY = "ready"
    #: The preview runs; the guidance tells the resident where to stand.
    GUIDING = "guiding"
    #: The liveness challenge is asked and watched.
    CHALLENGE = "challenge"
    CAPTURING = "capturing"
    VERIFYING = "verifying"
    #: Not a match, no face, or the challenge not met; attempts are left.
    RETRY = "retry"
    #: A device or backend error; the preview keeps trying, no attempt is used up.
    ERROR = "error"
    FAILED = "failed"
    VERIFIED = "verified"


class VerifyFaceController(FacePreviewStep[VerifyFaceState]):
    step_type = "verify_face"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({
        VerifyFaceState.CAPTURING,
        VerifyFaceState.VERIFYING,
    })
    #: Where the resident may start (or restart) the check.
    _WAITING = (VerifyFaceState.GUIDING, VerifyFaceState.RETRY, VerifyFaceState.ERROR,
                VerifyFaceState.READY)

    def __init__(self, context: StepContext, step: VerifyFaceStep,
                 rng: random.Random | None = None) -> None:
        super().__init__(context, VerifyFaceState.READY)
        self.step = step
        self.attempts = 0
        self._rng = rng or random.SystemRandom()
        self.challenge: Challenge | None = None
        self._check: LivenessCheck | None = None
        self._paused_until = 0.0
        self._error_since: float | None = None

    @property
    def done(self) -> bool:
        return self.state is VerifyFaceState.VERIFIED

    @property
    def attempts_left(self) -> int:
        return max(0, self.context.settings.face_attempts - self.attempts)

    def start(self) -> None:
        self._cancelled.clear()
        if self.state in (VerifyFaceState.FAILED, VerifyFaceState.VERIFIED):
            return
        if self.live is None or self.context.session.person is None:
            self._set_state(VerifyFaceState.ERROR,
                            error=UserFacingError("error.device.unavailable"))
            return
        self.challenge, self._check = None, None
        self._set_state(VerifyFaceState.GUIDING)
        self.live.start()

    def wipe(self) -> None:
        self._check = None
        super().wipe()

    def capture(self) -> None:
        """The resident's button: start the check now, wherever the face is."""
        if self.state not in self._WAITING or self.live is None:
            return
        if not self.live.running:
            self.start()
        self._begin_challenge()

    # -- on the camera's worker ---------------------------------------------------------

    def _on_guidance(self, guidance: Guidance, frame: Frame) -> None:
        now = self.context.clock.monotonic()
        state = self.state
        if state is VerifyFaceState.ERROR:
            # The camera is back (or the backend failed once): after a moment to read
            # the message, the resident is guided again without losing an attempt.
            if self._error_since is None:
                self._error_since = now
            elif now - self._error_since >= RETRY_PAUSE_S and guidance is not Guidance.NO_FACE:
                self._error_since = None
                self._set_state(VerifyFaceState.GUIDING)
            return
        if state is VerifyFaceState.CHALLENGE and self._check is not None:
            features = frame.face.features if frame.face is not None else None
            outcome = self._check.observe(features, now)
            if outcome is LivenessOutcome.PASSED:
                self._verify()
            elif outcome is LivenessOutcome.TIMED_OUT:
                log.info("step verify_face: liveness challenge not met in time")
                self._attempt_failed("liveness.failed")
            return
        if state in (VerifyFaceState.GUIDING, VerifyFaceState.RETRY):
            if self.live is not None and self.live.guide.ready_to_capture(now) \
                    and now >= self._paused_until:
                self._begin_challenge()
            elif state is VerifyFaceState.GUIDING:
                self._show_guidance(guidance)

    def _on_camera_error(self, error: UserFacingError) -> None:
        if self.state in (VerifyFaceState.GUIDING, VerifyFaceState.CHALLENGE,
                          VerifyFaceState.RETRY, VerifyFaceState.READY):
            self._check = None
            self._error_since = None
            self._watch_closely(False)
            self._set_state(VerifyFaceState.ERROR, error=error)

    # -- the check ------------------------------------------------------------------

    def _begin_challenge(self) -> None:
        with self._lock:
            if self.state not in self._WAITING:
                return
            self.challenge = self._rng.choice(list(Challenge))
            self._check = LivenessCheck(self.challenge, self.context.clock.monotonic(),
                                        CHALLENGE_S)
            log.info("step verify_face: liveness challenge %s", self.challenge.value)
            self._watch_closely(True)
            self._set_state(VerifyFaceState.CHALLENGE)

    def _watch_closely(self, closely: bool) -> None:
        camera = self.context.ports.face_camera
        if camera is not None:
            camera.watch_closely(closely)

    def _attempt_failed(self, key: str) -> None:
        self._watch_closely(False)
        self.attempts += 1
        self._check = None
        self._paused_until = self.context.clock.monotonic() + RETRY_PAUSE_S
        if self.live is not None:
            self.live.guide.reset()
        if self.attempts_left == 0:
            if self.live is not None:
                self.live.stop()
            self._set_state(VerifyFaceState.FAILED, error=UserFacingError("face.failed"))
        else:
            self._set_state(VerifyFaceState.RETRY, error=UserFacingError(
                key, {"attempts_left": str(self.attempts_left)}))

    def _verify(self) -> None:
        camera = self.context.ports.face_camera
        person = self.context.session.person
        self._check = None
        self._watch_closely(False)
        if camera is None or person is None:
            self._set_state(VerifyFaceState.ERROR,
                            error=UserFacingError("error.device.unavailable"))
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
                if self.live is not None:
                    self.live.stop()
                self._set_state(VerifyFaceState.VERIFIED)
                return
            self._attempt_failed("face.no_face" if verdict is FaceVerdict.NO_FACE
                                 else "face.no_match")

        self._run(job, VerifyFaceState.ERROR)

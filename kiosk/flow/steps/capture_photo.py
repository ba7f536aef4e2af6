"""Capture photo: an ID photo for the application (e.g. the elderly card).

The live preview guides the resident (closer, further, left, right, look straight,
hold still, too dark); when the face is well placed and steady the photo is taken by
itself (the button takes it at once). The capture is checked (sharpness, exposure,
face size and position, a plain light background) and cut to the configured photo
spec (default 358 x 441 px); a failed check says which and how to fix it, and the
guidance goes on. The resident sees the photo, retakes or accepts it. The photo is
written to the session's private directory (wiped with the session) and recorded under
the step's purpose; a retaken photo's file is shredded.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import ClassVar

from backend_client.service_definition import CapturePhotoStep
from drivers.camera.frames import Frame
from drivers.camera.guidance import Guidance, GuideSettings
from kiosk.flow.device_ports import FaceCameraPort
from kiosk.flow.steps.base import StepContext
from kiosk.flow.steps.face_live import FacePreviewStep
from kiosk_base.errors import UserFacingError

#: After a failed check or a camera error, the message stays this long.
PAUSE_S = 2.5


class CapturePhotoState(Enum):
    READY = "ready"
    GUIDING = "guiding"
    CAPTURING = "capturing"
    PREVIEW = "preview"
    #: The capture failed a check (error names which); the guidance goes on.
    REJECTED = "rejected"
    #: The camera failed; the preview keeps trying.
    FAILED = "failed"
    ACCEPTED = "accepted"


class CapturePhotoController(FacePreviewStep[CapturePhotoState]):
    step_type = "capture_photo"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({CapturePhotoState.CAPTURING})
    _WAITING = (CapturePhotoState.READY, CapturePhotoState.GUIDING, CapturePhotoState.REJECTED,
                CapturePhotoState.FAILED)

    def __init__(self, context: StepContext, step: CapturePhotoStep) -> None:
        super().__init__(context, CapturePhotoState.READY)
        self.step = step
        self.photo: Path | None = None
        self._paused_until = 0.0

    def _guide_settings(self, camera: FaceCameraPort) -> GuideSettings:
        # The face band the photo checks accept (drivers/camera/idphoto.py face_band).
        return camera.photo_guide()

    @property
    def done(self) -> bool:
        return self.state is CapturePhotoState.ACCEPTED

    def start(self) -> None:
        self._cancelled.clear()
        if self.photo is not None:
            self._set_state(CapturePhotoState.PREVIEW)
            return
        self._guide()

    def capture(self) -> None:
        """Take the photo now (the button; the guidance takes it by itself)."""
        if self.state not in self._WAITING:
            return
        self._take()

    def retake(self) -> None:
        """Back to the live picture for another photo (the shown one stays until then)."""
        if self.state is CapturePhotoState.PREVIEW:
            self._guide()

    def accept(self) -> None:
        if self.state is CapturePhotoState.PREVIEW and self.photo is not None:
            self.context.session.data.photos[self.step.purpose] = self.photo
            self._set_state(CapturePhotoState.ACCEPTED)

    def wipe(self) -> None:
        self.photo = None
        super().wipe()

    def _guide(self) -> None:
        if self.live is None:
            self._set_state(CapturePhotoState.FAILED,
                            error=UserFacingError("error.device.unavailable"))
            return
        self._set_state(CapturePhotoState.GUIDING)
        self.live.start()

    # -- on the camera's worker ---------------------------------------------------------

    def _on_guidance(self, guidance: Guidance, frame: Frame) -> None:
        now = self.context.clock.monotonic()
        state = self.state
        if state not in (CapturePhotoState.GUIDING, CapturePhotoState.REJECTED,
                         CapturePhotoState.FAILED):
            return
        if state is not CapturePhotoState.GUIDING and now < self._paused_until:
            return
        if self.live is not None and self.live.guide.ready_to_capture(now):
            self._take()
        elif state is not CapturePhotoState.GUIDING:
            self._set_state(CapturePhotoState.GUIDING)
        else:
            self._show_guidance(guidance)

    def _on_camera_error(self, error: UserFacingError) -> None:
        if self.state in (CapturePhotoState.GUIDING, CapturePhotoState.REJECTED):
            self._paused_until = self.context.clock.monotonic() + PAUSE_S
            self._set_state(CapturePhotoState.FAILED, error=error)

    def _take(self) -> None:
        camera = self.context.ports.face_camera
        with self._lock:
            if self.state not in self._WAITING:
                return
            if camera is None:
                self._set_state(CapturePhotoState.FAILED,
                                error=UserFacingError("error.device.unavailable"))
                return
            self._set_state(CapturePhotoState.CAPTURING)

        def job() -> None:
            result = self._await(camera.capture_id_photo())
            if self._cancelled.is_set():
                return
            if result.data is None:
                problem = result.problems[0] if result.problems else "no_face"
                self._paused_until = self.context.clock.monotonic() + PAUSE_S
                if self.live is not None:
                    self.live.guide.reset()
                self._set_state(CapturePhotoState.REJECTED,
                                error=UserFacingError(f"photo.problem.{problem}"))
                return
            if self.live is not None:
                self.live.stop()
            session = self.context.session
            old, self.photo = self.photo, session.store_file(self.step.purpose, result.data)
            if old is not None:
                session.delete_file(old)
            self._set_state(CapturePhotoState.PREVIEW)

        self._run(job, CapturePhotoState.FAILED)

"""Capture photo: take a photo for the application (e.g. the elderly card), retake, accept.

The photo is written to the session's private directory and recorded in the session
under the step's purpose; a retaken photo's file is shredded.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import ClassVar

from backend_client.service_definition import CapturePhotoStep
from drivers.errors import UserFacingError
from kiosk.flow.steps.base import StepContext, StepController


class CapturePhotoState(Enum):
    READY = "ready"
    CAPTURING = "capturing"
    PREVIEW = "preview"
    FAILED = "failed"
    ACCEPTED = "accepted"


class CapturePhotoController(StepController[CapturePhotoState]):
    step_type = "capture_photo"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({CapturePhotoState.CAPTURING})

    def __init__(self, context: StepContext, step: CapturePhotoStep) -> None:
        super().__init__(context, CapturePhotoState.READY)
        self.step = step
        self.photo: Path | None = None

    @property
    def done(self) -> bool:
        return self.state is CapturePhotoState.ACCEPTED

    def start(self) -> None:
        self._cancelled.clear()
        self._set_state(CapturePhotoState.PREVIEW if self.photo else CapturePhotoState.READY)

    def capture(self) -> None:
        """Take a photo (again, when one is shown: a retake)."""
        if self.state not in (
            CapturePhotoState.READY,
            CapturePhotoState.PREVIEW,
            CapturePhotoState.FAILED,
        ):
            return
        camera = self.context.ports.face_camera
        if camera is None:
            self._set_state(
                CapturePhotoState.FAILED, error=UserFacingError("error.device.unavailable")
            )
            return
        self._set_state(CapturePhotoState.CAPTURING)

        def job() -> None:
            image = self._await(camera.capture())
            if self._cancelled.is_set():
                return
            session = self.context.session
            old, self.photo = self.photo, session.store_file(self.step.purpose, image.data)
            if old is not None:
                session.delete_file(old)
            self._set_state(CapturePhotoState.PREVIEW)

        self._run(job, CapturePhotoState.FAILED)

    def retake(self) -> None:
        self.capture()

    def accept(self) -> None:
        if self.state is CapturePhotoState.PREVIEW and self.photo is not None:
            self.context.session.data.photos[self.step.purpose] = self.photo
            self._set_state(CapturePhotoState.ACCEPTED)

    def wipe(self) -> None:
        self.photo = None
        super().wipe()

"""Sign: the resident signs with a finger; the image goes with the application.

The screen turns the strokes into an image (PNG) and hands it over; the controller keeps
it only as a file in the session's private temp directory (wiped with the session,
overwritten when cleared), under ``data.photos[purpose]``, so the submit step attaches
it like any captured image. A signature is personal data: it is never logged, and the
log says only that one was given.
"""

from __future__ import annotations

import logging
from enum import Enum
from pathlib import Path

from backend_client.service_definition import SignStep
from kiosk.flow.steps.base import StepContext, StepController
from kiosk_base.errors import UserFacingError

log = logging.getLogger(__name__)

#: A larger image is not a signature pad's (a bug or a forged call): refused.
MAX_SIGNATURE_BYTES = 2 * 1024 * 1024


class SignState(Enum):
    #: Nothing signed yet (or cleared).
    EMPTY = "empty"
    #: Strokes on the pad; the resident confirms or clears.
    SIGNED = "signed"
    CONFIRMED = "confirmed"


class SignController(StepController[SignState]):
    step_type = "sign"

    def __init__(self, context: StepContext, step: SignStep) -> None:
        super().__init__(context, SignState.EMPTY)
        self.step = step

    @property
    def done(self) -> bool:
        return self.state is SignState.CONFIRMED

    @property
    def path(self) -> Path | None:
        return self.context.session.data.photos.get(self.step.purpose)

    def start(self) -> None:
        if self.state is SignState.CONFIRMED:  # back to this step: sign again or keep it
            self._set_state(SignState.SIGNED)

    def set_signature(self, png: bytes) -> None:
        """The pad's image after a stroke (replaces the previous one)."""
        if self.state is SignState.CONFIRMED:
            return
        if not png or len(png) > MAX_SIGNATURE_BYTES:
            self._set_state(self.state, error=UserFacingError("sign.too_large"))
            return
        self._forget_file()
        session = self.context.session
        session.data.photos[self.step.purpose] = session.store_file("signature", png, ".png")
        self._set_state(SignState.SIGNED)

    def clear(self) -> None:
        if self.state is SignState.CONFIRMED:
            return
        self._forget_file()
        self._set_state(SignState.EMPTY)

    def confirm(self) -> None:
        if self.state is not SignState.SIGNED:
            self._set_state(self.state, error=UserFacingError("sign.empty"))
            return
        log.info("sign: signature given (%s)", self.step.purpose)
        self._set_state(SignState.CONFIRMED)

    def image(self) -> bytes | None:
        path = self.path
        return self.context.session.read_file(path) if path is not None else None

    def wipe(self) -> None:
        self._forget_file()
        super().wipe()

    def _forget_file(self) -> None:
        session = self.context.session
        if session.wiped:
            return
        path = session.data.photos.pop(self.step.purpose, None)
        if path is not None:
            session.delete_file(path)

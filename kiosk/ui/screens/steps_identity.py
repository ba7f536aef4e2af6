"""Step screens about the person: verify_face, capture_photo (identify: identify.py)."""

from __future__ import annotations

import time
from typing import Any

from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.camera_view import CameraView
from kiosk.ui.screens.identify import IdentifyScreen
from kiosk.ui.screens.step_base import ImageBox, StepScreen
from kiosk.ui.widgets import label

__all__ = ["CapturePhotoScreen", "IdentifyScreen", "VerifyFaceScreen"]


class _LiveCameraScreen(StepScreen):
    """A step screen with the live picture, guidance as the prompt, and guidance spoken
    when it changes (not more often than every few seconds)."""

    SPEAK_EVERY_S = 2.5

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.row = QHBoxLayout()
        self.view = CameraView("camera preview")
        self.side = QVBoxLayout()
        # What the camera asks now (closer, hold still, blink), the largest words on the
        # screen beside the picture: the prompt above is small for an elderly resident.
        self.instruction = label(role="instruction")
        self.side.addWidget(self.instruction)
        self.row.addWidget(self.view, 3)
        self.row.addLayout(self.side, 2)
        self.body.addLayout(self.row, 1)
        self._spoken = ""
        self._spoken_at = 0.0

    def bind(self, controller: Any, service_title: str, can_go_back: bool) -> None:
        super().bind(controller, service_title, can_go_back)
        live = getattr(controller, "live", None)
        if live is not None:
            live.set_sink(self.view.deliver)

    def unbind(self) -> None:
        live = getattr(self.controller, "live", None)
        if live is not None:
            live.set_sink(None)
        super().unbind()

    def clear_personal(self) -> None:
        self.view.clear()

    def refresh(self) -> None:
        super().refresh()
        # Until the first picture: the camera is opening, or (the step says why) has none.
        failed = self.controller is not None and self.controller.error is not None
        self.view.placeholder.setText(
            translate("camera.no_picture" if failed else "camera.starting", self.lang))
        self.instruction.setText(self.prompt.text() if not self.view.isHidden() else "")
        self.instruction.setVisible(bool(self.instruction.text()))
        if self.controller is not None and self.isVisible():
            self._speak(self.prompt.text())

    def _speak(self, text: str) -> None:
        now = time.monotonic()
        if not text or text == self._spoken or now - self._spoken_at < self.SPEAK_EVERY_S:
            return
        speak = getattr(self.window(), "speak", None)
        if speak is not None:
            self._spoken, self._spoken_at = text, now
            speak(text)

    def guidance_key(self, fallback: str) -> str:
        guidance = getattr(self.controller, "guidance", None)
        return f"guidance.{guidance.value}" if guidance is not None else fallback


class VerifyFaceScreen(_LiveCameraScreen):
    step_type = "verify_face"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.hint = label(role="hint")
        self.attempts = label(role="hint")
        self.side.addWidget(self.hint)
        self.side.addWidget(self.attempts)
        self.side.addStretch(1)
        self.capture = self.add_action("take photo")
        self.capture.clicked.connect(lambda: self.controller and self.controller.capture())

    def state_key(self) -> str:
        c = self.controller
        state = c.state.value
        if state == "challenge" and c.challenge is not None:
            return f"liveness.{c.challenge.value}"
        if state == "guiding":
            return self.guidance_key(super().state_key())
        return super().state_key()

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        self.hint.setText(translate("verify_face.hint", lang))
        # Placing the face is done once the challenge asks for a blink or a turn.
        self.hint.setVisible(state != "challenge")
        self.attempts.setText(translate("verify_face.attempts", lang, left=c.attempts_left))
        self.capture.setText(translate("verify_face.capture", lang))
        self.capture.setVisible(state in ("ready", "guiding", "retry", "error"))
        self.view.setVisible(state not in ("failed", "verified"))


class CapturePhotoScreen(_LiveCameraScreen):
    step_type = "capture_photo"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.hint = label(role="hint")
        self.photo = ImageBox("photo preview")
        self.photo.setMinimumSize(300, 370)
        self.side.addWidget(self.hint)
        self.side.addWidget(self.photo, 1)
        self.side.addStretch(1)  # the words stay at the top while no photo is shown
        self.capture = self.add_action("take photo")
        self.retake = self.add_action("retake photo", "")
        self.accept = self.add_action("use this photo")
        self.capture.clicked.connect(lambda: self.controller and self.controller.capture())
        self.retake.clicked.connect(lambda: self.controller and self.controller.retake())
        self.accept.clicked.connect(lambda: self.controller and self.controller.accept())

    def step_title(self) -> str:
        step = getattr(self.controller, "step", None)
        return step.title.get(self.lang) if step is not None else super().step_title()

    def state_key(self) -> str:
        if self.controller.state.value == "guiding":
            return self.guidance_key(super().state_key())
        return super().state_key()

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        self.hint.setText(translate("capture_photo.hint", lang))
        shown = state in ("preview", "accepted") and c.photo is not None
        if shown:
            self.photo.show_bytes(c.context.session.read_file(c.photo))
        else:
            self.photo.clear()
        self.photo.setVisible(shown)
        self.hint.setVisible(not shown)  # how to stand: not while the photo is judged
        self.view.setVisible(not shown)
        self.capture.setText(translate("capture_photo.capture", lang))
        self.retake.setText(translate("capture_photo.retake", lang))
        self.accept.setText(translate("capture_photo.accept", lang))
        self.capture.setVisible(state in ("ready", "guiding", "rejected", "failed"))
        self.retake.setVisible(state == "preview")
        self.accept.setVisible(state == "preview")

    def clear_personal(self) -> None:
        super().clear_personal()
        self.photo.clear()

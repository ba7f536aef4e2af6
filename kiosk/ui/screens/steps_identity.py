"""Step screens about the person: verify_face, capture_photo (identify: identify.py)."""

from __future__ import annotations

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.identify import IdentifyScreen
from kiosk.ui.screens.step_base import ImageBox, StepScreen
from kiosk.ui.widgets import label

__all__ = ["CapturePhotoScreen", "IdentifyScreen", "VerifyFaceScreen"]


class VerifyFaceScreen(StepScreen):
    step_type = "verify_face"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.hint = label(role="prompt")
        self.body.addWidget(self.hint)
        self.attempts = label(role="hint")
        self.body.addWidget(self.attempts)
        self.body.addStretch(1)
        self.capture = self.add_action("take photo")
        self.capture.clicked.connect(lambda: self.controller and self.controller.capture())

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        self.hint.setText(translate("verify_face.hint", lang))
        self.attempts.setText(translate("verify_face.attempts", lang, left=c.attempts_left))
        self.capture.setText(translate("verify_face.capture", lang))
        self.capture.setVisible(c.state.value in ("ready", "retry", "error"))


class CapturePhotoScreen(StepScreen):
    step_type = "capture_photo"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.hint = label(role="prompt")
        self.photo = ImageBox("photo preview")
        self.body.addWidget(self.hint)
        self.body.addWidget(self.photo, 1)
        self.capture = self.add_action("take photo")
        self.retake = self.add_action("retake photo", "")
        self.accept = self.add_action("use this photo")
        self.capture.clicked.connect(lambda: self.controller and self.controller.capture())
        self.retake.clicked.connect(lambda: self.controller and self.controller.retake())
        self.accept.clicked.connect(lambda: self.controller and self.controller.accept())

    def step_title(self) -> str:
        step = getattr(self.controller, "step", None)
        return step.title.get(self.lang) if step is not None else super().step_title()

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        self.hint.setText(translate("capture_photo.hint", lang))
        if state == "preview" and c.photo is not None:
            self.photo.show_bytes(c.context.session.read_file(c.photo))
        else:
            self.photo.clear()
        self.capture.setText(translate("capture_photo.capture", lang))
        self.retake.setText(translate("capture_photo.retake", lang))
        self.accept.setText(translate("capture_photo.accept", lang))
        self.capture.setVisible(state in ("ready", "failed"))
        self.retake.setVisible(state == "preview")
        self.accept.setVisible(state == "preview")

    def clear_personal(self) -> None:
        self.photo.clear()

"""Step screens about the person: identify, verify_face, capture_photo."""

from __future__ import annotations

from PyQt6.QtWidgets import QHBoxLayout

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.step_base import ImageBox, StepScreen, qr_pixmap
from kiosk.ui.widgets import label


class IdentifyScreen(StepScreen):
    step_type = "identify"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.screen_id = "identify"
        row = QHBoxLayout()
        self.ways = label(role="prompt")
        self.qr = ImageBox("login qr code")
        row.addWidget(self.ways, 1)
        row.addWidget(self.qr)
        self.body.addLayout(row)
        self.qr_button = self.add_action("scan qr code to log in", "")
        self.retry = self.add_action("try again", "primary")
        self.qr_button.clicked.connect(lambda: self.controller and self.controller.start_qr_login())
        self.retry.clicked.connect(lambda: self.controller and self.controller.retry())

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        methods = c.methods
        lines = []
        if c.asks_for_card:
            lines.append(translate("identify.needs_card", lang))
        if "id_card" in methods:
            lines.append("① " + translate("identify.way.id_card", lang))
        if "citizen_card" in methods:
            lines.append("② " + translate("identify.way.citizen_card", lang))
        if "qr_login" in methods:
            lines.append("③ " + translate("identify.way.qr_login", lang))
        self.ways.setText("\n\n".join(lines))
        code = c.login_code
        if state == "qr_shown" and code is not None:
            self.qr.setPixmap(qr_pixmap(code.qr_url))
            self.qr.setVisible(True)
        else:
            self.qr.clear()
            self.qr.setVisible(False)
        self.qr_button.setText(translate("identify.qr_button", lang))
        self.qr_button.setVisible("qr_login" in methods and state in ("waiting", "failed",
                                                                       "reinsert"))
        self.retry.setText(translate("common.retry", lang))
        self.retry.setVisible(state in ("failed", "reinsert", "qr_shown"))

    def clear_personal(self) -> None:
        self.qr.clear()


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

"""The identify step's screen: one card per way in (ID card on the reader, citizen
card into its slot, the city app's QR code), each with a picture of where; the QR
code itself, with its countdown, once the resident asks for it."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.icons import Picture
from kiosk.ui.screens.step_base import ImageBox, StepScreen, qr_pixmap
from kiosk.ui.widgets import label, set_id

#: Way in -> (picture, caption key, number shown).
WAYS = {
    "id_card": ("id_card", "identify.way_short.id_card", "①"),
    "citizen_card": ("citizen_card", "identify.way_short.citizen_card", "②"),
    "qr_login": ("qr_login", "identify.way_short.qr_login", "③"),
}
#: The fine print under a way's caption.
NOTES = {"id_card": "identify.way_note.id_card"}


class WayCard(QFrame):
    def __init__(self, method: str) -> None:
        super().__init__()
        self.setObjectName("card")
        set_id(self, f"way {method}")
        column = QVBoxLayout(self)
        column.setContentsMargins(16, 16, 16, 16)
        column.setSpacing(10)
        self.picture = Picture(WAYS[method][0], 200, 150, illustration=True)
        self.caption = label(role="prompt")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.note = label(role="hint")
        self.note.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        column.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.caption)
        column.addWidget(self.note, 1)
        self.note.setVisible(method in NOTES)


class IdentifyScreen(StepScreen):
    step_type = "identify"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.screen_id = "identify"
        self.body_frame.setObjectName("plain_body")  # the way cards are the cards here
        self.notice = label(role="prompt")
        self.body.addWidget(self.notice)
        row = QHBoxLayout()
        row.setSpacing(20)
        self.cards = {method: WayCard(method) for method in WAYS}
        for card in self.cards.values():
            row.addWidget(card, 1)
        self.body.addLayout(row, 1)
        qr_card = self.cards["qr_login"]
        self.qr = ImageBox("login qr code")
        self.countdown = label(role="countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        set_id(self.countdown, "login countdown")
        qr_card.layout().insertWidget(0, self.qr, 3)  # type: ignore[union-attr]
        qr_card.layout().addWidget(self.countdown)  # type: ignore[union-attr]
        self.qr_button = self.add_action("scan qr code to log in", "")
        self.retry = self.add_action("try again", "primary")
        self.qr_button.clicked.connect(lambda: self.controller and self.controller.start_qr_login())
        self.retry.clicked.connect(lambda: self.controller and self.controller.retry())
        self._tick = self.startTimer(1000)

    def set_large_text(self, large: bool) -> None:
        super().set_large_text(large)
        for card in self.cards.values():
            card.picture.set_box(*((160, 120) if large else (200, 150)))

    def timerEvent(self, event: object) -> None:
        self._update_countdown()

    def _update_countdown(self) -> None:
        c = self.controller
        left = getattr(c, "seconds_left", None) if c is not None else None
        self.countdown.setVisible(left is not None)
        if left is not None:
            self.countdown.setText(translate("identify.qr_countdown", self.lang, seconds=left))

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        methods = c.methods
        # After a QR login, a service that reads the card says so in the prompt's place
        # (two prompts do not fit large text at 1280x800).
        if c.asks_for_card:
            self.prompt.setText(translate("identify.needs_card", lang))
        self.notice.setVisible(False)
        for method, card in self.cards.items():
            card.setVisible(method in methods)
            number = WAYS[method][2]
            card.caption.setText(number + " " + translate(WAYS[method][1], lang))
            if method in NOTES:
                card.note.setText(translate(NOTES[method], lang))
        code = c.login_code
        shown = state == "qr_shown" and code is not None
        if shown:
            self.qr.setPixmap(qr_pixmap(code.qr_url))
        else:
            self.qr.clear()
        self.qr.setVisible(shown)
        self.cards["qr_login"].picture.setVisible(not shown)
        self._update_countdown()
        self.qr_button.setText(translate("identify.qr_button", lang))
        self.qr_button.setVisible("qr_login" in methods and state in ("waiting", "failed",
                                                                       "reinsert"))
        self.retry.setText(translate("common.retry", lang))
        self.retry.setVisible(state in ("failed", "reinsert", "qr_shown"))

    def clear_personal(self) -> None:
        self.qr.clear()

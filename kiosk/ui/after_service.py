"""What the window shows under a completed service's result: the application receipt
(回执) on screen and the 好差评 rating.

The receipt part appears when the service created an application: its number and what
happens next are in the result's lines; here the QR code of its progress page, as
printed. The rating part offers five levels (reasons at the lower three), "send" and
"skip". Nothing here holds the resident: the result screen's buttons, the idle timeout
and the card-removal prompt work as if the panel were not there.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.flow.rating import LEVELS, REASON_LEVELS, REASONS, RatingState, ServiceRating
from kiosk.i18n import translate
from kiosk.ui.screens.step_base import ImageBox, qr_pixmap
from kiosk.ui.widgets import label, name_widgets, set_id, touch_button

STARS = {5: "★★★★★", 4: "★★★★", 3: "★★★", 2: "★★", 1: "★"}


class AfterServicePanel(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        self.lang = "zh"
        self.rating: ServiceRating | None = None
        self.progress_url = ""
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 10, 24, 10)
        row.setSpacing(20)
        self.receipt_box = QWidget()
        receipt = QVBoxLayout(self.receipt_box)
        receipt.setContentsMargins(0, 0, 0, 0)
        self.qr = ImageBox("progress qr code")
        self.qr.setMinimumHeight(150)
        self.qr_hint = label(role="muted")
        self.qr_hint.setMaximumWidth(220)
        receipt.addWidget(self.qr)
        receipt.addWidget(self.qr_hint)
        row.addWidget(self.receipt_box)
        rating = QVBoxLayout()
        self.question = label(role="prompt")
        set_id(self.question, "rating question")
        rating.addWidget(self.question)
        levels = QHBoxLayout()
        self.levels: dict[int, Any] = {}
        for level in LEVELS:
            button = touch_button("", f"rating {level}", "")
            button.clicked.connect(lambda _=False, v=level: self._act("choose", v))
            levels.addWidget(button)
            self.levels[level] = button
        rating.addLayout(levels)
        self.reasons_box = QWidget()
        reasons = QGridLayout(self.reasons_box)
        reasons.setContentsMargins(0, 0, 0, 0)
        self.reasons: dict[str, Any] = {}
        for i, code in enumerate(REASONS):
            chip = touch_button("", f"reason {code}", "")
            chip.clicked.connect(lambda _=False, c=code: self._act("toggle_reason", c))
            reasons.addWidget(chip, i // 3, i % 3)
            self.reasons[code] = chip
        rating.addWidget(self.reasons_box)
        actions = QHBoxLayout()
        self.skip = touch_button("", "skip rating", "")
        self.skip.clicked.connect(lambda: self._act("skip"))
        self.send = touch_button("", "send rating", "primary")
        self.send.clicked.connect(lambda: self._act("send"))
        actions.addStretch(1)
        actions.addWidget(self.skip)
        actions.addWidget(self.send)
        rating.addLayout(actions)
        self.rating_box = QWidget()
        self.rating_box.setLayout(rating)
        for box in (self.receipt_box, self.reasons_box, self.rating_box):
            _see_through(box)
        row.addWidget(self.rating_box, 1)
        self.setVisible(False)

    # -- what the controller calls ------------------------------------------------------

    def offer(self, rating: ServiceRating | None, progress_url: str) -> None:
        """Show the panel for one result (the same rating again: just refresh)."""
        if rating is not self.rating:
            self.rating = rating
            if rating is not None:
                rating.subscribe(self.refresh)
        if progress_url != self.progress_url:
            self.progress_url = progress_url
            if progress_url:
                self.qr.setPixmap(qr_pixmap(progress_url, 150))
            else:
                self.qr.clear()
        self.refresh()

    def withdraw(self) -> None:
        """The result is gone (another service, the session ended): forget it all."""
        self.rating = None
        self.progress_url = ""
        self.qr.clear()
        self.setVisible(False)

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.refresh()

    # -- rendering ----------------------------------------------------------------------

    def _act(self, action: str, *args: Any) -> None:
        if self.rating is not None:
            getattr(self.rating, action)(*args)

    def refresh(self) -> None:
        r, lang = self.rating, self.lang
        asking = r is not None and r.state is RatingState.ASKING
        self.receipt_box.setVisible(bool(self.progress_url))
        self.qr_hint.setText(translate("rate.progress_hint", lang))
        self.setVisible(bool(self.progress_url) or (r is not None
                                                    and r.state is not RatingState.SKIPPED))
        self.rating_box.setVisible(r is not None and r.state is not RatingState.SKIPPED)
        if r is None:
            return
        self.question.setText(translate("rate.question", lang) if asking
                              else "✔ " + translate("rate.thanks", lang))
        for level, button in self.levels.items():
            chosen = r.level == level
            # Words only: a second line of stars clips in large text.
            button.setText(("✔ " if chosen else "") + translate(f"rate.level.{level}", lang))
            button.setToolTip(STARS[level])
            button.setVisible(asking)
            _mark(button, chosen)
        self.reasons_box.setVisible(asking and r.level in REASON_LEVELS)
        for code, chip in self.reasons.items():
            picked = code in r.reasons
            chip.setText(("✔ " if picked else "") + translate(f"rate.reason.{code}", lang))
            _mark(chip, picked)
        self.skip.setText(translate("rate.skip", lang))
        self.send.setText(translate("rate.send", lang))
        self.skip.setVisible(asking)
        self.send.setVisible(asking)
        self.send.setEnabled(r.level is not None)
        name_widgets(self, lang)


def _see_through(box: QWidget) -> None:
    """A holder inside the card shows the card (the theme paints every QWidget)."""
    box.setObjectName("after_service_box")
    box.setStyleSheet("QWidget#after_service_box { background: transparent; }")


def _mark(button: Any, on: bool) -> None:
    button.setObjectName("primary" if on else "plain")
    button.style().unpolish(button)
    button.style().polish(button)

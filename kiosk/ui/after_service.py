"""The 好差评 rating under a completed service's result, as one strip of the result
screen (kiosk/ui/screens/result.py hosts it; the receipt's progress QR code is in the
result's "please take" card, beside the receipt it is printed on).

The strip is one row: the question (after a choice: the chosen level's words), five
stars (tap the third: 基本满意, level 3; every star's accessible name is its level's
words, as 好差评 names them), "skip" and "send". At the lower three levels the
optional reasons appear as a second part; the result screen gives them the room of its
body while they show (they replace the details until the rating is sent or skipped),
so nothing grows past the screen in large text. Nothing here holds the resident: the
result screen's buttons, the idle timeout and the card-removal prompt work as if the
strip were not there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.flow.rating import LEVELS, REASON_LEVELS, REASONS, RatingState, ServiceRating
from kiosk.i18n import translate
from kiosk.ui.widgets import label, name_widgets, set_id, touch_button

STAR, NO_STAR = "★", "☆"
#: Reasons per row of the reasons part.
REASON_COLUMNS = 3


class AfterServicePanel(QFrame):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        # A strip: its buttons keep the 64 px touch size, not the body's padding.
        self.setStyleSheet("QPushButton { padding-top: 2px; padding-bottom: 2px; }")
        self.lang = "zh"
        self.rating: ServiceRating | None = None
        #: Called after each refresh (the result screen re-balances its body).
        self.on_refresh: Callable[[], None] | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(20, 8, 20, 8)
        column.setSpacing(8)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.question = label(role="prompt")
        set_id(self.question, "rating question")
        row.addWidget(self.question, 1)
        stars = QHBoxLayout()
        stars.setSpacing(6)
        self.levels: dict[int, Any] = {}
        for level in sorted(LEVELS):  # left to right: 1 (非常不满意) .. 5 (非常满意)
            button = touch_button(NO_STAR, f"rating {level}", "star")
            button.clicked.connect(lambda _=False, v=level: self._act("choose", v))
            stars.addWidget(button)
            self.levels[level] = button
        row.addLayout(stars)
        self.skip = touch_button("", "skip rating", "")
        self.skip.clicked.connect(lambda: self._act("skip"))
        self.send = touch_button("", "send rating", "primary")
        self.send.clicked.connect(lambda: self._act("send"))
        row.addWidget(self.skip)
        row.addWidget(self.send)
        column.addLayout(row)
        self.reasons_box = QWidget()
        _see_through(self.reasons_box)
        reasons = QGridLayout(self.reasons_box)
        reasons.setContentsMargins(0, 0, 0, 0)
        reasons.setSpacing(8)
        self.reasons_caption = label(role="muted")
        reasons.addWidget(self.reasons_caption, 0, 0, 1, REASON_COLUMNS)
        self.reasons: dict[str, Any] = {}
        for i, code in enumerate(REASONS):
            chip = touch_button("", f"reason {code}", "")
            chip.clicked.connect(lambda _=False, c=code: self._act("toggle_reason", c))
            reasons.addWidget(chip, 1 + i // REASON_COLUMNS, i % REASON_COLUMNS)
            self.reasons[code] = chip
        column.addWidget(self.reasons_box)
        self.setVisible(False)

    # -- what the controller calls ------------------------------------------------------

    def offer(self, rating: ServiceRating | None) -> None:
        """Show the strip for one result (the same rating again: just refresh)."""
        if rating is not self.rating:
            self.rating = rating
            if rating is not None:
                rating.subscribe(self.refresh)
        self.refresh()

    def withdraw(self) -> None:
        """The result is gone (another service, the session ended): forget it."""
        self.rating = None
        self.refresh()

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        self.refresh()

    def reasons_showing(self) -> bool:
        return self.isVisibleTo(self.parentWidget() or self) and not self.reasons_box.isHidden()

    # -- rendering ----------------------------------------------------------------------

    def _act(self, action: str, *args: Any) -> None:
        if self.rating is not None:
            getattr(self.rating, action)(*args)

    def refresh(self) -> None:
        r, lang = self.rating, self.lang
        asking = r is not None and r.state is RatingState.ASKING
        self.setVisible(r is not None and r.state is not RatingState.SKIPPED)
        if r is None:
            self.reasons_box.setVisible(False)
            self._changed()
            return
        if not asking:
            self.question.setText("✔ " + translate("rate.thanks", lang))
        elif r.level is None:
            self.question.setText(translate("rate.question", lang))
        else:
            self.question.setText(translate(f"rate.level.{r.level}", lang))
        for level, button in self.levels.items():
            button.setText(STAR if r.level is not None and level <= r.level else NO_STAR)
            button.setProperty("spoken", translate(f"rate.level.{level}", lang))
            button.setToolTip(translate(f"rate.level.{level}", lang))
            button.setVisible(asking)
        self.reasons_box.setVisible(asking and r.level in REASON_LEVELS)
        self.reasons_caption.setText(translate("rate.reasons", lang))
        for code, chip in self.reasons.items():
            picked = code in r.reasons
            chip.setText(("✔ " if picked else "") + translate(f"rate.reason.{code}", lang))
            _mark(chip, picked)
        self.skip.setText(translate("rate.skip", lang))
        self.send.setText(translate("rate.send", lang))
        self.skip.setVisible(asking)
        self.send.setVisible(asking and r.level is not None)
        name_widgets(self, lang)
        self._changed()

    def _changed(self) -> None:
        if self.on_refresh is not None:
            self.on_refresh()


def _see_through(box: QWidget) -> None:
    """A holder inside the card shows the card (the theme paints every QWidget)."""
    box.setObjectName("after_service_box")
    box.setStyleSheet("QWidget#after_service_box { background: transparent; }")


def _mark(button: Any, on: bool) -> None:
    button.setObjectName("primary" if on else "plain")
    button.style().unpolish(button)
    button.style().polish(button)

"""Screens outside a service: attract, goodbye, out of service."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.i18n import translate
from kiosk.ui.icons import Picture
from kiosk.ui.qtnames import set_keys
from kiosk.ui.widgets import Screen, card_frame, label, touch_button

#: The ways in shown on the attract screen: (picture, caption key).
_WAYS = (("id_card", "identify.way_short.id_card"),
         ("citizen_card", "identify.way_short.citizen_card"),
         ("qr_login", "identify.way_short.qr_login"))


def _picture_row(names: tuple[str, ...], captions: list[Any]) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(32)
    row.addStretch(1)
    for name in names:
        column = QVBoxLayout()
        column.setSpacing(6)
        centred = QHBoxLayout()  # a layout's alignment flag would be a Qt namespace enum
        centred.addStretch(1)
        centred.addWidget(Picture(name, 200, 150, illustration=True))
        centred.addStretch(1)
        column.addLayout(centred)
        caption = label(role="prompt")
        set_keys(caption, "alignment", "AlignHCenter")
        captions.append(caption)
        column.addWidget(caption)
        row.addLayout(column)
    row.addStretch(1)
    return row


class AttractScreen(Screen):
    """The idle screen: what the kiosk does, and one big button to start.

    The first frame shows it: it sets Qt's enum properties by name
    (:mod:`kiosk.ui.qtnames`)."""

    screen_id = "attract"
    start_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 40, 80, 24)
        outer.setSpacing(20)
        self.title = label(role="title")
        set_keys(self.title, "alignment", "AlignCenter")
        self.subtitle = label(role="prompt")
        set_keys(self.subtitle, "alignment", "AlignCenter")
        frame, inner = card_frame()
        self.ways_frame = frame
        self.ways = label(role="prompt")
        inner.addWidget(self.ways)
        self.way_captions: list[Any] = []
        pictures = _picture_row(tuple(name for name, _ in _WAYS), self.way_captions)
        self.start = touch_button("", "start", "primary")
        self.start.setMinimumHeight(100)
        self.start.clicked.connect(self.start_clicked)
        self.hint = label(role="hint")
        set_keys(self.hint, "alignment", "AlignCenter")
        outer.addStretch(1)
        outer.addWidget(self.title)
        outer.addWidget(self.subtitle)
        outer.addLayout(pictures)
        outer.addWidget(frame)
        outer.addWidget(self.start)
        outer.addWidget(self.hint)
        outer.addStretch(1)

    def set_large_text(self, large: bool) -> None:
        for picture in self.findChildren(Picture):
            picture.set_box(*((160, 120) if large else (200, 150)))
        # Large text: the pictures and their captions say what the card of text says.
        self.ways_frame.setVisible(not large)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate("attract.title", lang))
        self.subtitle.setText(translate("attract.subtitle", lang))
        self.ways.setText(translate("attract.ways", lang))
        for caption, (_name, key) in zip(self.way_captions, _WAYS, strict=True):
            caption.setText(translate(key, lang))
        self.start.setText(translate("attract.start", lang))
        self.hint.setText(translate("attract.hint", lang))

    def prompt_text(self) -> str:
        return translate("attract.subtitle", self.lang)


_TAKE_CARD = {"id_card": "goodbye.take_id_card", "citizen_card": "goodbye.take_citizen_card"}


class GoodbyeScreen(Screen):
    """Thanks the resident; while a card is still in a reader, asks them to take it."""

    screen_id = "goodbye"

    def __init__(self) -> None:
        super().__init__()
        self.cards_left: list[str] = []
        self.cards_found = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 60, 80, 60)
        self.title = label(role="title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = label(role="prompt")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture = Picture("take_card", 240, 180, illustration=True)
        outer.addStretch(1)
        outer.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(self.title)
        outer.addWidget(self.body)
        outer.addStretch(1)
        self.picture.setVisible(False)

    def set_cards_left(self, methods: list[str], found: bool = False) -> None:
        """The cards (``id_card``, ``citizen_card``) still in a reader; ``found``: they
        were there when the terminal started (or came back to attract), not left by a
        session, so there is nobody to thank."""
        if methods != self.cards_left or found != self.cards_found:
            self.cards_left = methods
            self.cards_found = found
            self.retranslate(self.lang)

    def _title_key(self) -> str:
        return "goodbye.card_found" if self.cards_found and self.cards_left else "goodbye.title"

    def _body(self) -> str:
        if self.cards_left:
            lines = [translate(_TAKE_CARD[m], self.lang) for m in self.cards_left
                     if m in _TAKE_CARD]
            if self.cards_found:
                lines.append(translate("goodbye.card_found.again", self.lang))
            return "\n".join(lines)
        return translate("goodbye.body", self.lang)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate(self._title_key(), lang))
        self.body.setText(self._body())
        self.picture.setVisible(bool(self.cards_left))  # where the card comes out

    def prompt_text(self) -> str:
        return translate(self._title_key(), self.lang) + " " + self._body()


class OutOfServiceScreen(Screen):
    """Shown while an essential device or the backend is down; returns by itself."""

    screen_id = "out_of_service"
    staff_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.reason_keys: list[str] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 60, 80, 60)
        outer.setSpacing(24)
        self.icon = Picture("warning", 96)
        self.title = label(role="title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = label(role="prompt")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reasons = label(role="hint")
        self.reasons.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        self.staff = touch_button("", "staff", "")
        self.staff.clicked.connect(self.staff_clicked)
        row.addStretch(1)
        row.addWidget(self.staff)
        outer.addStretch(1)
        outer.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(self.title)
        outer.addWidget(self.body)
        outer.addWidget(self.reasons)
        outer.addStretch(1)
        outer.addLayout(row)

    def set_reasons(self, keys: list[str]) -> None:
        self.reason_keys = keys
        self.retranslate(self.lang)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate("oos.title", lang))
        self.body.setText(translate("oos.body", lang))
        self.reasons.setText("\n".join(translate(k, lang) for k in self.reason_keys))
        self.staff.setText(translate("oos.staff", lang))

    def prompt_text(self) -> str:
        return translate("oos.title", self.lang)

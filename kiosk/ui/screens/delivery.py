"""The delivery step: pick up at a window, or mail (recipient, phone, address).

The mail fields are typed on the touch keyboard (pinyin for the address and name, the
keypad for the phone); they come prefilled where the kiosk knows the answer. The fields
are named like form fields (``field delivery_phone``...) so scenarios fill them alike.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtWidgets import QGridLayout, QLineEdit

from kiosk.flow.steps.delivery import MAIL_FIELDS
from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.screens.step_base import StepScreen
from kiosk.ui.widgets import label, set_id, touch_button


class DeliveryScreen(StepScreen):
    step_type = "delivery"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        methods = QGridLayout()
        self.methods: dict[str, Any] = {}
        for i, method in enumerate(("pickup", "mail")):
            button = touch_button("", f"delivery {method}", "")
            button.clicked.connect(lambda _=False, m=method: self._choose(m))
            methods.addWidget(button, 0, i)
            self.methods[method] = button
        self.body.addLayout(methods)
        # The mail fields sit straight in the card (a holder widget would paint the
        # window's background over the card's).
        mail = self.body
        self.edits: dict[str, QLineEdit] = {}
        self.captions: dict[str, Any] = {}
        self.errors: dict[str, Any] = {}
        for spec in MAIL_FIELDS:
            caption = label(role="prompt")
            edit = QLineEdit()
            set_id(edit, f"field {spec.name}", spec.label.get(self.lang))
            edit.setProperty("keypad", spec.type)  # the keyboard picks its layout by it
            edit.textEdited.connect(lambda text, n=spec.name: self._edited(n, text))
            error = label(role="error")
            for widget in (caption, edit, error):
                mail.addWidget(widget)
            self.captions[spec.name], self.edits[spec.name] = caption, edit
            self.errors[spec.name] = error
        self.body.addStretch(1)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.setVisible(False)
        self.keyboard.closed.connect(lambda: self.keyboard.setVisible(False))
        self.body.addWidget(self.keyboard)
        self.kb_button = self.add_action("keyboard", "")
        self.kb_button.clicked.connect(
            lambda: self.keyboard.setVisible(not self.keyboard.isVisible()))
        self.next = self.add_action("next")
        self.next.clicked.connect(self._submit)

    def _choose(self, method: str) -> None:
        if self.controller is not None:
            self.controller.choose(method)

    def _edited(self, name: str, text: str) -> None:
        if self.controller is not None:
            self.controller.raw[name] = text

    def _submit(self) -> None:
        c = self.controller
        if c is None:
            return
        for name, edit in self.edits.items():
            c.raw[name] = edit.text()
        c.submit()

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        for name, edit in self.edits.items():  # typing keeps raw equal to the text
            if edit.text() != c.raw.get(name, ""):
                edit.setText(c.raw.get(name, ""))
        place = c.step.pickup_place
        for method, button in self.methods.items():
            button.setVisible(method in c.step.methods)
            chosen = c.method == method
            text = ("✔ " if chosen else "") + translate(f"delivery.{method}", lang)
            if method == "pickup" and place is not None:
                text += "\n" + translate("delivery.pickup_at", lang, place=place.get(lang))
            button.setText(text)
            button.setObjectName("primary" if chosen else "plain")
            button.style().unpolish(button)
            button.style().polish(button)
        mail = c.method == "mail"
        for widget in (*self.captions.values(), *self.edits.values()):
            widget.setVisible(mail)
        self.kb_button.setVisible(mail)
        if not mail:
            self.keyboard.setVisible(False)
        for spec in MAIL_FIELDS:
            self.captions[spec.name].setText(spec.label.get(lang) + " *")
            exc = c.field_errors.get(spec.name)
            text = "⚠ " + translate(exc.message_key, lang, **exc.params) if exc else ""
            self.errors[spec.name].setText(text)
            self.errors[spec.name].setVisible(mail and bool(text))
        self.next.setText(translate("common.next", lang))
        self.kb_button.setText("⌨ " + translate("common.keyboard", lang))

    def clear_personal(self) -> None:
        for edit in self.edits.values():
            edit.clear()

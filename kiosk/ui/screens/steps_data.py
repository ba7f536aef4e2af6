"""Step screens that collect things: form, review (scan_documents: scan_documents.py)."""

from __future__ import annotations

import contextlib
from typing import Any

from PyQt6.QtWidgets import QGridLayout, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.screens.step_base import StepScreen
from kiosk.ui.widgets import label, set_id, touch_button
from kiosk_base.errors import UserFacingError


class FormScreen(StepScreen):
    step_type = "form"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        self.form_holder = QWidget()
        self.form_layout = QVBoxLayout(self.form_holder)
        scroll.setWidget(self.form_holder)
        self.body.addWidget(scroll, 1)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.setVisible(False)
        self.keyboard.closed.connect(lambda: self.keyboard.setVisible(False))
        self.add_below_body(self.keyboard)
        self.kb_button = self.add_action("keyboard", "")
        self.kb_button.clicked.connect(
            lambda: self.keyboard.setVisible(not self.keyboard.isVisible()))
        self.next = self.add_action("next")
        self.next.clicked.connect(self._submit)
        self.retry = self.add_action("try again", "")
        self.retry.clicked.connect(lambda: self.controller and self.controller.retry())
        self._built_for: Any = None
        self._built_options: tuple[Any, ...] = ()
        self._edits: dict[str, QLineEdit] = {}
        self._errors: dict[str, Any] = {}
        self._labels: dict[str, Any] = {}
        self._choice_buttons: dict[str, list[Any]] = {}
        #: choice fields whose backend list came back empty: field -> its "none" label.
        self._empty: dict[str, Any] = {}

    def step_title(self) -> str:
        return str(self.controller.step.title.get(self.lang))

    def _submit(self) -> None:
        if self.controller is None:
            return
        for name, edit in self._edits.items():
            self.controller.raw[name] = edit.text()
        self.controller.submit()

    def _build(self) -> None:
        self.clear_layout(self.form_layout)
        self._edits.clear()
        self._errors.clear()
        self._labels.clear()
        self._choice_buttons.clear()
        self._empty.clear()
        c = self.controller
        for field in c.fields:
            caption = label(role="prompt")
            self._labels[field.name] = caption
            self.form_layout.addWidget(caption)
            if field.type == "choice":
                grid = QGridLayout()
                buttons = []
                for i, option in enumerate(c.options(field.name)):
                    b = touch_button(option.label, f"option {option.value}", "")
                    b.clicked.connect(
                        lambda _=False, n=field.name, v=option.value: self._pick(n, v))
                    grid.addWidget(b, i // 2, i % 2)
                    buttons.append((b, option))
                self._choice_buttons[field.name] = buttons
                self.form_layout.addLayout(grid)
                if not buttons and field.options_from and c.state.value == "editing":
                    empty = label(role="prompt")
                    self._empty[field.name] = empty
                    self.form_layout.addWidget(empty)
            else:
                edit = QLineEdit(c.raw.get(field.name, ""))
                set_id(edit, f"field {field.name}", field.label.get(self.lang))
                edit.setProperty("keypad", field.type)  # the keyboard picks its layout by it
                edit.textEdited.connect(lambda text, n=field.name: self._edited(n, text))
                edit.editingFinished.connect(lambda n=field.name: self._check(n))
                self._edits[field.name] = edit
                self.form_layout.addWidget(edit)
            err = label(role="error")
            self._errors[field.name] = err
            self.form_layout.addWidget(err)
        self.form_layout.addStretch(1)
        self._built_for = c
        self._built_options = self._option_signature()

    def _option_signature(self) -> tuple[Any, ...]:
        c = self.controller
        # Labels too: they follow the session's language (switched mid-form).
        options = tuple((f.name, tuple((o.value, o.label) for o in c.options(f.name)))
                        for f in c.fields if f.type == "choice")
        return (c.state.value == "loading", *options)

    def _edited(self, name: str, text: str) -> None:
        if self.controller is not None:
            self.controller.raw[name] = text

    def _check(self, name: str) -> None:
        c = self.controller
        if c is None or c.state.value != "editing":
            return
        # An invalid value stays in the controller's field_errors; refresh() shows it.
        with contextlib.suppress(UserFacingError):
            c.set_value(name, self._edits[name].text())

    def _pick(self, name: str, value: str) -> None:
        if self.controller is None:
            return
        with contextlib.suppress(UserFacingError):  # shown under the field by refresh()
            self.controller.set_value(name, value)
        self.refresh()

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        if self._built_for is not c or self._built_options != self._option_signature():
            self._build()
        for field in c.fields:
            hint = f"  ({field.hint.get(lang)})" if field.hint else ""
            star = " *" if field.required else ""
            self._labels[field.name].setText(field.label.get(lang) + star + hint)
            if field.name in self._empty and field.options_from:
                self._empty[field.name].setText(
                    translate(f"form.no_options.{field.options_from}", lang))
            exc = c.field_errors.get(field.name)
            text = ""
            if exc is not None:
                params = getattr(exc, "params", {}) or {}
                text = "⚠ " + translate(exc.message_key, lang, **params)
            self._errors[field.name].setText(text)
            self._errors[field.name].setVisible(bool(text))
            for button, option in self._choice_buttons.get(field.name, []):
                chosen = c.raw.get(field.name) == option.value
                button.setText(("✔ " if chosen else "") + option.label)
                button.setObjectName("primary" if chosen else "plain")
                button.style().unpolish(button)
                button.style().polish(button)
        self.next.setText(translate("common.next", lang))
        self.kb_button.setText("⌨ " + translate("common.keyboard", lang))
        self.retry.setText(translate("common.retry", lang))
        self.next.setVisible(state == "editing")
        self.retry.setVisible(state == "failed")

    def clear_personal(self) -> None:
        self.clear_layout(self.form_layout)
        self._edits.clear()
        self._built_for = None


class ReviewScreen(StepScreen):
    step_type = "review"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.items = QGridLayout()
        self.body.addLayout(self.items)
        self.body.addStretch(1)
        self.confirm = self.add_action("confirm")
        self.confirm.clicked.connect(lambda: self.controller and self.controller.confirm())

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        self.clear_layout(self.items)
        for row, item in enumerate(c.items):
            caption = self._caption(item)
            self.items.addWidget(label(caption + "：", "muted"), row, 0)
            value = item.value_text.get(lang) if item.value_text else item.value
            self.items.addWidget(label(value, "prompt"), row, 1)
        self.confirm.setText(translate("common.confirm", lang))

    def _caption(self, item: Any) -> str:
        lang = self.lang
        if item.label:
            return str(item.label.get(lang))
        kind, _, ident = item.key.partition(".")
        if kind == "document":
            for step in self.controller.context.service.steps:
                for doc in getattr(step, "documents", ()):
                    if doc.id == ident:
                        return str(doc.label.get(lang)) + " · " + translate("review.document", lang)
        if kind == "photo":
            return translate("review.photo", lang)
        return translate(f"review.{item.key}", lang)

    def clear_personal(self) -> None:
        self.clear_layout(self.items)

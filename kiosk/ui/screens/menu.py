"""The service menu (catalog grouped by topic, searchable) and the result screen."""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from backend_client.service_definition import Catalog, ServiceDefinition
from kiosk.flow.terminal import Outcome
from kiosk.i18n import translate
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.screens.step_base import yuan
from kiosk.ui.widgets import Screen, label, touch_button
from kiosk_base.masking import mask_name


class MenuScreen(Screen):
    screen_id = "menu"
    service_chosen = pyqtSignal(str)
    finish_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.catalog: Catalog | None = None
        self.unavailable: dict[str, str] = {}
        self.greeting_name = ""
        #: The citizen card's purse balance (fen) shown under the greeting; None: none.
        self.purse_balance_fen: int | None = None
        self.loading_error = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 30, 60, 24)
        outer.setSpacing(14)
        top = QHBoxLayout()
        self.title = label(role="title")
        self.greeting = label(role="prompt")
        self.greeting.setAccessibleName("greeting")
        top.addWidget(self.title, 1)
        top.addWidget(self.greeting)
        outer.addLayout(top)
        search_row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setAccessibleName("search services")
        self.search.textChanged.connect(lambda _t: self._render())
        self.kb = touch_button("⌨", "keyboard", "")
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.kb)
        outer.addLayout(search_row)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.setVisible(False)
        self.keyboard.closed.connect(lambda: self.keyboard.setVisible(False))
        self.kb.clicked.connect(lambda: self.keyboard.setVisible(not self.keyboard.isVisible()))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        holder = QWidget()
        self.list = QVBoxLayout(holder)
        scroll.setWidget(holder)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.keyboard)
        bottom = QHBoxLayout()
        self.finish = touch_button("", "finish", "danger")
        self.finish.clicked.connect(self.finish_clicked)
        bottom.addWidget(self.finish)
        bottom.addStretch(1)
        outer.addLayout(bottom)

    def set_catalog(self, catalog: Catalog | None, error_key: str = "") -> None:
        self.catalog = catalog
        self.loading_error = error_key
        self._render()

    def set_unavailable(self, reasons: dict[str, str]) -> None:
        if reasons != self.unavailable:
            self.unavailable = reasons
            self._render()

    def on_show(self) -> None:
        self.search.clear()
        self.keyboard.setVisible(False)

    def _matches(self, service: ServiceDefinition, query: str) -> bool:
        if not query:
            return True
        q = query.lower()
        texts = (service.title.zh, service.title.en, service.description.zh,
                 service.description.en, service.id)
        return any(q in t.lower() for t in texts)

    def _render(self) -> None:
        lang = self.lang
        while self.list.count():
            item = self.list.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
            elif item is not None and item.layout() is not None:
                _clear(item.layout())
        if self.catalog is None:
            key = self.loading_error or "menu.loading"
            self.list.addWidget(label(translate(key, lang), "prompt"))
            self.list.addStretch(1)
            return
        query = self.search.text().strip()
        shown = 0
        for topic in self.catalog.topics:
            services = [s for s in self.catalog.services
                        if s.topic == topic.id and self._matches(s, query)]
            if not services:
                continue
            self.list.addWidget(label(topic.title.get(lang), "title"))
            grid = QGridLayout()
            for i, service in enumerate(services):
                grid.addWidget(self._service_button(service), i // 2, i % 2)
                shown += 1
            self.list.addLayout(grid)
        if not shown:
            self.list.addWidget(label(translate("menu.no_match", lang), "prompt"))
        self.list.addStretch(1)

    def _service_button(self, service: ServiceDefinition) -> Any:
        lang = self.lang
        text = service.title.get(lang)
        fee = translate("menu.fee", lang, amount=yuan(service.fee_fen)) if service.fee_fen else \
            translate("menu.free", lang)
        reason = self.unavailable.get(service.id)
        lines = [text, f"{service.description.get(lang)}  ·  {fee}"]
        if reason:
            why = translate(reason, lang)
            lines.append("✖ " + translate("menu.unavailable", lang) + "：" + why)
        button = touch_button("\n".join(lines), service.id, "service")
        button.setEnabled(reason is None)
        button.clicked.connect(lambda _=False, sid=service.id: self.service_chosen.emit(sid))
        return button

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate("menu.title", lang))
        # The name is masked: the next person in the queue can see the screen.
        self._greet()
        self.search.setPlaceholderText(translate("menu.search", lang))
        self.finish.setText(translate("menu.finish", lang))
        self._render()

    def set_greeting(self, name: str, purse_balance_fen: int | None) -> None:
        if (name, purse_balance_fen) != (self.greeting_name, self.purse_balance_fen):
            self.greeting_name, self.purse_balance_fen = name, purse_balance_fen
            self._greet()

    def _greet(self) -> None:
        lang = self.lang
        # The name is masked: the next person in the queue can see the screen.
        lines = [translate("menu.greeting", lang, name=mask_name(self.greeting_name))] \
            if self.greeting_name else []
        if self.purse_balance_fen is not None:
            lines.append(translate("purse.balance", lang, amount=yuan(self.purse_balance_fen)))
        self.greeting.setText("\n".join(lines))

    def prompt_text(self) -> str:
        return translate("menu.title", self.lang)


def outcome_lines(outcome: Outcome, lang: str) -> tuple[str, tuple[tuple[str, str], ...], str]:
    """The result screen's title key, its lines and its warning key for ``outcome``."""
    lines: list[tuple[str, str]] = [(translate("result.service", lang),
                                     outcome.service.title.get(lang))]
    if outcome.refund:
        lines.append((translate("pay.refund_receipt_line", lang), "¥" + yuan(outcome.refund_fen)))
        return f"step.pay.{outcome.refund}", tuple(lines), ""
    if outcome.refusal is not None:
        reason = outcome.refusal.text(lang) or translate("error.service.not_eligible", lang)
        lines.append((translate("result.reason", lang), reason))
        return "result.not_eligible", tuple(lines), ""
    data = outcome.data
    certificate = data.certificate
    if certificate:
        lines.append((translate("result.certificate", lang), str(certificate.get("title", ""))))
        lines.append((translate("result.certificate_number", lang),
                      str(certificate.get("number", ""))))
    if data.payment is not None:
        lines.append((translate("result.paid", lang), "¥" + yuan(data.payment.amount_fen)))
    if data.receipt:
        lines.extend(data.receipt.lines)
    return "result.done", tuple(lines), "result.not_printed" if outcome.not_printed else ""


class ResultScreen(Screen):
    screen_id = "result"
    more_clicked = pyqtSignal()
    finish_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.outcome_key = "result.done"
        self.lines: tuple[tuple[str, str], ...] = ()
        self.warning_key = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 50, 80, 30)
        outer.setSpacing(18)
        self.icon = label("✔", "title")
        self.title = label(role="title")
        self.detail = label(role="prompt")
        self.detail.setAccessibleName("result details")
        self.warning = label(role="error")
        outer.addWidget(self.icon)
        outer.addWidget(self.title)
        outer.addWidget(self.detail)
        outer.addWidget(self.warning)
        outer.addStretch(1)
        row = QHBoxLayout()
        self.more = touch_button("", "another service", "")
        self.finish = touch_button("", "finish", "primary")
        self.more.clicked.connect(self.more_clicked)
        self.finish.clicked.connect(self.finish_clicked)
        row.addWidget(self.more)
        row.addStretch(1)
        row.addWidget(self.finish)
        outer.addLayout(row)

    def show_outcome(self, outcome_key: str, lines: tuple[tuple[str, str], ...],
                     warning_key: str = "") -> None:
        self.outcome_key, self.lines, self.warning_key = outcome_key, lines, warning_key
        self.retranslate(self.lang)

    def clear_personal(self) -> None:
        self.lines = ()
        self.detail.clear()

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.icon.setText("✔" if self.outcome_key == "result.done" else "ℹ")
        self.title.setText(translate(self.outcome_key, lang))
        sep = ": " if lang == "en" else "："
        self.detail.setText("\n".join(f"{k}{sep}{v}" for k, v in self.lines))
        self.warning.setText(("⚠ " + translate(self.warning_key, lang)) if self.warning_key else "")
        self.more.setText(translate("result.more", lang))
        self.finish.setText(translate("result.finish", lang))

    def prompt_text(self) -> str:
        return translate(self.outcome_key, self.lang)


def _clear(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        w = item.widget() if item is not None else None
        if w is not None:
            w.deleteLater()

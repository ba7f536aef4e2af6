"""Staff: payments that need a person, with what the backend says, and the actions.

Each entry shows its order id, amount, journal state, note and the backend's status;
the buttons ask for retry (settle with the backend again), refund or mark resolved.
The controller runs the actions off the UI thread (they are journaled with the staff
actor) and shows the outcome here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout

from backend_client.payment_staff import Action, act, describe, needing_person
from kiosk.i18n import translate
from kiosk.staff_access import StaffGate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.staff import clear_list, scrolling_list
from kiosk.ui.screens.step_base import yuan
from kiosk.ui.widgets import Screen, card_frame, label, touch_button

ACTIONS = ("retry", "refund", "resolve")


class StaffPaymentsScreen(Screen):
    screen_id = "staff_payments"
    action_clicked = pyqtSignal(str, str)  # order id, action
    back_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Mapping[str, object]] = []
        self._message = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 30, 60, 30)
        self.title = label(role="title")
        outer.addWidget(self.title)
        self.message = label(role="prompt")
        self.message.setAccessibleName("payments message")
        outer.addWidget(self.message)
        self.list = scrolling_list(outer)
        self.back = touch_button("", "back", "")
        self.back.clicked.connect(self.back_clicked)
        outer.addWidget(self.back)

    def set_entries(self, entries: Sequence[Mapping[str, object]]) -> None:
        self.entries = list(entries)
        self._render()

    def show_result(self, key: str, **args: object) -> None:
        self._message = translate(key, self.lang, **args)
        self.message.setText(self._message)

    def _render(self) -> None:
        clear_list(self.list)
        lang = self.lang
        if not self.entries:
            self.list.addWidget(label(translate("staff.payments.none", lang), "prompt"))
        for entry in self.entries:
            order = str(entry.get("order_id", ""))
            frame, inner = card_frame()
            amount = entry.get("amount_fen", 0)
            text = translate("staff.payments.entry", lang, order=order,
                             amount="¥" + yuan(amount if isinstance(amount, int) else 0),
                             state=entry.get("state", ""))
            inner.addWidget(label(text, "prompt"))
            backend = entry.get("backend") or {}
            facts = " · ".join(str(x) for x in (
                entry.get("service_id", ""), entry.get("note", ""),
                " ".join(f"{k}={v}" for k, v in dict(backend).items())) if x)  # type: ignore[call-overload]
            inner.addWidget(label(facts, "hint"))
            cards = entry.get("card") or []
            for card in cards if isinstance(cards, list) else []:
                # masked card number, balance before, what the card's record says
                record = translate(f"staff.payments.load.{card.get('phase', '')}", lang,
                                   seq=card.get("online_seq", ""))
                inner.addWidget(label(translate(
                    "staff.payments.card", lang, card=card.get("card_number", ""),
                    balance="¥" + yuan(int(card.get("balance_before_fen") or 0)),
                    record=record), "hint"))
            row = QHBoxLayout()
            for action in ACTIONS:
                button = touch_button(translate(f"staff.payments.{action}", lang),
                                      f"{action} {order}", "")
                button.clicked.connect(
                    lambda _=False, o=order, a=action: self.action_clicked.emit(o, a))
                row.addWidget(button)
            row.addStretch(1)
            inner.addLayout(row)
            self.list.addWidget(frame)
        self.list.addStretch(1)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate("staff.payments.title", lang))
        self.back.setText(translate("common.back", lang))
        self.message.setText(self._message)
        self._render()


class StaffPaymentsDesk:
    """Loads the entries and runs the actions on the runtime's executor."""

    #: Who acts, in the journal: the kiosk's staff PIN does not name a person.
    STAFF_ID = "kiosk-pin"

    def __init__(self, runtime: Any, dispatcher: UiDispatcher,
                 screen: StaffPaymentsScreen) -> None:
        self.runtime = runtime
        self.dispatcher = dispatcher
        self.screen = screen
        screen.action_clicked.connect(self.act)

    def load(self) -> None:
        keeper, client = self.runtime.payments, self.runtime.backend
        if keeper is None:
            self.screen.set_entries([])
            return

        def load() -> list[dict[str, object]]:
            return [describe(e, keeper.journal, client) for e in needing_person(keeper.journal)]

        self.dispatcher.on_done(self.runtime.executor.submit(load), lambda f: (
            self.screen.set_entries(f.result() if f.exception() is None else [])))

    def act(self, order_id: str, action: str) -> None:
        keeper, client = self.runtime.payments, self.runtime.backend
        if keeper is None or client is None or action not in ACTIONS:
            return
        chosen: Action = action  # type: ignore[assignment]
        future = self.runtime.executor.submit(act, client, keeper.journal, order_id, chosen,
                                              self.STAFF_ID, "on-site staff at the kiosk")

        def done(f: Future[dict[str, object]]) -> None:
            result = f.result() if f.exception() is None else {"ok": False, "error": "error"}
            config = self.runtime.config
            StaffGate(config.ui.staff_pin_hash, config.state_dir).audit(
                "payment_action", via="staff screen", staff=self.STAFF_ID, action=action,
                entry=order_id, ok=bool(result.get("ok")),
                outcome=str(result.get("state") or result.get("error", "")))
            if result.get("ok"):
                self.screen.show_result("staff.payments.done",
                                        action=f"{action} → {result.get('state')}")
            else:
                self.screen.show_result("staff.payments.failed",
                                        reason=str(result.get("error", "")))
            self.load()

        self.dispatcher.on_done(future, done)

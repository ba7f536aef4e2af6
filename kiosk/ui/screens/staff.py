"""Staff screens: a PIN gate, device diagnostics, reprint, and the simulator panel."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from drivers.status import DeviceStatus
from kiosk.i18n import translate
from kiosk.ui.widgets import Screen, card_frame, label, set_id, touch_button

STATE_ICON = {"online": "✔", "busy": "…", "starting": "…"}


def scrolling_list(outer: QVBoxLayout) -> QVBoxLayout:
    """A scrolling column for a staff screen's entries (a card each), added to ``outer``."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    body = QWidget()
    entries = QVBoxLayout(body)
    scroll.setWidget(body)
    outer.addWidget(scroll, 1)
    return entries


def clear_list(entries: QVBoxLayout) -> None:
    """Remove every entry (before the list is drawn again)."""
    while entries.count():
        item = entries.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


class StaffScreen(Screen):
    """Asks for the staff PIN, then offers diagnostics, reprint and leaving service."""

    screen_id = "staff"
    diagnostics_clicked = pyqtSignal()
    reprint_clicked = pyqtSignal()
    payments_clicked = pyqtSignal()
    exit_clicked = pyqtSignal()
    pin_entered = pyqtSignal(str)
    help_handled_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.unlocked = False
        #: A notice shown instead of the prompt (wrong PIN, locked...), with its arguments.
        self.notice: tuple[str, dict[str, object]] | None = None
        self.reprint_armed = False
        #: False while no staff PIN is configured: the screen says staff mode is closed.
        self.pin_configured = True
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 20, 60, 16)
        outer.setSpacing(12)
        self.outer = outer
        self.title = label(role="title")
        outer.addWidget(self.title)
        self.message = label(role="prompt")
        outer.addWidget(self.message)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        set_id(self.pin, "staff pin")
        self.pin.setMaxLength(8)
        outer.addWidget(self.pin)
        pad = QGridLayout()
        for i, ch in enumerate("123456789C0✓"):
            name = {"C": "pin clear", "✓": "pin ok"}.get(ch, f"pin {ch}")
            b = touch_button(ch, name, "primary" if ch == "✓" else "key")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, ch=ch: self._pad(ch))
            pad.addWidget(b, i // 3, i % 3)
        self.pad = QWidget()
        self.pad.setLayout(pad)
        outer.addWidget(self.pad)
        # Residents' calls for staff (shown locked too: whoever comes sees why).
        self.help_calls = label(role="error")
        set_id(self.help_calls, "help calls")
        self.help_calls.setVisible(False)
        outer.addWidget(self.help_calls)
        self.help_handled = touch_button("", "help calls handled", "")
        self.help_handled.clicked.connect(self.help_handled_clicked)
        self.help_handled.setVisible(False)
        outer.addWidget(self.help_handled)
        self.diagnostics = touch_button("", "diagnostics", "")
        self.reprint = touch_button("", "reprint last receipt", "")
        self.leave = touch_button("", "leave staff mode", "primary")
        self.payments = touch_button("", "payments needing staff", "")
        self.payments.clicked.connect(self.payments_clicked)
        self.diagnostics.clicked.connect(self.diagnostics_clicked)
        self.reprint.clicked.connect(self.reprint_clicked)
        self.leave.clicked.connect(self.exit_clicked)
        for b in (self.diagnostics, self.reprint, self.payments, self.leave):
            outer.addWidget(b)
        outer.addStretch(1)
        self.lock()

    def set_large_text(self, large: bool) -> None:
        # Large text with a two-row status bar (English): tighter, to fit 800 px high.
        self.outer.setContentsMargins(60, 8 if large else 20, 60, 8 if large else 16)
        self.outer.setSpacing(6 if large else 12)

    def _pad(self, ch: str) -> None:
        if ch == "C":
            self.pin.clear()
        elif ch == "✓":
            self.pin_entered.emit(self.pin.text())
            self.pin.clear()
        else:
            self.pin.insert(ch)

    def show_help_calls(self, text: str) -> None:
        """The open calls for staff ("" when none), with a button to mark them handled."""
        self.help_calls.setText(("⚠ " + text) if text else "")
        self.help_calls.setVisible(bool(text))
        self.help_handled.setVisible(bool(text) and self.unlocked)

    def lock(self) -> None:
        self.unlocked = False
        self.notice = None
        self.reprint_armed = False
        self.pin.clear()
        self._apply()

    def unlock(self) -> None:
        self.unlocked = True
        self.notice = None
        self._apply()

    def set_reprint_armed(self, armed: bool) -> None:
        """The reprint button confirms (after its preview) or starts a reprint."""
        self.reprint_armed = armed
        self.reprint.setAccessibleName("confirm reprint" if armed else "reprint last receipt")
        self.retranslate(self.lang)

    def show_message(self, key: str, **kwargs: object) -> None:
        self.notice = (key, kwargs)
        self.message.setText(translate(key, self.lang, **kwargs))

    def _apply(self) -> None:
        self.pin.setVisible(not self.unlocked)
        self.pad.setVisible(not self.unlocked)
        self.diagnostics.setVisible(self.unlocked)
        self.reprint.setVisible(self.unlocked)
        self.payments.setVisible(self.unlocked)
        self.help_handled.setVisible(self.unlocked and bool(self.help_calls.text()))
        self.retranslate(self.lang)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate("staff.title", lang))
        if self.notice is not None:
            key, kwargs = self.notice
            self.message.setText(translate(key, lang, **kwargs))
        else:
            key = "staff.unlocked" if self.unlocked else \
                "staff.pin" if self.pin_configured else "staff.not_set"
            self.message.setText(translate(key, lang))
        self.diagnostics.setText(translate("staff.diagnostics", lang))
        self.reprint.setText(translate(
            "staff.reprint_confirm" if self.reprint_armed else "staff.reprint", lang))
        self.payments.setText(translate("staff.payments.title", lang))
        self.help_handled.setText(translate("staff.help_handled", lang))
        self.leave.setText(translate("staff.leave", lang))

    def prompt_text(self) -> str:
        return translate("staff.pin", self.lang)


#: (detail key, value) pairs a technician must see on the device's line.
_ATTENTION = frozenset({("toner", "low"), ("toner", "out"), ("paper", "low"),
                        ("paper", "out"), ("paper", "jammed")})


class DiagnosticsScreen(Screen):
    """Every device with its state and detail, and a self-test button."""

    screen_id = "diagnostics"
    selftest_clicked = pyqtSignal()
    back_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, tuple[str, DeviceStatus]] = {}
        self._results: dict[str, str] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 30, 60, 30)
        self.title = label(role="title")
        outer.addWidget(self.title)
        self.help_calls = label(role="error")
        set_id(self.help_calls, "help calls")
        self.help_calls.setVisible(False)
        outer.addWidget(self.help_calls)
        self.list = scrolling_list(outer)
        row = QHBoxLayout()
        self.selftest = touch_button("", "run self-test", "primary")
        self.back = touch_button("", "back", "")
        self.selftest.clicked.connect(self.selftest_clicked)
        self.back.clicked.connect(self.back_clicked)
        row.addWidget(self.back)
        row.addStretch(1)
        row.addWidget(self.selftest)
        outer.addLayout(row)

    def show_help_calls(self, text: str) -> None:
        self.help_calls.setText(("⚠ " + text) if text else "")
        self.help_calls.setVisible(bool(text))

    def set_device(self, role: str, implementation: str, status: DeviceStatus) -> None:
        self._rows[role] = (implementation, status)
        self._render()

    def set_result(self, role: str, text: str) -> None:
        self._results[role] = text
        self._render()

    def _render(self) -> None:
        clear_list(self.list)
        for role, (impl, status) in sorted(self._rows.items()):
            frame, inner = card_frame()
            icon = STATE_ICON.get(status.state.value, "✖")
            state = translate(f"state.{status.state.value}", self.lang)
            # A supply running low or out is not "normal": say which, with a warning sign.
            supplies = [translate(f"diagnostics.{k}.{v}", self.lang)
                        for k, v in sorted(status.detail.items()) if (k, v) in _ATTENTION]
            if supplies:
                icon = "⚠" if icon == "✔" else icon
                state = f"{state} ({', '.join(supplies)})"
            detail = ", ".join(f"{k}: {v}" for k, v in status.detail.items())
            text = f"{icon} {translate(f'role.{role}', self.lang)} — {state}"
            inner.addWidget(label(text, "prompt"))
            extra = " · ".join(x for x in (impl, detail, status.reason,
                                           self._results.get(role, "")) if x)
            inner.addWidget(label(extra, "hint"))
            self.list.addWidget(frame)
        self.list.addStretch(1)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate("diagnostics.title", lang))
        self.selftest.setText(translate("diagnostics.selftest", lang))
        self.back.setText(translate("common.back", lang))
        self._render()

"""The result screen: what was done (the service, certificate, payment, receipt lines)
and what to take, with a picture of where (the certificate from the A4 tray, the receipt
from its slot)."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.flow.terminal import Outcome
from kiosk.i18n import translate
from kiosk.ui.icons import Picture
from kiosk.ui.screens.step_base import yuan
from kiosk.ui.widgets import Screen, card_frame, label, set_id, touch_button

#: What the resident takes away -> (illustration, message key).
TAKE = {
    "certificate": ("take_certificate", "result.take.certificate"),
    "receipt": ("take_receipt", "result.take.receipt"),
}


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
        lines.extend(data.payment.paid_with)  # a purse payment: card, TAC, new balance
    if data.receipt:
        lines.extend(data.receipt.lines)
    return "result.done", tuple(lines), "result.not_printed" if outcome.not_printed else ""


def things_to_take(outcome: Outcome) -> tuple[str, ...]:
    """What came out of the printers for ``outcome`` (keys of :data:`TAKE`)."""
    if outcome.refund or outcome.refusal is not None or outcome.not_printed:
        return ()
    types = {step.type for step in outcome.service.steps}
    take = []
    if "print_certificate" in types and outcome.data.certificate:
        take.append("certificate")
    if "print_receipt" in types:
        take.append("receipt")
    return tuple(take)


class ResultScreen(Screen):
    screen_id = "result"
    more_clicked = pyqtSignal()
    finish_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.outcome_key = "result.done"
        self.lines: tuple[tuple[str, str], ...] = ()
        self.warning_key = ""
        self.take: tuple[str, ...] = ()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 30, 60, 20)
        outer.setSpacing(16)
        head = QHBoxLayout()
        self.icon = Picture("done", 72)
        self.title = label(role="title")
        head.addWidget(self.icon)
        head.addWidget(self.title, 1)
        outer.addLayout(head)
        body = QHBoxLayout()
        body.setSpacing(24)
        frame, inner = card_frame()
        self.done_caption = label(role="muted")
        self.details = QGridLayout()
        self.details.setHorizontalSpacing(16)
        self.details.setVerticalSpacing(8)
        self.detail = label(role="prompt")  # the lines as one text (read aloud, scenarios)
        set_id(self.detail, "result details")
        self.detail.setVisible(False)
        inner.addWidget(self.done_caption)
        inner.addLayout(self.details)
        inner.addWidget(self.detail)
        inner.addStretch(1)
        body.addWidget(frame, 3)
        self.take_frame, take_inner = card_frame()
        self.take_caption = label(role="muted")
        take_inner.addWidget(self.take_caption)
        self.take_pictures: dict[str, tuple[QWidget, Picture, object]] = {}
        for key, (picture, _msg) in TAKE.items():
            holder = QWidget()
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            image = Picture(picture, 200, 150, illustration=True)
            text = label(role="prompt")
            text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(image, 0, Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(text)
            take_inner.addWidget(holder)
            self.take_pictures[key] = (holder, image, text)
        take_inner.addStretch(1)
        body.addWidget(self.take_frame, 2)
        outer.addLayout(body, 1)
        self.warning = label(role="error")
        outer.addWidget(self.warning)
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
                     warning_key: str = "", take: tuple[str, ...] = ()) -> None:
        self.outcome_key, self.lines, self.warning_key = outcome_key, lines, warning_key
        self.take = take
        self.retranslate(self.lang)

    def clear_personal(self) -> None:
        self.lines = ()
        self.take = ()
        self.detail.clear()
        self._fill_details()

    def _fill_details(self) -> None:
        while self.details.count():
            item = self.details.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        for row, (key, value) in enumerate(self.lines):
            caption = label(key, "muted")
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            self.details.addWidget(caption, row, 0)
            self.details.addWidget(label(value, "prompt"), row, 1)
        self.details.setColumnStretch(1, 1)

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        done = self.outcome_key == "result.done"
        self.icon.set_picture("done" if done else "info")
        self.title.setText(translate(self.outcome_key, lang))
        sep = ": " if lang == "en" else "："
        self.detail.setText("\n".join(f"{k}{sep}{v}" for k, v in self.lines))
        self._fill_details()
        self.done_caption.setText(translate("result.what_was_done", lang))
        self.take_caption.setText(translate("result.take.title", lang))
        for key, (holder, _image, text) in self.take_pictures.items():
            holder.setVisible(key in self.take)
            text.setText(translate(TAKE[key][1], lang))  # type: ignore[attr-defined]
        self.take_frame.setVisible(bool(self.take))
        self.warning.setText(("⚠ " + translate(self.warning_key, lang)) if self.warning_key else "")
        self.warning.setVisible(bool(self.warning_key))
        self.more.setText(translate("result.more", lang))
        self.finish.setText(translate("result.finish", lang))

    def prompt_text(self) -> str:
        parts = [translate(self.outcome_key, self.lang)]
        parts += [translate(TAKE[k][1], self.lang) for k in self.take]
        return " ".join(parts)

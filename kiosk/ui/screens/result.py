"""The result screen: what was done (the service, certificate, payment, receipt lines)
and what to take, with a picture of where (the certificate from the A4 tray, the receipt
from its slot)."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.flow.terminal import Outcome
from kiosk.i18n import translate
from kiosk.ui.after_service import AfterServicePanel
from kiosk.ui.icons import Picture
from kiosk.ui.screens.step_base import qr_pixmap, yuan
from kiosk.ui.widgets import Screen, card_frame, label, set_id, touch_button

#: Large text: a value longer than this goes under its caption, across the card.
LONG_VALUE = 48
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
        lines.extend(data.receipt.lines_in(lang))
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
    """The title and what was done (left), what to take with a picture of where and the
    receipt's progress QR code (right), the rating strip (kiosk/ui/after_service.py),
    then "another service" and "finish". While the rating's optional reasons show they
    take the body's room (the details come back when the rating is sent or skipped)."""

    screen_id = "result"
    more_clicked = pyqtSignal()
    finish_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.outcome_key = "result.done"
        self.lines: tuple[tuple[str, str], ...] = ()
        self.warning_key = ""
        self.take: tuple[str, ...] = ()
        self.progress_url = ""
        self.large = False
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(60, 24, 60, 16)
        self.outer.setSpacing(12)
        body = QHBoxLayout()
        body.setSpacing(20)
        self.details_frame, inner = card_frame()
        self.card_layouts = [inner]
        inner.setSpacing(8)
        head = QHBoxLayout()  # the title heads the card of what was done
        self.icon = Picture("done", 72)
        self.title = label(role="title")
        head.addWidget(self.icon)
        head.addWidget(self.title, 1)
        inner.addLayout(head)
        self.done_caption = label(role="muted")
        self.details = QGridLayout()
        self.details.setHorizontalSpacing(16)
        self.details.setVerticalSpacing(6)
        self.detail = label(role="prompt")  # the lines as one text (read aloud, scenarios)
        set_id(self.detail, "result details")
        self.detail.setVisible(False)
        inner.addWidget(self.done_caption)
        inner.addLayout(self.details)
        inner.addWidget(self.detail)
        inner.addStretch(1)
        body.addWidget(self.details_frame, 3)
        self.take_frame, take_inner = card_frame()
        take_inner.setSpacing(8)
        self.card_layouts.append(take_inner)
        self.take_caption = label(role="muted")
        take_inner.addWidget(self.take_caption)
        self.take_pictures: dict[str, tuple[QWidget, Picture, QLabel]] = {}
        for key, (picture, _msg) in TAKE.items():
            holder = QWidget()
            holder.setObjectName("take_holder")
            holder.setStyleSheet("QWidget#take_holder { background: transparent; }")
            column = QVBoxLayout(holder)
            column.setContentsMargins(0, 0, 0, 0)
            image = Picture(picture, 200, 150, illustration=True)
            text = label(role="prompt")
            text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(image, 0, Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(text)
            take_inner.addWidget(holder)
            self.take_pictures[key] = (holder, image, text)
        self.qr_box = QWidget()
        self.qr_box.setObjectName("take_holder")
        self.qr_box.setStyleSheet("QWidget#take_holder { background: transparent; }")
        qr_row = QHBoxLayout(self.qr_box)
        qr_row.setContentsMargins(0, 0, 0, 0)
        self.qr = QLabel()
        set_id(self.qr, "progress qr code")
        self.qr_hint = label(role="muted")
        qr_row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        qr_row.addWidget(self.qr_hint, 1)
        take_inner.addWidget(self.qr_box)
        take_inner.addStretch(1)
        self.take_frame.setMaximumWidth(440)
        body.addWidget(self.take_frame, 2)
        self.outer.addLayout(body, 1)
        self.after_service = AfterServicePanel()
        self.after_service.on_refresh = self._balance
        self.outer.addWidget(self.after_service)
        self.warning = label(role="error")
        self.outer.addWidget(self.warning)
        self.outer.addStretch(0)  # takes the body's room while the reasons show
        row = QHBoxLayout()
        self.more = touch_button("", "another service", "")
        self.finish = touch_button("", "finish", "primary")
        self.more.clicked.connect(self.more_clicked)
        self.finish.clicked.connect(self.finish_clicked)
        row.addWidget(self.more)
        row.addStretch(1)
        row.addWidget(self.finish)
        self.outer.addLayout(row)

    def show_outcome(self, outcome_key: str, lines: tuple[tuple[str, str], ...],
                     warning_key: str = "", take: tuple[str, ...] = ()) -> None:
        self.outcome_key, self.lines, self.warning_key = outcome_key, lines, warning_key
        self.take = take
        self.retranslate(self.lang)

    def show_progress(self, url: str) -> None:
        """The application receipt's progress page as a QR code ("" hides it)."""
        if url != self.progress_url:
            self.progress_url = url
            self._draw_qr()
        self._show_take()

    def clear_personal(self) -> None:
        self.lines = ()
        self.take = ()
        self.detail.clear()
        self.show_progress("")
        self.after_service.withdraw()
        self._fill_details()

    def set_large_text(self, large: bool) -> None:
        self.large = large
        # Large text: the margins and pictures give their room to the words.
        if large:
            self.outer.setContentsMargins(32, 8, 32, 8)
        else:
            self.outer.setContentsMargins(60, 24, 60, 16)
        self.outer.setSpacing(8 if large else 12)
        self.icon.set_box(56 if large else 72)
        for layout in self.card_layouts:
            if large:
                layout.setContentsMargins(20, 8, 20, 8)
            else:
                layout.setContentsMargins(32, 20, 32, 20)
        for _holder, image, _text in self.take_pictures.values():
            image.set_box(*((140, 105) if large else (200, 150)))
        self.done_caption.setVisible(not large)  # the title says it
        self.details.setVerticalSpacing(4 if large else 6)
        self._fill_details()
        self._draw_qr()

    def _draw_qr(self) -> None:
        side = 110 if self.large else 130
        self.qr.setFixedSize(side, side)
        if self.progress_url:
            self.qr.setPixmap(qr_pixmap(self.progress_url, side).scaled(
                side, side, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
        else:
            self.qr.clear()

    def _show_take(self) -> None:
        for key, (holder, _image, _text) in self.take_pictures.items():
            holder.setVisible(key in self.take)
        self.qr_box.setVisible(bool(self.progress_url))
        self._balance()

    def _balance(self) -> None:
        """The rating's reasons, while they show, take the body's room."""
        reasons = self.after_service.reasons_showing()
        # The card keeps its title ("Done"); its lines wait until the rating is done.
        for i in range(self.details.count()):
            item = self.details.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setVisible(not reasons)
        self.done_caption.setVisible(not reasons and not self.large)
        self.outer.setStretch(0, 0 if reasons else 1)
        self.outer.setStretch(self.outer.count() - 2, 1 if reasons else 0)
        self.take_frame.setVisible(not reasons and (bool(self.take) or bool(self.progress_url)))

    def _fill_details(self) -> None:
        while self.details.count():
            item = self.details.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()
        row = 0
        for key, value in self.lines:
            caption = label(key, "muted")
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            if self.large and len(value) > LONG_VALUE:
                # Large text: a long line (what happens next) gets the card's width.
                caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.details.addWidget(caption, row, 0, 1, 2)
                self.details.addWidget(label(value, "detail"), row + 1, 0, 1, 2)
                row += 2
                continue
            self.details.addWidget(caption, row, 0)
            self.details.addWidget(label(value, "detail"), row, 1)
            row += 1
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
        for key, (_holder, _image, text) in self.take_pictures.items():
            text.setText(translate(TAKE[key][1], lang))
        self.qr_hint.setText(translate("rate.progress_hint", lang))
        self.warning.setText(("⚠ " + translate(self.warning_key, lang)) if self.warning_key else "")
        self.warning.setVisible(bool(self.warning_key))
        self.more.setText(translate("result.more", lang))
        self.finish.setText(translate("result.finish", lang))
        self.after_service.retranslate(lang)
        self._show_take()

    def prompt_text(self) -> str:
        parts = [translate(self.outcome_key, self.lang)]
        parts += [translate(TAKE[k][1], self.lang) for k in self.take]
        return " ".join(parts)

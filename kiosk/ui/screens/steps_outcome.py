"""Step screens that take money or produce something: pay, submit, print_*."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from concurrent.futures import Executor, Future
from typing import Any

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QTimer
from PyQt6.QtPdf import QPdfDocument
from PyQt6.QtPdfWidgets import QPdfView
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.step_base import ImageBox, StepScreen, qr_pixmap, yuan
from kiosk.ui.widgets import label, set_id


class PayScreen(StepScreen):
    step_type = "pay"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.what = label(role="prompt")
        self.amount = label(role="amount")
        set_id(self.amount, "amount")
        self.payee = label(role="prompt")
        set_id(self.payee, "payee")
        self.countdown = label(role="countdown")
        set_id(self.countdown, "payment countdown")
        self.qr = ImageBox("payment qr code")
        #: The citizen card's purse beside the QR code: balance, or why it cannot pay.
        self.purse_info = label(role="prompt")
        set_id(self.purse_info, "card purse")
        # What is paid on the left, the code (as large as the screen allows) on the right.
        row = QHBoxLayout()
        row.setSpacing(24)
        texts = QVBoxLayout()
        texts.setSpacing(12)
        for widget in (self.what, self.amount, self.payee, self.countdown, self.purse_info):
            texts.addWidget(widget)
        texts.addStretch(1)
        row.addLayout(texts, 1)
        row.addWidget(self.qr, 1)
        self.body.addLayout(row, 1)
        self.retry = self.add_action("try again", "primary")
        self.retry.clicked.connect(lambda: self.controller and self.controller.retry())
        self.pay_purse = self.add_action("pay from card purse", "primary")
        self.pay_purse.clicked.connect(
            lambda: self.controller and self.controller.pay_from_purse())
        # The countdown moves every second while the QR code is shown.
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._update_countdown)
        self._tick.start(1000)

    def _update_countdown(self) -> None:
        c = self.controller
        left = getattr(c, "seconds_left", None) if c is not None else None
        self.countdown.setVisible(left is not None)
        if left is not None:
            self.countdown.setText(translate("step.pay.countdown", self.lang, seconds=left))

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        self.what.setText(c.step.description.get(lang))
        amount = getattr(c, "amount_fen", None)
        self.amount.setText(translate("common.yuan", lang, amount=yuan(amount)) if amount else "")
        payee = getattr(c, "payee", "")
        self.payee.setText(translate("step.pay.payee", lang, payee=payee) if payee else "")
        self.payee.setVisible(bool(payee))
        self._update_countdown()
        if c.qr_url:
            self.qr.setPixmap(qr_pixmap(c.qr_url))
            self.qr.setVisible(True)
        else:
            self.qr.clear()
            self.qr.setVisible(False)
        self.retry.setText(translate("common.retry", lang))
        self.retry.setVisible(state in ("unknown", "printer_not_ready", "failed", "closed",
                                        "purse_unresolved"))
        self._render_purse(c, state, lang)

    def _render_purse(self, c: Any, state: str, lang: str) -> None:
        purse = getattr(c, "purse", None)
        shown = purse is not None and purse.eligible and state in ("awaiting", "purse_paying")
        text = ""
        if purse is not None and shown and state == "awaiting":
            if purse.reason:
                text = translate(purse.reason, lang, **purse.reason_params)
                if purse.reason.startswith("purse.insufficient"):
                    text += " " + translate("purse.use_qr", lang)
            elif purse.offer is not None:
                text = translate("purse.pay_balance", lang,
                                 balance=yuan(purse.offer.balance_fen))
            else:
                text = translate("purse.reading", lang)
        self.purse_info.setText(text)
        self.purse_info.setVisible(bool(text))
        self.pay_purse.setText(translate("purse.pay", lang))
        self.pay_purse.setVisible(purse is not None and shown and state == "awaiting"
                                  and purse.available)

    def clear_personal(self) -> None:
        self.qr.clear()
        self.purse_info.setText("")


class SubmitScreen(StepScreen):
    step_type = "submit"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.detail = label(role="prompt")
        self.body.addWidget(self.detail)
        self.body.addStretch(1)
        self.retry = self.add_action("try again", "primary")
        self.retry.clicked.connect(lambda: self.controller and self.controller.retry())

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        self.detail.setText(translate(f"submit.action.{c.step.action}", lang))
        self.retry.setText(translate("common.retry", lang))
        self.retry.setVisible(c.state.value == "failed")


class PrintScreen(StepScreen):
    """print_certificate and print_receipt: progress, outcome, retry or go on without."""

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.detail = label(role="prompt")
        self.body.addWidget(self.detail)
        self.body.addStretch(1)
        self.retry = self.add_action("try again", "primary")
        self.give_up = self.add_action("continue without printing", "")
        self.retry.clicked.connect(lambda: self.controller and self.controller.retry())
        self.give_up.clicked.connect(lambda: self.controller and self.controller.give_up())

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        failed = c.state.value == "failed"
        self.detail.setText(translate("print.staff_reprint", lang) if failed else "")
        self.retry.setText(translate("common.retry", lang))
        self.give_up.setText(translate("print.give_up", lang))
        self.retry.setVisible(failed)
        self.give_up.setVisible(failed)


class PrintCertificateScreen(PrintScreen):
    """Prints the certificate and shows it (QtPdf) so the resident sees what comes out."""

    step_type = "print_certificate"

    def __init__(self, dispatcher: UiDispatcher, executor: Executor | None = None) -> None:
        super().__init__(dispatcher)
        self.executor = executor
        self._pdf = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self._shown_for: object = None
        self.preview = QPdfView(self)
        set_id(self.preview, "certificate preview")
        self.preview.setDocument(self._pdf)
        self.preview.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.preview.setMinimumHeight(200)
        self.body.insertWidget(0, self.preview, 1)

    def render_body(self) -> None:
        super().render_body()
        certificate = self.controller.context.session.data.certificate
        if certificate is None or certificate is self._shown_for or self.executor is None:
            return
        self._shown_for = certificate
        controller = self.controller
        future = self.executor.submit(_render_pdf, certificate)
        self.dispatcher.on_done(future, lambda f: self._show_pdf(controller, f))

    def _show_pdf(self, controller: Any, future: Future[bytes]) -> None:
        if controller is not self.controller or future.exception() is not None:
            return  # the print step reports print failures; a preview is best effort
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(future.result()))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._pdf.load(self._buffer)

    def clear_personal(self) -> None:
        self._pdf.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.setData(QByteArray())
        self._buffer = None
        self._shown_for = None
        cache = sys.modules.get("printers.certificate.cache")  # not imported: nothing kept
        if cache is not None:
            cache.forget()


def _render_pdf(certificate: Mapping[str, object]) -> bytes:
    # The same render (and bytes) as the print job's: see printers.certificate.cache.
    from printers.certificate.cache import render_once

    return render_once(certificate)


class PrintReceiptScreen(PrintScreen):
    step_type = "print_receipt"

"""Print receipt: what was done and paid, on the thermal receipt printer."""

from __future__ import annotations

from concurrent.futures import Future

from backend_client.service_definition import PrintReceiptStep
from kiosk.flow.ports import ReceiptContent
from kiosk.flow.steps.base import StepContext
from kiosk.flow.steps.printing import PrintController
from kiosk_base.errors import UserFacingError


class PrintReceiptController(PrintController):
    step_type = "print_receipt"

    def __init__(self, context: StepContext, step: PrintReceiptStep) -> None:
        super().__init__(context)
        self.step = step

    def receipt(self) -> ReceiptContent:
        """The receipt's content: service, payment, the backend's reference and lines."""
        session = self.context.session
        data = session.data
        payment = data.payment
        submitted = data.receipt
        lang = session.language
        # An application's receipt (回执): its progress page as a QR code.
        progress = submitted.progress_url if submitted else ""
        return ReceiptContent(
            service_title=self.context.service.title.get(lang),
            language=lang,
            lines=(payment.paid_with if payment else ()) + (submitted.lines if submitted else ()),
            amount_fen=payment.amount_fen if payment else 0,
            order_id=payment.order_id if payment else "",
            reference=submitted.reference if submitted else "",
            qr_payload=progress,
            qr_caption=("Scan to follow your application" if lang == "en"
                        else "扫码查看办件进度") if progress else "",
        )

    def _send(self) -> Future[None]:
        printer = self.context.ports.receipt_printer
        if printer is None:
            raise UserFacingError("error.device.unavailable")
        future = printer.print_receipt(self.receipt(), self._progress)
        payment = self.context.session.data.payment
        if payment is not None:  # the journal owes this order a receipt until it prints
            journal = self.context.ports.journal

            def printed(f: Future[None]) -> None:
                if f.exception() is None:
                    journal.record(payment.order_id, "receipt_printed",
                                   order_id=payment.order_id)

            future.add_done_callback(printed)
        return future

"""Print certificate: the certificate the submit step obtained, on the A4 printer."""

from __future__ import annotations

from concurrent.futures import Future

from backend_client.service_definition import PrintCertificateStep
from kiosk.flow.steps.base import StepContext
from kiosk.flow.steps.printing import PrintController
from kiosk_base.errors import UserFacingError


class PrintCertificateController(PrintController):
    step_type = "print_certificate"

    def __init__(self, context: StepContext, step: PrintCertificateStep) -> None:
        super().__init__(context)
        self.step = step

    def _send(self) -> Future[None]:
        printer = self.context.ports.a4_printer
        certificate = self.context.session.data.certificate
        if printer is None:
            raise UserFacingError("error.device.unavailable")
        if certificate is None:
            raise UserFacingError("print.nothing_to_print")
        return printer.print_certificate(certificate, self._progress)

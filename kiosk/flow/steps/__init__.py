"""Step controllers, one module per step type, and the table that picks them."""

from __future__ import annotations

from typing import Any

from backend_client.service_definition import (
    CapturePhotoStep,
    DeliveryStep,
    FormStep,
    IdentifyStep,
    PayStep,
    PrintCertificateStep,
    PrintReceiptStep,
    ReviewStep,
    ScanDocumentsStep,
    SignStep,
    Step,
    SubmitStep,
    VerifyFaceStep,
)
from kiosk.flow.steps.base import FlowSettings, StepContext, StepController
from kiosk.flow.steps.capture_photo import CapturePhotoController
from kiosk.flow.steps.delivery import DeliveryController
from kiosk.flow.steps.form import FormController
from kiosk.flow.steps.identify import IdentifyController
from kiosk.flow.steps.pay import PayController
from kiosk.flow.steps.print_certificate import PrintCertificateController
from kiosk.flow.steps.print_receipt import PrintReceiptController
from kiosk.flow.steps.review import ReviewController
from kiosk.flow.steps.scan_documents import ScanDocumentsController
from kiosk.flow.steps.sign import SignController
from kiosk.flow.steps.submit import SubmitController
from kiosk.flow.steps.verify_face import VerifyFaceController

__all__ = ["FlowSettings", "StepContext", "StepController", "controller_for"]


def controller_for(step: Step, context: StepContext) -> StepController[Any]:
    """A new controller for ``step``."""
    match step:
        case IdentifyStep():
            return IdentifyController(context, step)
        case VerifyFaceStep():
            return VerifyFaceController(context, step)
        case FormStep():
            return FormController(context, step)
        case CapturePhotoStep():
            return CapturePhotoController(context, step)
        case ScanDocumentsStep():
            return ScanDocumentsController(context, step)
        case ReviewStep():
            return ReviewController(context, step)
        case PayStep():
            return PayController(context, step)
        case SubmitStep():
            return SubmitController(context, step)
        case PrintCertificateStep():
            return PrintCertificateController(context, step)
        case PrintReceiptStep():
            return PrintReceiptController(context, step)
        case SignStep():
            return SignController(context, step)
        case DeliveryStep():
            return DeliveryController(context, step)
    raise AssertionError(f"no controller for {step.type}")

"""Submit: the service's action at the backend, once, with a key the backend dedups on.

Per action: a certificate is issued (printed by the next step); an application is
created with its attachments; a bill is settled with the payment made; a citizen card
is loaded (see topup.py); an appointment is booked; the person's applications are
looked up. When the backend cannot be reached, an application or a bill settlement
goes to the outbox (delivered when the backend returns: QUEUED counts as done); the
other actions need an answer now and fail clearly.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date
from enum import Enum
from typing import Any, ClassVar

from backend_client.service_definition import SubmitStep
from kiosk.flow.ports import (
    Attachment,
    BackendUnreachableError,
    CapturedImage,
    SubmissionReceipt,
    SubmissionRequest,
)
from kiosk.flow.steps.base import StepContext, StepController
from kiosk.flow.steps.topup import CardTopup, LoadUnresolved
from kiosk_base.errors import MediaError, UserFacingError

log = logging.getLogger(__name__)

#: Actions whose submission may wait in the outbox when the backend is away.
OUTBOX_ACTIONS = frozenset({"application", "bill_payment"})


class SubmitState(Enum):
    READY = "ready"
    SUBMITTING = "submitting"
    TOPUP_INITIALISING = "topup_initialising"
    TOPUP_AUTHORISING = "topup_authorising"
    TOPUP_CREDITING = "topup_crediting"
    TOPUP_CONFIRMING = "topup_confirming"
    #: CREDIT FOR LOAD got no answer: the card may hold the money. retry() (the card back
    #: in) asks the card; leaving never refunds it (the purse recovery settles it).
    TOPUP_UNRESOLVED = "topup_unresolved"
    #: retry() submits again with the same key.
    FAILED = "failed"
    QUEUED = "queued"
    DONE = "done"


class SubmitController(StepController[SubmitState]):
    step_type = "submit"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({
        SubmitState.SUBMITTING,
        SubmitState.TOPUP_INITIALISING,
        SubmitState.TOPUP_AUTHORISING,
        SubmitState.TOPUP_CREDITING,
        SubmitState.TOPUP_CONFIRMING,
    })

    def __init__(self, context: StepContext, step: SubmitStep) -> None:
        super().__init__(context, SubmitState.READY)
        self.step = step
        self.idempotency_key = uuid.uuid4().hex
        self.receipt: SubmissionReceipt | None = None
        self._topup: CardTopup | None = None

    @property
    def done(self) -> bool:
        return self.state in (SubmitState.DONE, SubmitState.QUEUED)

    @property
    def committed(self) -> bool:
        return self.done

    @property
    def needs_card(self) -> bool:
        return self.step.action == "card_topup" and not self.done

    def start(self) -> None:
        if self.done:
            return
        self._cancelled.clear()
        self._submit()

    def retry(self) -> None:
        if self.state in (SubmitState.FAILED, SubmitState.TOPUP_UNRESOLVED):
            self._submit()

    def wipe(self) -> None:
        self.receipt = None
        if self._topup is not None:
            self._topup.release()
        super().wipe()

    def _submit(self) -> None:
        self._set_state(SubmitState.SUBMITTING)
        self._run(self._job, SubmitState.FAILED)

    def _job(self) -> None:
        if self.step.action == "card_topup":
            if self._topup is None:
                self._topup = CardTopup(self.context, self.idempotency_key, self._topup_phase,
                                        self._await)
            try:
                self._finish(self._topup.run())
            except LoadUnresolved as exc:
                self._set_state(SubmitState.TOPUP_UNRESOLVED, error=exc)
            except MediaError as exc:
                unsure = self._topup.unresolved is not None
                self._set_state(
                    SubmitState.TOPUP_UNRESOLVED if unsure else SubmitState.FAILED,
                    error=UserFacingError("topup.card_unsure" if unsure
                                          else "topup.card_removed", cause=exc))
            return
        request = self._request()
        paid_by = request.payment_order_id
        journal = self.context.ports.journal
        if paid_by:  # committed before the delivery it describes
            journal.record(self.idempotency_key, "delivering", order_id=paid_by)
        try:
            receipt = self._call(request)
        except BackendUnreachableError as exc:
            if self.step.action not in OUTBOX_ACTIONS:
                self._set_state(
                    SubmitState.FAILED, error=UserFacingError("submit.unreachable", cause=exc)
                )
                return
            outbox_id = self.context.ports.outbox.enqueue(request)
            if paid_by:
                journal.record(self.idempotency_key, "delivery_queued", order_id=paid_by)
            log.info("submit: %s queued in the outbox", self.step.action)
            self.receipt = SubmissionReceipt(reference=outbox_id)
            self.context.session.data.receipt = self.receipt
            self._set_state(SubmitState.QUEUED)
            return
        if paid_by:
            journal.record(self.idempotency_key, "delivered", order_id=paid_by)
        self._finish(receipt)

    def _finish(self, receipt: SubmissionReceipt) -> None:
        self.receipt = receipt
        self.context.session.data.receipt = receipt
        self._set_state(SubmitState.DONE)

    def _topup_phase(self, phase: str) -> None:
        self._set_state(SubmitState["TOPUP_" + phase.upper()])

    def _call(self, request: SubmissionRequest) -> SubmissionReceipt:
        backend = self.context.ports.submissions
        match self.step.action:
            case "certificate":
                certificate = self._await(backend.issue_certificate(request), backend=True)
                self.context.session.data.certificate = certificate
                return SubmissionReceipt(reference=str(certificate.get("number", "")))
            case "application":
                return self._await(backend.submit_application(request), backend=True)
            case "bill_payment":
                return self._await(backend.pay_bill(request), backend=True)
            case "appointment":
                return self._await(backend.book_appointment(request), backend=True)
            case "status_query":
                return self._await(backend.query_applications(request), backend=True)
        raise AssertionError(f"unhandled action {self.step.action}")

    def _request(self) -> SubmissionRequest:
        session = self.context.session
        person = session.person
        if person is None:
            raise UserFacingError("error.not_identified")
        data = session.data
        attachments: list[Attachment] = []
        for purpose, path in data.photos.items():
            kind = "image/png" if path.suffix == ".png" else "image/jpeg"  # a signature: PNG
            attachments.append(Attachment(purpose, 1, CapturedImage(session.read_file(path),
                                                                    kind)))
        for document_id, (material_id, _pages) in data.reused.items():
            attachments.append(Attachment(document_id, 1, CapturedImage(b"", "application/pdf"),
                                          material_id=material_id))
        for document_id, pdf in data.documents.items():  # one PDF per material
            attachments.append(Attachment(
                document_id, 1, CapturedImage(session.read_file(pdf), "application/pdf")))
        for document_id, pages in data.pages.items():
            if document_id in data.documents or document_id in data.reused:
                continue
            for number, path in enumerate(pages, start=1):
                attachments.append(
                    Attachment(document_id, number, CapturedImage(session.read_file(path)))
                )
        return SubmissionRequest(
            idempotency_key=self.idempotency_key,
            action=self.step.action,
            kind=self.step.kind,
            service_id=self.context.service.id,
            person=person,
            language=session.language,
            fields={k: _as_text(v) for k, v in data.fields.items() if v is not None},
            attachments=tuple(attachments),
            payment_order_id=data.payment.order_id if data.payment else None,
        )


def _as_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


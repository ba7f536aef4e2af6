"""Pay: a QR-code payment that is never lost, never doubled, never left open.

* The receipt printer must be ready BEFORE an order exists: a paid service always
  prints a receipt, so a kiosk out of paper never takes money.
* The idempotency key goes to the journal before the first call; the order id follows.
* A creation that got no answer is not repeated blindly: the order is looked up by its
  key first (UNKNOWN until the backend answers).
* On cancel or timeout the order is closed and the closing confirmed by a query; a
  payment that arrived meanwhile is refunded; a close that cannot be confirmed is
  journaled (CLOSE_PENDING) for the journal's resolution after a restart.
* A free service (amount 0) skips the step.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Future
from enum import Enum
from typing import ClassVar

from backend_client.service_definition import PayStep, ServiceDefinition
from kiosk.flow.ports import (
    BackendUnreachableError,
    PaymentOrder,
    PaymentRequest,
    PaymentState,
    ReceiptContent,
)
from kiosk.flow.steps.base import StepContext, StepController
from kiosk.flow.steps.pay_purse import PurseOption
from kiosk.session import CollectedData
from kiosk_base.errors import DeviceError, UserFacingError

log = logging.getLogger(__name__)


class PayState(Enum):
    READY = "ready"
    PRINTER_NOT_READY = "printer_not_ready"
    CREATING = "creating"
    AWAITING = "awaiting"
    #: Created or not? The backend did not answer; retry() asks it before anything else.
    UNKNOWN = "unknown"
    FAILED = "failed"
    CLOSING = "closing"
    #: Closed and confirmed (cancelled, timed out or expired); retry() starts a new order.
    CLOSED = "closed"
    #: Closing could not be confirmed; the journal holds the order for resolution.
    CLOSE_PENDING = "close_pending"
    PAID = "paid"
    FREE = "free"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    REFUND_PENDING = "refund_pending"
    #: Paying from the citizen card's purse (kiosk/flow/steps/pay_purse.py).
    PURSE_PAYING = "purse_paying"
    #: The purse debit's answer was lost (card pulled) or its upload not answered yet:
    #: waits for the card to come back (or retry), never refunded or repeated blindly.
    PURSE_UNRESOLVED = "purse_unresolved"


#: A cancelled pay step still settling: the engine ends once it is not (a purse payment
#: under way finishes first, so no later flow starts a purchase on the same card).
_IN_FLIGHT = (PayState.CREATING, PayState.AWAITING, PayState.CLOSING, PayState.REFUNDING,
              PayState.PURSE_PAYING)


def payment_amount(step: PayStep, data: CollectedData) -> int:
    """The amount in fen: fixed, or from the form field ``amount_from`` names."""
    if step.amount_fen is not None:
        return step.amount_fen
    assert step.amount_from is not None
    picked = data.picked.get(step.amount_from)
    if picked is not None and picked.amount_fen is not None:
        return picked.amount_fen
    value = data.fields.get(step.amount_from)
    if isinstance(value, int):
        return value
    # A choice field's values are strings: the catalog's top-up amounts are "5000"... fen
    # (the catalog validator allows amount_from only on number fields and choices whose
    # values are all whole fen, so this is never a resident's free text).
    if isinstance(value, str) and value.isdecimal() and len(value) <= 9:
        return int(value)
    raise UserFacingError("pay.amount_missing")


def service_amount(service: ServiceDefinition, data: CollectedData) -> int | None:
    """What the service's pay step charges, when known yet."""
    for step in service.steps:
        if isinstance(step, PayStep):
            try:
                return payment_amount(step, data)
            except UserFacingError:
                return None
    return None


class PayController(StepController[PayState]):
    step_type = "pay"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({
        PayState.CREATING,
        PayState.AWAITING,
        PayState.CLOSING,
        PayState.REFUNDING,
        PayState.PURSE_PAYING,
    })

    def __init__(self, context: StepContext, step: PayStep) -> None:
        super().__init__(context, PayState.READY)
        self.step = step
        self.amount_fen = 0
        self.order: PaymentOrder | None = None
        self.idempotency_key: str | None = None
        #: Monotonic time the QR code stops being payable (the countdown's end).
        self.deadline: float | None = None
        #: Whether a refund receipt went to the printer (cancel after paying).
        self.refund_receipt_printed = False
        #: "Pay from card purse" beside the QR code (citizen-card logins).
        self.purse = PurseOption(self)

    @property
    def done(self) -> bool:
        return self.state in (PayState.PAID, PayState.FREE)

    @property
    def committed(self) -> bool:
        return self.state in (
            PayState.PAID,
            PayState.REFUNDING,
            PayState.REFUNDED,
            PayState.REFUND_PENDING,
            PayState.PURSE_UNRESOLVED,  # the card may have paid: no going back
        )

    @property
    def needs_card(self) -> bool:
        return self.state in (PayState.PURSE_PAYING, PayState.PURSE_UNRESOLVED)

    def pay_from_purse(self) -> None:
        """The resident chose the card's purse instead of the QR code."""
        self.purse.start_purchase()

    @property
    def settling(self) -> bool:
        """Cancelled, and still closing or refunding what was started."""
        return self._cancelled.is_set() and self.state in _IN_FLIGHT

    @property
    def seconds_left(self) -> int | None:
        """The countdown while the QR code is shown (whole seconds), else None."""
        if self.deadline is None or self.state is not PayState.AWAITING:
            return None
        return max(0, int(self.deadline - self.context.clock.monotonic() + 0.999))

    @property
    def payee(self) -> str:
        return self.order.payee if self.order else ""

    @property
    def qr_url(self) -> str:
        return self.order.qr_url if self.order and self.state is PayState.AWAITING else ""

    def start(self) -> None:
        if self.state in (PayState.PAID, PayState.AWAITING, PayState.CREATING,
                          PayState.PURSE_PAYING, PayState.PURSE_UNRESOLVED):
            return
        self._cancelled.clear()
        try:
            self.amount_fen = payment_amount(self.step, self.context.session.data)
        except UserFacingError as exc:
            self._set_state(PayState.FAILED, error=exc)
            return
        if self.amount_fen == 0:
            self._set_state(PayState.FREE)
            return
        self._begin()

    def retry(self) -> None:
        if self.state is PayState.PURSE_UNRESOLVED:
            self.purse.resume()
        elif self.state is PayState.UNKNOWN:
            self._run(self._resolve_unknown, PayState.UNKNOWN)
        elif self.state in (PayState.PRINTER_NOT_READY, PayState.FAILED, PayState.CLOSED):
            self._cancelled.clear()
            self.order = None
            self.idempotency_key = None
            self._begin()

    def cancel(self) -> None:
        """Leave: an open order is closed (jobs in flight see the flag and close it)."""
        super().cancel()
        self.purse.release()
        if self.state is PayState.UNKNOWN:
            self._set_state(PayState.CLOSING)
            self._run(self._resolve_unknown, PayState.CLOSE_PENDING)

    def refund(self, reason: str) -> None:
        """Give the money back: the service it paid for could not be delivered."""
        if self.state is not PayState.PAID or self.order is None:
            return
        order = self.order
        self._set_state(PayState.REFUNDING)

        def job() -> None:
            journal = self.context.ports.journal
            key = self.idempotency_key or order.order_id
            journal.record(key, "refund_requested", order_id=order.order_id)
            try:
                refunded = self._await(
                    self.context.ports.payments.refund_payment(order.order_id, reason),
                    backend=True,
                )
            except UserFacingError as exc:
                journal.record(key, "refund_pending", order_id=order.order_id)
                self._print_refund_receipt(order, done=False)
                self._set_state(PayState.REFUND_PENDING, error=exc)
                return
            journal.record(key, "refunded", order_id=refunded.order_id)
            self._print_refund_receipt(order, done=True)
            self._set_state(PayState.REFUNDED)

        self._run(job, PayState.REFUND_PENDING)

    # -- the order's life ----------------------------------------------------------

    def _begin(self) -> None:
        printer = self.context.ports.receipt_printer
        if printer is None or not printer.ready():
            self._set_state(
                PayState.PRINTER_NOT_READY, error=UserFacingError("pay.printer_not_ready")
            )
            return
        self.idempotency_key = uuid.uuid4().hex
        self._set_state(PayState.CREATING)
        self._run(self._create, PayState.FAILED)

    def _create(self) -> None:
        key = self.idempotency_key
        assert key is not None
        service = self.context.service
        printer = self.context.ports.receipt_printer
        try:  # asked now: paper may have run out since the last status poll
            if printer is not None and self.order is None:
                self._await(printer.check_ready())
        except DeviceError as exc:
            log.info("pay: the receipt printer cannot print (%s); no order", exc)
            self._set_state(PayState.PRINTER_NOT_READY,
                            error=UserFacingError("pay.printer_not_ready", cause=exc))
            return
        self.context.ports.journal.record(
            key, "intent", service_id=service.id, amount_fen=self.amount_fen
        )
        picked = (self.context.session.data.picked.get(self.step.amount_from)
                  if self.step.amount_from else None)
        request = PaymentRequest(
            idempotency_key=key,
            service_id=service.id,
            amount_fen=self.amount_fen,
            description=self.step.description.get(self.context.session.language),
            # What the amount pays for (a bill's id), so the platform can check it.
            pays_for=picked.value if picked is not None and picked.amount_fen else None,
        )
        try:
            order = self._await(self.context.ports.payments.create_payment(request), backend=True)
        except BackendUnreachableError as exc:
            log.warning("pay: no answer creating the order; its state is unknown")
            self._set_state(PayState.UNKNOWN, error=UserFacingError("pay.state_unknown", cause=exc))
            return
        self._have_order(order)

    def _resolve_unknown(self) -> None:
        """Ask the backend for the order created with our key before doing anything else."""
        key = self.idempotency_key
        assert key is not None
        try:
            found = self._await(self.context.ports.payments.find_payment(key), backend=True)
        except BackendUnreachableError as exc:
            if self._cancelled.is_set():
                self.context.ports.journal.record(key, "abandoned_unknown")
                self._set_state(PayState.CLOSE_PENDING, error=UserFacingError("pay.close_pending"))
            else:
                self._set_state(PayState.UNKNOWN, error=UserFacingError("pay.state_unknown",
                                                                         cause=exc))
            return
        if found is None:
            if self._cancelled.is_set():
                self.context.ports.journal.record(key, "not_created")
                self._set_state(PayState.CLOSED)
            else:  # the backend never got it: creating again with the same key is safe
                self._set_state(PayState.CREATING)
                self._create()
            return
        self._have_order(found)

    def _have_order(self, order: PaymentOrder) -> None:
        key = self.idempotency_key
        assert key is not None
        self.order = order
        self.context.ports.journal.record(key, "order", order_id=order.order_id)
        if order.state is PaymentState.PAID:
            self._paid(order)
            return
        if self._cancelled.is_set():
            self._close(order, None)
            return
        # Committed before the QR code is on screen: from now on a phone can pay it.
        self.context.ports.journal.record(key, "shown", order_id=order.order_id)
        deadline = self.context.clock.monotonic() + self.context.settings.payment_s
        self.deadline = deadline
        self._set_state(PayState.AWAITING)
        self._poll_later(order, deadline)
        self.purse.check()

    def _poll_later(self, order: PaymentOrder, deadline: float) -> None:
        self._poll_gen = gen = getattr(self, "_poll_gen", 0) + 1

        def poll() -> None:
            clock = self.context.clock
            cancelled = clock.wait(self.context.settings.poll_interval_s, self._cancelled)
            if self.state is not PayState.AWAITING or gen != self._poll_gen:
                return  # the purse took over: it closes the QR order itself
            if cancelled:
                self._close(order, None)
                return
            try:
                now = self._await(
                    self.context.ports.payments.query_payment(order.order_id), backend=True
                )
            except BackendUnreachableError:
                now = order  # a lost poll is not a lost payment: ask again
            if self.state is not PayState.AWAITING:
                return
            if now.state is PaymentState.PAID:
                self._paid(now)
            elif now.state in (PaymentState.CLOSED, PaymentState.EXPIRED):
                self._closed(now, "pay.expired")
            elif self._cancelled.is_set():
                self._close(order, None)
            elif clock.monotonic() >= deadline:
                self._close(order, "pay.timeout")
            else:
                self._poll_later(order, deadline)

        self._run(poll, PayState.AWAITING)

    def _close(self, order: PaymentOrder, reason_key: str | None) -> None:
        key = self.idempotency_key or order.order_id
        journal = self.context.ports.journal
        payments = self.context.ports.payments
        self._set_state(PayState.CLOSING)
        journal.record(key, "closing", order_id=order.order_id)
        try:
            closed = self._await(payments.close_payment(order.order_id), backend=True)
            if closed.state is not PaymentState.PAID:
                closed = self._await(payments.query_payment(order.order_id), backend=True)
        except UserFacingError as exc:
            log.warning("pay: closing the order was not confirmed; journaled")
            journal.record(key, "close_pending", order_id=order.order_id)
            self._set_state(
                PayState.CLOSE_PENDING, error=UserFacingError("pay.close_pending", cause=exc)
            )
            return
        if closed.state is PaymentState.PAID:
            # Paid just before the close: the resident left, so the money goes back.
            self._paid(closed)
            if self._cancelled.is_set():
                self.refund("cancelled")
            return
        self._closed(closed, reason_key)

    def _closed(self, order: PaymentOrder, reason_key: str | None) -> None:
        self.context.ports.journal.record(
            self.idempotency_key or order.order_id, "closed", order_id=order.order_id
        )
        self.order = order
        error = UserFacingError(reason_key) if reason_key else None
        self._set_state(PayState.CLOSED, error=error)

    def _paid(self, order: PaymentOrder) -> None:
        self.order = order
        self.context.ports.journal.record(
            self.idempotency_key or order.order_id, "paid", order_id=order.order_id
        )
        self.context.session.data.payment = order
        self._set_state(PayState.PAID)

    def _print_refund_receipt(self, order: PaymentOrder, *, done: bool) -> None:
        """The resident paid and is getting the money back: a receipt says so."""
        printer = self.context.ports.receipt_printer
        if printer is None:
            return
        lang = self.context.session.language
        words = _REFUND_WORDS["en" if lang == "en" else "zh"]
        content = ReceiptContent(
            service_title=f"{self.context.service.title.get(lang)} · {words[0]}"[:40],
            language=lang,
            lines=((words[1], f"¥{order.amount_fen // 100}.{order.amount_fen % 100:02d}"),
                   (words[2], words[3] if done else words[4])),
            order_id=order.order_id)
        future = printer.print_receipt(content, lambda _f: None)
        self.refund_receipt_printed = True


        def printed(f: Future[None]) -> None:
            if f.exception() is not None:  # it stays queued in the journal; printed later
                log.warning("pay: refund receipt not printed: %s", type(f.exception()).__name__)
            elif done:
                self.context.ports.journal.record(self.idempotency_key or order.order_id,
                                                  "refund_receipt_printed",
                                                  order_id=order.order_id)

        future.add_done_callback(printed)


_REFUND_WORDS = {
    "zh": ("退款凭条", "退款金额", "状态", "已全额退款", "退款处理中，将原路退回"),
    "en": ("Refund receipt", "Refunded", "Status", "fully refunded",
           "refund in progress, back to your account"),
}

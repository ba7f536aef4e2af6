"""The pay step's second way to pay: "电子钱包支付 / Pay from card purse" beside the QR
code, for a resident logged in with a citizen card whose purse holds enough, when the
catalog's pay step allows it (``methods: [qr, card_purse]``) and the PSAM answers.

The purchase itself is :class:`~kiosk.flow.steps.purchase.CardPurchase`; this is what
the pay screen sees of it: the offer (balance, or why not), the purchase's states, and
the resume on the card's reinsert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from kiosk.flow.ports import BackendUnreachableError, PaymentOrder, PaymentState
from kiosk.flow.purse_ports import PurseOffer
from kiosk.flow.steps.purchase import CardPurchase, PurchaseOutcome, PurchaseUnresolved
from kiosk_base.errors import DeviceError, UserFacingError

if TYPE_CHECKING:
    from kiosk.flow.steps.pay import PayController

log = logging.getLogger(__name__)


class PurseOption:
    def __init__(self, pay: PayController) -> None:
        self.pay = pay
        #: The card's purse when it can pay (balance shown), else None.
        self.offer: PurseOffer | None = None
        #: Why the purse cannot pay now (a message key), "" when it can or is not offered.
        self.reason = ""
        self.reason_params: dict[str, str] = {}
        self.checking = False
        self.outcome: PurchaseOutcome | None = None
        self._runner: CardPurchase | None = None
        self._unsubscribe: Callable[[], None] | None = None

    @property
    def eligible(self) -> bool:
        """The catalog allows it, the resident logged in with a citizen card, and the
        kiosk has a purse reader."""
        ctx = self.pay.context
        person = ctx.session.person
        return ("card_purse" in self.pay.step.methods and ctx.ports.card_purse is not None
                and ctx.ports.purchases is not None and person is not None
                and person.source == "citizen_card")

    @property
    def available(self) -> bool:
        return self.offer is not None and not self.reason

    def check(self) -> None:
        """Read the balance and the PSAM (once the QR code is up), for the offer."""
        if not self.eligible or self.checking:
            return
        self.checking = True
        card = self.pay.context.ports.card_purse
        assert card is not None

        def job() -> None:
            try:
                offer = self.pay._await(card.purse_offer())
            except (UserFacingError, DeviceError) as exc:
                key = getattr(exc, "message_key", "purse.card_unreadable")
                self._set_reason(key if key.startswith("purse.") else "purse.card_unreadable")
                return
            finally:
                self.checking = False
            self.offer = offer
            if offer.balance_fen < self.pay.amount_fen:
                self._set_reason("purse.insufficient_balance", balance=_yuan(offer.balance_fen))
            else:
                self._set_reason("")

        self.pay.context.executor.submit(job)

    def _set_reason(self, key: str, **params: str) -> None:
        self.reason = key
        self.reason_params = params
        if key:
            log.info("pay: the purse cannot pay (%s)", key)
        self.pay._notify()

    # -- paying -----------------------------------------------------------------------

    def start_purchase(self) -> None:
        from kiosk.flow.steps.pay import PayState

        pay = self.pay
        order = pay.order
        if pay.state is not PayState.AWAITING or order is None or not self.available:
            return
        if self._runner is None:
            self._runner = CardPurchase(pay.context.ports, pay._await)
        pay._set_state(PayState.PURSE_PAYING)
        pay._run(lambda: self._purchase(order), PayState.FAILED)

    def _purchase(self, order: PaymentOrder) -> None:
        from kiosk.flow.steps.pay import PayState

        pay, runner = self.pay, self._runner
        assert runner is not None
        closed = False

        def close_order() -> bool:
            nonlocal closed
            key = pay.idempotency_key or order.order_id
            payments, journal = pay.context.ports.payments, pay.context.ports.journal
            journal.record(key, "closing", order_id=order.order_id)
            now = pay._await(payments.close_payment(order.order_id), backend=True)
            if now.state is not PaymentState.PAID:
                now = pay._await(payments.query_payment(order.order_id), backend=True)
            if now.state is PaymentState.PAID:
                log.info("pay: the QR code was paid first; no purse debit")
                pay._paid(now)
                return False
            journal.record(key, "closed", order_id=order.order_id)
            closed = True
            return True

        try:
            outcome = runner.run(order.order_id, pay.amount_fen, datetime.now(), close_order)
        except UserFacingError as exc:
            self._failed(order, exc, order_closed=closed)
            return
        except DeviceError as exc:
            self._failed(order, exc.user_facing(), order_closed=closed)
            return
        if outcome is not None:
            self._paid(order, outcome)
        elif pay.state is not PayState.PAID:
            pay._set_state(PayState.FAILED, error=UserFacingError("purse.not_charged"))

    def resume(self) -> None:
        """Settle a purchase in doubt (the card is back, or retry after an upload)."""
        from kiosk.flow.steps.pay import PayState

        pay, runner, order = self.pay, self._runner, self.pay.order
        if pay.state is not PayState.PURSE_UNRESOLVED or runner is None or order is None:
            return
        pay._set_state(PayState.PURSE_PAYING)

        def job() -> None:
            try:
                outcome = runner.resume()
            except (UserFacingError, DeviceError) as exc:
                self._failed(order, exc if isinstance(exc, UserFacingError)
                             else exc.user_facing(), order_closed=True)
                return
            if outcome is None:  # the card never debited: nothing charged, say so
                self._stop_listening()
                pay._set_state(PayState.CLOSED, error=UserFacingError("purse.not_charged"))
            else:
                self._paid(order, outcome)

        pay._run(job, PayState.PURSE_UNRESOLVED)

    def _paid(self, order: PaymentOrder, outcome: PurchaseOutcome) -> None:
        self._stop_listening()
        self.outcome = outcome
        lang = self.pay.context.session.language
        log.info("pay: paid from the card purse")
        self.pay._paid(PaymentOrder(order.order_id, PaymentState.PAID, order.amount_fen,
                                    payee=order.payee, paid_with=outcome.lines(lang)))
        if self.pay._cancelled.is_set():  # the resident left meanwhile: money goes back
            self.pay.refund("cancelled")

    def _failed(self, order: PaymentOrder, exc: UserFacingError, *, order_closed: bool) -> None:
        from kiosk.flow.steps.pay import PayState

        pay, runner = self.pay, self._runner
        if pay.state is PayState.PAID:
            return
        if runner is not None and runner.pending is not None:
            # The card may have paid (or has, and the backend did not answer yet).
            if isinstance(exc, BackendUnreachableError):
                exc = UserFacingError("purse.upload_pending", cause=exc)
            elif not isinstance(exc, PurchaseUnresolved):
                exc = UserFacingError("purse.card_pulled", cause=exc)
            pay._set_state(PayState.PURSE_UNRESOLVED, error=exc)
            self._listen()
            return
        if order_closed:  # nothing charged; the QR order is gone: try again starts anew
            pay._set_state(PayState.CLOSED, error=exc)
            return
        if exc.message_key in ("purse.insufficient", "purse.psam_unavailable"):
            self._set_reason(exc.message_key)
        pay._set_state(PayState.AWAITING, error=exc)  # the QR code is still payable
        if pay.deadline is not None:
            pay._poll_later(order, pay.deadline)

    def _listen(self) -> None:
        card = self.pay.context.ports.citizen_card
        if card is None or self._unsubscribe is not None:
            return

        def on_presence(present: bool) -> None:
            if present:
                self.resume()

        self._unsubscribe = card.subscribe_presence(on_presence)

    def _stop_listening(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def release(self) -> None:
        """The step is left: a purchase in doubt goes to the purse recovery."""
        self._stop_listening()
        if self._runner is not None:
            self._runner.release()


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"

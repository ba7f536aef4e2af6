from __future__ import annotations

import pytest

from backend_client.service_definition import PayStep
from kiosk.flow.ports import Option, PaymentState
from kiosk.flow.steps.pay import PayController, PayState

from .services import BILL_PAYMENT, ELDERLY_CARD, IDENTIFY, service

FEE = ELDERLY_CARD.steps[6]
assert isinstance(FEE, PayStep)


@pytest.fixture
def pay(make_context, session) -> PayController:  # type: ignore[no-untyped-def]
    from .fakes import ZHANG_WEI

    session.identify(ZHANG_WEI)
    return PayController(make_context(ELDERLY_CARD), FEE)


def test_happy_path_journal_first_then_paid(pay, kiosk, executor, session) -> None:
    pay.start()
    assert pay.state is PayState.CREATING
    assert kiosk.backend.calls == []  # nothing on the caller's thread
    executor.run_one()
    assert pay.state is PayState.AWAITING and pay.qr_url.startswith("https://pay/")
    executor.run_all()
    assert pay.state is PayState.PAID and pay.done and pay.committed
    events = kiosk.journal.events()
    assert events == ["intent", "order", "shown", "paid"]
    key = kiosk.journal.entries[0][0]
    assert kiosk.backend.orders[key].state is PaymentState.PAID  # the key the journal holds
    assert session.data.payment is not None and session.data.payment.amount_fen == 1000


def test_printer_not_ready_means_no_order(pay, kiosk, executor) -> None:
    kiosk.receipt_printer.is_ready = False
    pay.start()
    executor.run_all()
    assert pay.state is PayState.PRINTER_NOT_READY
    assert pay.error is not None and pay.error.message_key == "pay.printer_not_ready"
    assert kiosk.backend.orders == {} and kiosk.journal.entries == []
    kiosk.receipt_printer.is_ready = True
    pay.retry()
    executor.run_all()
    assert pay.state is PayState.PAID


def test_paper_out_since_the_last_status_poll_means_no_order(pay, kiosk, executor) -> None:
    """The last poll said ready, the printer says otherwise when asked: no order."""
    printer = kiosk.receipt_printer
    printer.ready = lambda: True  # the cached status has not seen it yet
    printer.is_ready = False  # what the printer answers when asked now
    pay.start()
    executor.run_all()
    assert pay.state is PayState.PRINTER_NOT_READY
    assert kiosk.backend.orders == {} and kiosk.journal.entries == []


def test_timeout_closes_the_order_and_confirms_it(pay, kiosk, executor, settings) -> None:
    kiosk.backend.paid_after_polls = None
    pay.start()
    executor.run_all()
    assert pay.state is PayState.CLOSED
    assert pay.error is not None and pay.error.message_key == "pay.timeout"
    order = next(iter(kiosk.backend.orders.values()))
    assert order.state is PaymentState.CLOSED
    assert kiosk.backend.calls[-2:] == ["close_payment", "query_payment"]
    assert kiosk.journal.events()[-2:] == ["closing", "closed"]
    assert kiosk.backend.calls.count("query_payment") == settings.payment_s / 2 + 1


def test_cancel_while_awaiting_closes_the_order(pay, kiosk, executor) -> None:
    kiosk.backend.paid_after_polls = None
    pay.start()
    executor.run_one()
    assert pay.state is PayState.AWAITING
    pay.cancel()
    assert pay.settling
    executor.run_all()
    assert pay.state is PayState.CLOSED and not pay.settling
    assert next(iter(kiosk.backend.orders.values())).state is PaymentState.CLOSED


def test_cancel_during_creation_closes_what_was_created(pay, kiosk, executor) -> None:
    pay.start()
    pay.cancel()
    executor.run_all()
    assert pay.state is PayState.CLOSED
    assert [o.state for o in kiosk.backend.orders.values()] == [PaymentState.CLOSED]


def test_paid_just_before_close_is_refunded(pay, kiosk, executor) -> None:
    kiosk.backend.paid_after_polls = None
    pay.start()
    executor.run_one()
    kiosk.backend.pay(pay.order.order_id)  # the phone pays as the resident walks away
    pay.cancel()
    executor.run_all()
    assert pay.state is PayState.REFUNDED
    assert "refunded" in kiosk.journal.events()


def test_close_without_answer_is_journaled_not_forgotten(pay, kiosk, executor) -> None:
    kiosk.backend.paid_after_polls = None
    pay.start()
    executor.run_one()
    kiosk.backend.down.add("close_payment")
    pay.cancel()
    executor.run_all()
    assert pay.state is PayState.CLOSE_PENDING
    assert kiosk.journal.events()[-1] == "close_pending"


def test_lost_answer_is_queried_not_repeated(pay, kiosk, executor) -> None:
    kiosk.backend.lose_answer.add("create_payment")
    pay.start()
    executor.run_all()
    assert pay.state is PayState.UNKNOWN
    assert pay.error is not None and pay.error.message_key == "pay.state_unknown"
    kiosk.backend.down.add("find_payment")
    pay.retry()
    executor.run_all()
    assert pay.state is PayState.UNKNOWN
    kiosk.backend.down.clear()
    pay.retry()
    executor.run_all()
    assert pay.state is PayState.PAID
    assert kiosk.backend.calls.count("create_payment") == 1
    assert kiosk.backend.calls.count("find_payment") == 2
    assert len(kiosk.backend.orders) == 1


def test_no_answer_and_no_order_creates_again_with_the_same_key(pay, kiosk, executor) -> None:
    kiosk.backend.down.add("create_payment")
    pay.start()
    executor.run_all()
    assert pay.state is PayState.UNKNOWN
    kiosk.backend.down.clear()
    pay.retry()
    executor.run_all()
    assert pay.state is PayState.PAID
    keys = {key for key, event, _ in kiosk.journal.entries}
    assert len(keys) == 1


def test_cancel_in_unknown_state_resolves_first(pay, kiosk, executor) -> None:
    kiosk.backend.lose_answer.add("create_payment")
    kiosk.backend.paid_after_polls = None
    pay.start()
    executor.run_all()
    pay.cancel()
    executor.run_all()
    assert pay.state is PayState.CLOSED
    assert [o.state for o in kiosk.backend.orders.values()] == [PaymentState.CLOSED]


def test_free_service_skips(make_context, kiosk, executor) -> None:
    free = service("free", [IDENTIFY, {"type": "pay", "amount_fen": 0,
                                       "description": {"zh": "免费", "en": "Free"}}])
    step = free.steps[1]
    assert isinstance(step, PayStep)
    pay = PayController(make_context(free), step)
    pay.start()
    assert pay.state is PayState.FREE and pay.done and not pay.committed
    assert executor.jobs == [] and kiosk.journal.entries == []


def test_amount_from_a_picked_bill(make_context, session, kiosk, executor) -> None:
    step = BILL_PAYMENT.steps[3]
    assert isinstance(step, PayStep)
    session.data.fields["bill"] = "B7"
    session.data.picked["bill"] = Option("B7", "Water 2026-10", amount_fen=4321)
    pay = PayController(make_context(BILL_PAYMENT), step)
    pay.start()
    executor.run_all()
    assert pay.state is PayState.PAID and pay.order.amount_fen == 4321


def test_refund_after_payment(pay, kiosk, executor) -> None:
    pay.start()
    executor.run_all()
    pay.refund("service failed")
    executor.run_all()
    assert pay.state is PayState.REFUNDED and pay.committed
    kiosk.backend.down.add("refund_payment")


def test_refund_prints_a_refund_receipt_and_the_countdown_runs(
    pay, kiosk, executor, clock
) -> None:  # type: ignore[no-untyped-def]
    kiosk.backend.paid_after_polls = None
    pay.start()
    executor.run_one()
    assert pay.state is PayState.AWAITING
    left = pay.seconds_left
    assert left is not None and left > 0
    clock.advance(5)
    assert pay.seconds_left == left - 5
    kiosk.backend.paid_after_polls = 0
    executor.run_all()
    assert pay.state is PayState.PAID and pay.seconds_left is None
    pay.refund("cancelled")
    executor.run_all()
    assert pay.state is PayState.REFUNDED and pay.refund_receipt_printed
    receipt = kiosk.receipt_printer.printed[-1]
    assert "退款凭条" in receipt.service_title and receipt.amount_fen == 0
    assert receipt.lines[-1] == ("状态", "已全额退款")
    assert kiosk.journal.events()[-1] == "refund_receipt_printed"

"""The engine over a long service: happy path, back and cancel at every step, no return."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.flow.engine import FlowChange, FlowEngine, FlowState
from kiosk.flow.ports import PaymentState
from kiosk.flow.steps.capture_photo import CapturePhotoController
from kiosk.flow.steps.form import FormController
from kiosk.flow.steps.pay import PayState
from kiosk.flow.steps.review import ReviewController
from kiosk.flow.steps.scan_documents import ScanDocumentsController
from kiosk.flow.steps.verify_face import VerifyFaceController

from .backend_fakes import Kiosk
from .fakes import WANG_FANG_CARD, ZHANG_WEI, ManualExecutor
from .services import CERTIFICATE, ELDERLY_CARD, TOPUP


def act(engine: FlowEngine, kiosk: Kiosk, executor: ManualExecutor) -> None:
    """Do what a resident does on the current step, then let the work run."""
    controller: Any = engine.controller
    match engine.step.type:
        case "identify":
            kiosk.id_reader.insert(ZHANG_WEI)
        case "verify_face":
            assert isinstance(controller, VerifyFaceController)
            controller.capture()
            kiosk.face_camera.perform(controller.challenge)
        case "form":
            assert isinstance(controller, FormController)
            controller.set_value("delivery", "post")
            executor.run_all()
            assert controller.submit(), controller.field_errors
        case "capture_photo":
            assert isinstance(controller, CapturePhotoController)
            controller.capture()
            executor.run_all()
            controller.accept()
        case "scan_documents":
            assert isinstance(controller, ScanDocumentsController)
            controller.capture_page("hukou")
            executor.run_all()
            assert controller.finish()
        case "review":
            assert isinstance(controller, ReviewController)
            controller.confirm()
    executor.run_all()


def run_to(engine: FlowEngine, kiosk: Kiosk, executor: ManualExecutor, index: int) -> None:
    engine.start()
    executor.run_all()
    while engine.step_index < index:
        before = engine.step_index
        act(engine, kiosk, executor)
        assert engine.step_index > before or engine.state is FlowState.COMPLETED, engine.step


def test_full_service_happy_path(make_engine, kiosk, executor, session) -> None:
    engine = make_engine(ELDERLY_CARD)
    changes: list[FlowChange] = []
    engine.subscribe(changes.append)
    run_to(engine, kiosk, executor, len(ELDERLY_CARD.steps) - 1)
    executor.run_all()
    assert engine.state is FlowState.COMPLETED
    assert [c.step_type for c in changes if c.state is FlowState.RUNNING][-1] == "print_receipt"
    (submitted,) = kiosk.backend.submissions
    assert submitted.fields["name"] == "张伟" and submitted.fields["delivery"] == "post"
    assert submitted.payment_order_id is not None
    assert [a.document_id for a in submitted.attachments] == ["elderly_card_photo", "hukou"]
    (receipt,) = kiosk.receipt_printer.printed
    assert receipt.amount_fen == 1000 and receipt.reference == "SUBMIT_APPLICATION-1"
    assert not engine.documents_not_printed


def hold_at(kiosk: Kiosk, index: int) -> None:
    """Make the step at ``index`` wait (or fail) so the resident can cancel there."""
    if index == 6:
        kiosk.backend.paid_after_polls = None  # the phone never pays
    elif index == 7:
        kiosk.backend.down.add("submit_application")
        kiosk.outbox.enqueue = _refuse  # type: ignore[method-assign]
    elif index == 8:
        from kiosk_base.errors import MediaError

        kiosk.receipt_printer.fail_next = MediaError("paper out", code="DLE_EOT_PAPER_OUT")


@pytest.mark.parametrize(
    "index",
    [
        *range(len(ELDERLY_CARD.steps) - 2),
        pytest.param(7, marks=pytest.mark.expected_errors),
        len(ELDERLY_CARD.steps) - 1,
    ],
)
def test_cancel_at_every_step(make_engine, kiosk, executor, index: int) -> None:
    hold_at(kiosk, index)
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, index)
    assert engine.step_index == index and engine.state is FlowState.RUNNING
    engine.cancel()
    executor.run_all()
    assert engine.state is FlowState.CANCELLED
    # no order is left open, and money is kept only for a service delivered
    states = [o.state for o in kiosk.backend.orders.values()]
    assert PaymentState.PENDING not in states
    if index < 6:
        assert states == []
    elif index == 6:
        assert states == [PaymentState.CLOSED]
    elif index == 7:
        assert states == [PaymentState.REFUNDED]
    else:
        assert states == [PaymentState.PAID] and len(kiosk.backend.submissions) == 1


@pytest.mark.parametrize("index", range(len(ELDERLY_CARD.steps) - 2))
def test_back_at_every_step_before_payment(make_engine, kiosk, executor, index: int) -> None:
    hold_at(kiosk, index)
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, index)
    assert engine.can_go_back
    assert engine.back()
    executor.run_all()
    if index <= 1:
        # back from identify, or to an identify step already done, leaves the service
        assert engine.state is FlowState.CANCELLED
    else:
        assert engine.state is FlowState.RUNNING and engine.step_index == index - 1
    # going back from the pay step closed its order; nothing was charged
    assert all(o.state is PaymentState.CLOSED for o in kiosk.backend.orders.values())


def test_back_keeps_what_was_typed(make_engine, kiosk, executor) -> None:
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, 3)
    engine.back()
    form = engine.controller
    assert isinstance(form, FormController)
    assert form.raw["delivery"] == "post" and form.raw["name"] == "张伟"


def test_cancel_while_payment_open_waits_for_the_close(make_engine, kiosk, executor) -> None:
    kiosk.backend.paid_after_polls = None
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, 5)
    review: Any = engine.controller
    review.confirm()
    executor.run_one()  # order created, QR shown; the first poll is queued
    assert engine.controller.state is PayState.AWAITING
    engine.cancel()
    assert engine.state is FlowState.CANCELLING
    executor.run_all()
    assert engine.state is FlowState.CANCELLED
    assert [o.state for o in kiosk.backend.orders.values()] == [PaymentState.CLOSED]


@pytest.mark.expected_errors  # the outbox's disk failure is logged as unexpected
def test_no_back_past_payment_and_refund_when_service_not_delivered(
    make_engine, kiosk, executor
) -> None:
    kiosk.backend.down.add("submit_application")
    kiosk.outbox.enqueue = _refuse  # type: ignore[method-assign]
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, 7)
    assert engine.step.type == "submit"
    assert not engine.can_go_back and not engine.back()
    engine.cancel()
    executor.run_all()
    assert engine.state is FlowState.CANCELLED
    assert [o.state for o in kiosk.backend.orders.values()] == [PaymentState.REFUNDED]


def _refuse(request: object) -> str:
    raise OSError("outbox disk full")


def test_unreachable_application_goes_to_the_outbox(make_engine, kiosk, executor) -> None:
    kiosk.backend.down.add("submit_application")
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, len(ELDERLY_CARD.steps) - 1)
    executor.run_all()
    assert engine.state is FlowState.COMPLETED
    assert len(kiosk.outbox.queued) == 1
    assert kiosk.receipt_printer.printed[0].reference == "OUTBOX-1"


def test_certificate_print_failure_is_not_success(make_engine, kiosk, executor) -> None:
    from kiosk_base.errors import MediaError

    kiosk.a4_printer.fail_next = MediaError("paper out", code="CUPS_media-empty")
    engine = make_engine(CERTIFICATE)
    run_to(engine, kiosk, executor, 2)
    controller: Any = engine.controller
    assert engine.state is FlowState.RUNNING and controller.error is not None
    controller.give_up()
    assert engine.state is FlowState.COMPLETED and engine.documents_not_printed


def test_topup_card_removed_before_loading_ends_the_flow(make_engine, kiosk, executor) -> None:
    engine = make_engine(TOPUP)
    engine.start()
    kiosk.citizen_card.insert(WANG_FANG_CARD)
    executor.run_all()
    assert engine.step.type == "form" and engine.needs_card
    kiosk.citizen_card.remove()
    executor.run_all()
    assert engine.state is FlowState.CARD_REMOVED


def test_topup_full_flow_loads_the_purse(make_engine, kiosk, executor, session) -> None:
    engine = make_engine(TOPUP)
    engine.start()
    kiosk.citizen_card.insert(WANG_FANG_CARD)
    executor.run_all()
    form: Any = engine.controller
    form.set_value("amount_fen", "2000")
    form.submit()
    executor.run_all()
    assert engine.state is FlowState.COMPLETED
    assert kiosk.citizen_card.balance_fen == 7000
    assert list(kiosk.backend.confirmed_topups.values()) == [b"TAC!"]
    assert not engine.needs_card
    kiosk.citizen_card.remove()  # after the load the card may go
    assert engine.state is FlowState.COMPLETED
    assert kiosk.receipt_printer.printed[0].lines[-1] == ("卡内余额", "¥70.00")


def test_topup_card_pulled_at_credit_refunds(make_engine, kiosk, executor) -> None:
    engine = make_engine(TOPUP)
    engine.start()
    kiosk.citizen_card.insert(WANG_FANG_CARD)
    executor.run_all()
    form: Any = engine.controller
    form.set_value("amount_fen", "2000")
    kiosk.citizen_card.pull_out_at_credit = True
    form.submit()
    executor.run_all()
    submit: Any = engine.controller
    # CREDIT FOR LOAD went out: only the card can say whether it holds the money
    assert submit.error is not None and submit.error.message_key == "topup.card_unsure"
    assert kiosk.citizen_card.balance_fen == 5000
    kiosk.citizen_card.remove()
    executor.run_all()
    assert engine.state is FlowState.CARD_REMOVED
    # the failed credit is journaled as started: the card's record (on its next insert),
    # not a blind refund, resolves it
    assert "topup_crediting" in kiosk.journal.events()


def test_back_from_an_open_payment_closes_the_order(make_engine, kiosk, executor) -> None:
    kiosk.backend.paid_after_polls = None
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, 5)
    review: Any = engine.controller
    review.confirm()
    executor.run_one()
    assert engine.controller.state is PayState.AWAITING and engine.can_go_back
    assert engine.back()
    executor.run_all()
    assert engine.step.type == "review" and engine.state is FlowState.RUNNING
    assert [o.state for o in kiosk.backend.orders.values()] == [PaymentState.CLOSED]

"""A top-up whose CREDIT FOR LOAD answer was lost is settled from the card's own record
when the card comes back: confirmed if credited, loaded anew if not; never refunded
blindly, never loaded twice."""

from __future__ import annotations

from typing import Any

from kiosk.flow.engine import FlowEngine, FlowState
from kiosk.flow.steps.submit import SubmitState

from .backend_fakes import Kiosk
from .fakes import WANG_FANG_CARD, ManualExecutor
from .services import TOPUP


def _to_credit(make_engine: Any, kiosk: Kiosk, executor: ManualExecutor) -> FlowEngine:
    engine: FlowEngine = make_engine(TOPUP)
    engine.start()
    kiosk.citizen_card.insert(WANG_FANG_CARD)
    executor.run_all()
    form: Any = engine.controller
    form.set_value("amount_fen", "2000")
    form.submit()
    executor.run_all()
    return engine


def test_credited_but_answer_lost_is_confirmed_on_reinsert(
        make_engine: Any, kiosk: Kiosk, executor: ManualExecutor) -> None:
    kiosk.citizen_card.lose_credit_answer = True
    engine = _to_credit(make_engine, kiosk, executor)
    submit: Any = engine.controller
    assert submit.state is SubmitState.TOPUP_UNRESOLVED
    assert kiosk.citizen_card.balance_fen == 7000  # the card has it, the kiosk did not hear
    kiosk.citizen_card.card_present = True  # the resident puts it back
    submit.retry()
    executor.run_all()
    assert engine.state is FlowState.COMPLETED
    assert kiosk.citizen_card.balance_fen == 7000  # loaded once, not twice
    assert list(kiosk.backend.confirmed_topups.values()) == [b"TAC!"]
    assert kiosk.backend.cancelled_topups == []


def test_never_credited_is_voided_and_loaded_anew_on_reinsert(
        make_engine: Any, kiosk: Kiosk, executor: ManualExecutor) -> None:
    kiosk.citizen_card.pull_out_at_credit = True
    engine = _to_credit(make_engine, kiosk, executor)
    submit: Any = engine.controller
    assert submit.state is SubmitState.TOPUP_UNRESOLVED
    assert kiosk.citizen_card.balance_fen == 5000
    kiosk.citizen_card.card_present = True
    submit.retry()
    executor.run_all()
    assert engine.state is FlowState.COMPLETED
    assert kiosk.citizen_card.balance_fen == 7000
    assert len(kiosk.backend.cancelled_topups) == 1  # the first MAC2 is void
    assert len(kiosk.backend.confirmed_topups) == 1


def test_leaving_an_unresolved_top_up_keeps_the_payment(
        make_engine: Any, kiosk: Kiosk, executor: ManualExecutor) -> None:
    kiosk.citizen_card.lose_credit_answer = True
    engine = _to_credit(make_engine, kiosk, executor)
    engine.cancel()
    executor.run_all()
    assert "refund_held_for_review" in kiosk.journal.events()
    assert not any(o.state.value == "refunded" for o in kiosk.backend.orders.values())

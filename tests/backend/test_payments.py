"""Payments, idempotency, bill settlement and the citizen-card top-up (圈存)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from backend_client.client import BackendClient
from backend_client.errors import BackendRejectedError, IdempotencyConflictError
from backend_client.journal import JournalState, PaymentJournal
from backend_client.models import PaymentCreate, TopupConfirm, TopupRequest
from backend_client.payments import PaymentDesk, RefundNotConfirmedError
from backend_sim.embedded import EmbeddedBackend
from backend_sim.phone import SimulatedPhone
from backend_sim.purse import MASTER_LOAD_KEY, MASTER_TAC_KEY
from card import pboc


def _order(order_id: str, amount: int = 500) -> PaymentCreate:
    return PaymentCreate(order_id=order_id, amount_fen=amount, description="证明工本费",
                         service_id="household_certificate", purpose="service_fee")


def _orders_in_db(backend: EmbeddedBackend, order_id: str) -> int:
    import sqlalchemy as sa

    from backend_sim import db

    with backend.state.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(db.orders)
                                .where(db.orders.c.order_id == order_id)).scalar_one())


def test_same_key_same_body_gives_the_same_order(
    client: BackendClient, backend: EmbeddedBackend
) -> None:
    first = client.create_payment(_order("ORD-IDEM-0001"), "pay-key-0001")
    second = client.create_payment(_order("ORD-IDEM-0001"), "pay-key-0001")
    assert first == second
    assert _orders_in_db(backend, "ORD-IDEM-0001") == 1


def test_same_key_other_body_is_a_conflict(client: BackendClient) -> None:
    client.create_payment(_order("ORD-IDEM-0002"), "pay-key-0002")
    with pytest.raises(IdempotencyConflictError) as err:
        client.create_payment(_order("ORD-IDEM-0002", amount=900), "pay-key-0002")
    assert err.value.status == 409 and err.value.message_key == "error.backend.conflict"


def test_answer_lost_after_commit_is_retried_into_one_order(
    client: BackendClient, backend: EmbeddedBackend
) -> None:
    backend.faults.inject("drop_connection", after_commit=True, count=1, path="/v1/payments")
    order = client.create_payment(_order("ORD-DROP-0001"), "pay-key-drop-1")
    assert order.status == "unpaid"
    assert _orders_in_db(backend, "ORD-DROP-0001") == 1


def test_desk_journals_before_calling_and_refunds_only_confirmed(
    client: BackendClient, phone: SimulatedPhone, state_dir: Path
) -> None:
    desk = PaymentDesk(client, PaymentJournal(state_dir / "payments.sqlite"))
    order = desk.create(500, "工本费", "household_certificate", "service_fee")
    assert desk.journal.get(order.order_id).state == JournalState.ORDER_CREATED  # type: ignore[union-attr]
    with pytest.raises(RefundNotConfirmedError):
        desk.refund(order.order_id, "printer out of paper")
    phone.pay(order.order_id)
    assert desk.poll(order.order_id).status == "paid"
    refunded = desk.refund(order.order_id, "printer out of paper")
    assert refunded.status == "refunded" and refunded.refunded_fen == 500
    assert desk.journal.open_entries() == []


def test_bill_payment_settles_the_bill_once(
    client: BackendClient, phone: SimulatedPhone, zhang_token: str, state_dir: Path
) -> None:
    desk = PaymentDesk(client, PaymentJournal(state_dir / "payments.sqlite"))
    bill = next(b for b in client.bills(zhang_token) if b.bill_id == "bill-w-2026-10")
    order = desk.create(bill.amount_fen, "水费", "utility_bill_payment", "bill",
                        bill_id=bill.bill_id)
    with pytest.raises(BackendRejectedError) as err:
        client.settle_bill(bill.bill_id, order.order_id, "settle-0001")
    assert err.value.message_key == "error.payment.not_paid"
    phone.pay(order.order_id)
    settled = client.settle_bill(bill.bill_id, order.order_id, "settle-0002")
    assert settled.status == "paid"
    assert bill.bill_id not in {b.bill_id for b in client.bills(zhang_token)}
    with pytest.raises(BackendRejectedError):
        desk.refund(order.order_id, "no")  # used orders are never refunded


SERIAL = bytes.fromhex("0000440305000000C001")
TERMINAL_NUMBER = bytes.fromhex("112233445566")


def test_topup_turns_mac1_into_mac2_and_confirms_with_the_tac(
    client: BackendClient, phone: SimulatedPhone
) -> None:
    order = client.create_payment(PaymentCreate(
        order_id="ORD-TOPUP-0001", amount_fen=10_000, description="市民卡充值",
        service_id="citizen_card_topup", purpose="card_topup"), "topup-pay-1")
    phone.pay(order.order_id)
    # What the card computes in INITIALIZE FOR LOAD (its diversified load key).
    dlk = pboc.diversify(MASTER_LOAD_KEY, SERIAL[-8:])
    rnd, seq, balance = bytes.fromhex("A1B2C3D4"), bytes.fromhex("0007"), 5000
    ses = pboc.load_session_key(dlk, rnd, seq)
    mac1 = pboc.load_mac1(ses, balance, 10_000, 2, TERMINAL_NUMBER)
    request = TopupRequest(
        card_serial=SERIAL.hex().upper(), amount_fen=10_000,
        terminal_number=TERMINAL_NUMBER.hex().upper(), old_balance_fen=balance,
        online_seq=seq.hex().upper(), key_version=1, alg_id=0, card_random=rnd.hex().upper(),
        mac1=mac1.hex().upper(), order_id=order.order_id)
    bad = request.model_copy(update={"mac1": "00000000"})
    with pytest.raises(BackendRejectedError) as err:
        client.request_topup(bad, "topup-bad-1")
    assert err.value.message_key == "error.topup.mac1_invalid"
    topup = client.request_topup(request, "topup-key-1")
    when = datetime.strptime(topup.host_datetime, "%Y%m%d%H%M%S")
    # The card checks MAC2 with the same session key, then answers a TAC.
    assert topup.mac2 == pboc.load_mac2(ses, 10_000, 2, TERMINAL_NUMBER, when).hex().upper()
    dtk = pboc.diversify(MASTER_TAC_KEY, SERIAL[-8:])
    tac = pboc.load_tac(dtk, 15_000, seq, 10_000, 2, TERMINAL_NUMBER, when)
    assert client.topup(topup.topup_id).status == "pending"
    done = client.confirm_topup(topup.topup_id,
                                TopupConfirm(tac=tac.hex().upper(), new_balance_fen=15_000),
                                "topup-confirm-1")
    assert done.status == "confirmed"
    with pytest.raises(BackendRejectedError) as used:
        client.request_topup(request, "topup-key-2")  # one paid order loads the card once
    assert used.value.message_key == "error.payment.already_used"

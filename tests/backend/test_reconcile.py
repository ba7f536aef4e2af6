"""The journal's state machine, reconciliation, typed outbox settlements, staff actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_client.client import BackendClient
from backend_client.errors import BackendUnreachableError
from backend_client.journal import JournalState, PaymentJournal, TransitionError
from backend_client.outbox import BillSettlementDraft, Outbox, settle_key
from backend_client.payment_staff import act, describe, needing_person
from backend_client.payments import PaymentDesk
from backend_client.reconcile import Reconciler, pending_receipts
from backend_sim.embedded import EmbeddedBackend
from backend_sim.phone import SimulatedPhone

S = JournalState


def _bill(client: BackendClient, token: str) -> tuple[str, int]:
    bill = client.bills(token)[0]
    return bill.bill_id, bill.amount_fen


def test_transitions_follow_the_table_and_are_logged(state_dir: Path) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    journal.begin("O-1", "k-1", "{}", 100, purpose="bill")
    assert journal.transition("O-1", S.ORDER_CREATED)
    assert not journal.transition("O-1", S.ORDER_CREATED)  # same state: facts only
    with pytest.raises(TransitionError):
        journal.transition("O-1", S.REFUNDING)  # never refund an order not known paid
    journal.transition("O-1", S.SHOWN)
    journal.transition("O-1", S.CLOSING)
    journal.transition("O-1", S.CLOSED, actor="reconcile")
    with pytest.raises(TransitionError):
        journal.transition("O-1", S.DELIVERING)
    assert [(h[0], h[1], h[2]) for h in journal.history("O-1")] == [
        ("", "intent", "kiosk"), ("intent", "order_created", "kiosk"),
        ("order_created", "shown", "kiosk"), ("shown", "closing", "kiosk"),
        ("closing", "closed", "reconcile")]
    # top-ups are entries of the same journal (kind "topup"), one per card load session,
    # and the paying order's entry follows its load
    journal.begin("O-2", "k-2", "{}", 5000, purpose="card_topup")
    journal.transition("O-2", S.PAID)
    body = '{"order_id": "O-2"}'
    journal.record_topup("O-2/7/ab", "requested", body)
    assert journal.get("O-2").state is S.DELIVERING  # type: ignore[union-attr]
    journal.record_topup("O-2/7/ab", "authorised", body, topup_id="T-1")
    assert journal.pending_topups() == [("O-2", "T-1", "authorised")]
    journal.record_topup("O-2/7/ab", "confirmed", body)
    assert journal.pending_topups() == []
    assert journal.get("topup:O-2/7/ab").kind == "topup"  # type: ignore[union-attr]
    assert journal.get("topup:O-2/7/ab").state is S.DELIVERED  # type: ignore[union-attr]
    assert journal.get("O-2").state is S.DELIVERED  # type: ignore[union-attr]
    journal.close()


def test_reconcile_settles_each_kind_of_unfinished_payment(
    client: BackendClient, phone: SimulatedPhone, zhang_token: str, state_dir: Path
) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    desk = PaymentDesk(client, journal)
    bill_id, amount = _bill(client, zhang_token)
    bill = desk.create(amount, "电费", "utility_bill_payment", "bill", bill_id=bill_id)
    phone.pay(bill.order_id)  # paid, the kiosk died before settling it
    fee = desk.create(800, "工本费", "household_certificate", "service_fee")
    phone.pay(fee.order_id)  # paid, the certificate cannot be delivered any more
    unpaid = desk.create(300, "工本费", "household_certificate", "service_fee")
    journal.begin("KIOSK-NEVER-SENT-2", "never-sent-2", "{}", 300)
    report = Reconciler(client, journal).run()
    assert report.outcomes == {"delivered": 1, "refunded": 1, "closed": 1, "never_created": 1}
    assert journal.get(bill.order_id).state is S.DELIVERED  # type: ignore[union-attr]
    assert client.payment(bill.order_id).used_by == f"bill:{bill_id}"
    assert client.payment(fee.order_id).status == "refunded"
    assert client.payment(unpaid.order_id).status == "closed"
    assert journal.open_entries() == []
    assert len(pending_receipts(journal)) == 3  # a receipt for every outcome with money
    # Run again: nothing is repeated.
    assert Reconciler(client, journal).run().outcomes == {}
    journal.close()


def test_reconcile_leaves_an_order_with_an_open_card_load_to_the_purse_recovery(
    client: BackendClient, phone: SimulatedPhone, state_dir: Path
) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    order = PaymentDesk(client, journal).create(5000, "充值", "citizen_card_topup",
                                                "card_topup")
    phone.pay(order.order_id)
    journal.transition(order.order_id, S.PAID)
    body = f'{{"order_id": "{order.order_id}"}}'
    journal.record_topup(f"{order.order_id}/3/aa", "crediting", body, topup_id="T-9")
    # Only the card can say whether it was loaded: not refunded, not called delivered.
    assert Reconciler(client, journal).run().outcomes == {}
    assert journal.get(order.order_id).state is S.DELIVERING  # type: ignore[union-attr]
    assert client.payment(order.order_id).status == "paid"
    # The card's record said "never credited": the load is voided; the order is free.
    journal.record_topup(f"{order.order_id}/3/aa", "cancelled", body)
    assert journal.get(f"topup:{order.order_id}/3/aa").state is S.CLOSED  # type: ignore[union-attr]
    assert Reconciler(client, journal).run().outcomes == {"refunded": 1}
    assert client.payment(order.order_id).status == "refunded"
    # A load whose MAC2 request never got an answer, its order refunded meanwhile (the
    # resident left): no MAC2 can come for it any more; the reconciler closes it.
    journal.record_topup(f"{order.order_id}/4/bb", "requested", body)
    assert Reconciler(client, journal).run().outcomes == {"load_never_sent": 1}
    assert journal.pending_topups() == []
    assert journal.get(f"topup:{order.order_id}/4/bb").state is S.CLOSED  # type: ignore[union-attr]
    assert journal.open_entries() == []
    journal.close()


def test_late_payment_after_close_is_refunded(
    client: BackendClient, backend: EmbeddedBackend, state_dir: Path
) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    desk = PaymentDesk(client, journal)
    order = desk.create(500, "工本费", "household_certificate", "service_fee")
    journal.transition(order.order_id, S.CLOSING)
    # The phone paid just before the close reached the backend.
    SimulatedPhone(backend.url).pay(order.order_id)
    client.close_payment(order.order_id, "close-by-test-0001")
    journal.transition(order.order_id, S.CLOSED)
    assert Reconciler(client, journal).run().outcomes == {"refunded": 1}
    assert client.payment(order.order_id).status == "refunded"
    journal.close()


def test_a_dropped_settlement_is_queued_as_a_settlement_not_an_application(
    client: BackendClient, backend: EmbeddedBackend, phone: SimulatedPhone,
    zhang_token: str, state_dir: Path
) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    outbox = Outbox(state_dir / "outbox.sqlite")
    desk = PaymentDesk(client, journal)
    bill_id, amount = _bill(client, zhang_token)
    order = desk.create(amount, "水费", "utility_bill_payment", "bill", bill_id=bill_id)
    phone.pay(order.order_id)
    desk.poll(order.order_id)
    journal.transition(order.order_id, S.DELIVERING)
    backend.faults.inject("drop_connection", path="/v1/bills/")
    with pytest.raises(BackendUnreachableError):
        client.settle_bill(bill_id, order.order_id, settle_key(order.order_id))
    outbox.enqueue("bill_settlement", BillSettlementDraft(bill_id=bill_id,
                                                          order_id=order.order_id),
                   settle_key(order.order_id))
    before = len(client.applications(zhang_token).applications)
    backend.faults.clear()
    report = Reconciler(client, journal, outbox).run()
    assert report.flushed == 1
    assert [e.kind for e in outbox.entries("done")] == ["bill_settlement"]
    assert len(client.applications(zhang_token).applications) == before  # no bogus one
    assert client.payment(order.order_id).used_by == f"bill:{bill_id}"
    assert journal.get(order.order_id).state is S.DELIVERED  # type: ignore[union-attr]
    journal.close()
    outbox.close()


def test_staff_actions_are_journaled_with_who_did_them(
    client: BackendClient, phone: SimulatedPhone, state_dir: Path
) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    desk = PaymentDesk(client, journal)
    order = desk.create(800, "工本费", "household_certificate", "service_fee")
    phone.pay(order.order_id)
    desk.poll(order.order_id)
    journal.transition(order.order_id, S.NEEDS_STAFF, note="conflict")
    (listed,) = needing_person(journal)
    seen = describe(listed, journal, client)
    assert seen["backend"] == {"status": "paid", "amount_fen": 800, "refunded_fen": 0,
                               "used_by": None}
    result = act(client, journal, order.order_id, "refund", "S042", "resident asked")
    assert result["ok"] and result["state"] == "refunded"
    assert journal.history(order.order_id)[-1][1:3] == ("refunded", "staff:S042")
    again = act(client, journal, order.order_id, "resolve", "S042", "done")
    assert again == {"ok": False, "error": "already refunded"}
    other = desk.create(300, "工本费", "household_certificate", "service_fee")
    journal.transition(other.order_id, S.NEEDS_STAFF)
    assert act(client, journal, other.order_id, "resolve", "S007", "paid in cash")["ok"]
    assert journal.history(other.order_id)[-1][1:4] == ("resolved", "staff:S007",
                                                        "paid in cash")
    journal.close()


def test_a_refund_that_lost_the_race_to_the_settlement_ends_delivered(
    client: BackendClient, phone: SimulatedPhone, zhang_token: str, state_dir: Path
) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    desk = PaymentDesk(client, journal)
    bill_id, amount = _bill(client, zhang_token)
    order = desk.create(amount, "电费", "utility_bill_payment", "bill", bill_id=bill_id)
    phone.pay(order.order_id)
    desk.poll(order.order_id)
    journal.transition(order.order_id, S.DELIVERING)
    journal.transition(order.order_id, S.REFUNDING)  # the resident cancelled meanwhile
    client.settle_bill(bill_id, order.order_id, settle_key(order.order_id))  # it won
    assert Reconciler(client, journal).run().outcomes == {"delivered": 1}
    assert journal.get(order.order_id).state is S.DELIVERED  # type: ignore[union-attr]
    assert client.payment(order.order_id).refunded_fen == 0
    journal.close()

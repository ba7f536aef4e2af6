"""POST /cards/{serial}/purchases: the backend checks a purse purchase's TAC, records
the card's transaction once in its ledger, and marks the order it paid as paid."""

from __future__ import annotations

from datetime import datetime

import pytest

from backend_client.client import BackendClient
from backend_client.errors import BackendRejectedError
from backend_client.models import PaymentCreate, PurchaseUpload
from backend_sim.phone import SimulatedPhone
from card import pboc

SERIAL = bytes.fromhex("44030500000000000001")
TERMINAL = bytes.fromhex("440305000777")
WHEN = datetime(2026, 12, 2, 9, 30, 15)


def order(client: BackendClient, order_id: str, amount: int = 2350,
          purpose: str = "service_fee") -> str:
    return client.create_payment(PaymentCreate(
        order_id=order_id, amount_fen=amount, description="证明工本费",
        service_id="household_certificate", purpose=purpose), f"pay-{order_id}").order_id  # type: ignore[arg-type]


def upload(order_id: str, *, seq: int = 17, amount: int = 2350, tac: str | None = None
           ) -> PurchaseUpload:
    dtk = pboc.diversify(pboc.TEST_MTK, SERIAL[-8:])
    terminal_seq = (5).to_bytes(4, "big")
    good = pboc.purchase_tac(dtk, amount, pboc.TX_EP_PURCHASE, TERMINAL, terminal_seq, WHEN)
    return PurchaseUpload(
        order_id=order_id, card_serial=SERIAL.hex().upper(), amount_fen=amount,
        old_balance_fen=5000, offline_seq=seq, terminal_number=TERMINAL.hex().upper(),
        terminal_seq=terminal_seq.hex().upper(), tx_datetime=WHEN.strftime("%Y%m%d%H%M%S"),
        tac=tac or good.hex().upper(), mac2="00000000")


def test_a_purchase_is_checked_recorded_once_and_pays_its_order(
    client: BackendClient, phone: SimulatedPhone
) -> None:
    oid = order(client, "ORD-PURSE-0001")
    with pytest.raises(BackendRejectedError) as bad:
        client.upload_purchase(upload(oid, tac="00000000"), "key-bad-0")
    assert bad.value.code == "tac_invalid", str(bad.value)
    assert client.payment(oid).status == "unpaid"
    record = client.upload_purchase(upload(oid), "key-purse-1")
    assert (record.status, record.order_status, record.new_balance_fen) == ("recorded", "paid",
                                                                           2650)
    assert client.payment(oid).status == "paid"
    again = client.upload_purchase(upload(oid), "key-purse-2")  # a retry with a new key: same row
    assert again.purchase_id == record.purchase_id
    other = order(client, "ORD-PURSE-0002")
    with pytest.raises(BackendRejectedError) as twice:  # one card transaction, one order
        client.upload_purchase(upload(other), "key-purse-3")
    assert twice.value.code == "purchase_conflict"


def test_what_the_purse_cannot_pay(client: BackendClient, phone: SimulatedPhone) -> None:
    topup = order(client, "ORD-PURSE-TOPUP", 5000, "card_topup")
    with pytest.raises(BackendRejectedError) as not_allowed:
        client.upload_purchase(upload(topup, amount=5000), "key-purse-4")
    assert not_allowed.value.code == "purse_not_allowed"
    paid = order(client, "ORD-PURSE-QR")
    phone.pay(paid)
    with pytest.raises(BackendRejectedError) as already:
        client.upload_purchase(upload(paid, seq=18), "key-purse-5")
    assert already.value.code == "order_already_paid"
    closed = order(client, "ORD-PURSE-CLOSED")
    client.close_payment(closed, "close-purse-1")
    # Found on the card after the order was closed: paid late (then delivered or refunded).
    assert client.upload_purchase(upload(closed, seq=19), "key-purse-6").order_status == "paid"

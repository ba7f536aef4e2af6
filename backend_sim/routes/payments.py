"""Payment orders (QR), bill settlement and citizen-card top-up (圈存)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from fastapi.responses import JSONResponse

from backend_client.models import (
    BillSettle,
    BillSettlement,
    PaymentCreate,
    PaymentOrder,
    RefundRequest,
    Topup,
    TopupConfirm,
    TopupRequest,
    TopupStatus,
)
from backend_sim import db
from backend_sim.http import (
    ApiError,
    IdempotencyKey,
    State,
    Terminal,
    api_router,
    idempotent,
    idempotent_tx,
    new_id,
    not_found,
)
from backend_sim.purse import make_mac2, verify_load_tac, verify_mac1
from backend_sim.state import BackendState

router = api_router("payments")


def _row(state: BackendState, order_id: str, terminal: str) -> Any:
    """The order, after applying what time did to it (auto-pay in demos, expiry)."""
    with state.lock, state.engine.begin() as conn:
        return _row_in(conn, state, order_id, terminal)


def _row_in(conn: sa.Connection, state: BackendState, order_id: str, terminal: str) -> Any:
    """:func:`_row` in the caller's transaction."""
    t = db.orders
    row = conn.execute(sa.select(t).where(
        t.c.order_id == order_id, t.c.terminal_id == terminal
    )).first()
    if row is None:
        raise not_found("payment order")
    now = state.now()
    if row.status == "unpaid":
        created = datetime.fromisoformat(row.created_at)
        auto = state.auto_pay_after_s
        if auto is not None and now >= created + timedelta(seconds=auto):
            conn.execute(sa.update(t).where(t.c.order_id == order_id).values(
                status="paid", paid_at=now.isoformat()))
        elif now > datetime.fromisoformat(row.expires_at):
            conn.execute(sa.update(t).where(t.c.order_id == order_id).values(status="closed"))
        else:
            return row
        row = conn.execute(sa.select(t).where(t.c.order_id == order_id)).one()
    return row


#: The payee the resident's payment app shows, by what the order pays for.
PAYEES = {"bill": "市公用事业缴费中心 City Utilities Billing",
          "service_fee": "市政务服务中心 City Government Service Centre",
          "card_topup": "市民卡服务中心 Citizen Card Centre"}


def order_model(state: BackendState, row: Any) -> PaymentOrder:
    return PaymentOrder(
        order_id=row.order_id, amount_fen=row.amount_fen, status=row.status,
        purpose=row.purpose, qr_url=f"{state.pay_base}/{row.pay_token}",
        created_at=datetime.fromisoformat(row.created_at),
        expires_at=datetime.fromisoformat(row.expires_at),
        paid_at=datetime.fromisoformat(row.paid_at) if row.paid_at else None,
        refunded_fen=row.refunded_fen, used_by=row.used_by, payee=PAYEES.get(row.purpose),
    )


# Built once (see backend_sim/http.py's statements of every signed request).
_ORDER_EXISTS = sa.select(db.orders.c.order_id).where(
    db.orders.c.order_id == sa.bindparam("order_id"))
_INSERT_ORDER = sa.insert(db.orders)


@router.post("/payments", response_model=PaymentOrder)
def create_payment(
    body: PaymentCreate, terminal: Terminal, key: IdempotencyKey, state: State
) -> JSONResponse:
    """Create a QR payment order; the same key and body return the same order."""
    # One transaction (idempotent_tx): the order and its stored answer commit together.

    def create(conn: sa.Connection) -> PaymentOrder:
        now = state.now()
        if conn.execute(_ORDER_EXISTS, {"order_id": body.order_id}).first():
            raise ApiError(409, "idempotency_conflict", "order id is already used")
        if body.purpose == "bill":
            bill = conn.execute(sa.select(db.bills).where(
                db.bills.c.bill_id == (body.bill_id or ""))).first()
            if bill is None:
                raise not_found("bill")
            if bill.status == "paid":
                raise ApiError(409, "bill_already_paid", "the bill is already paid")
            if bill.amount_fen != body.amount_fen:
                raise ApiError(422, "amount_mismatch", "amount differs from the bill")
        values = dict(
            order_id=body.order_id, terminal_id=terminal, amount_fen=body.amount_fen,
            description=body.description, service_id=body.service_id,
            purpose=body.purpose, bill_id=body.bill_id, status="unpaid", refunded_fen=0,
            used_by=None, pay_token=secrets.token_urlsafe(12), created_at=now.isoformat(),
            expires_at=(now + timedelta(seconds=state.payment_ttl_s)).isoformat(),
            paid_at=None,
        )
        conn.execute(_INSERT_ORDER, values)
        if state.auto_pay_after_s is None:  # nothing time does to it yet: what was written
            return order_model(state, SimpleNamespace(**values))
        return order_model(state, _row_in(conn, state, body.order_id, terminal))

    # The answer is a PaymentOrder's JSON (made just now, or stored from one): sent as
    # is, without validating and serialising it twice more (response_model: the contract).
    return JSONResponse(idempotent_tx(state, terminal, key, "payment", body, create))


@router.get("/payments/{order_id}")
def get_payment(order_id: str, terminal: Terminal, state: State) -> PaymentOrder:
    """The order's state now (poll while the QR code is shown)."""
    return order_model(state, _row(state, order_id, terminal))


@router.post("/payments/{order_id}/close")
def close_payment(
    order_id: str, terminal: Terminal, key: IdempotencyKey, state: State
) -> PaymentOrder:
    """Close an unpaid order so it can no longer be paid (a paid one is answered as is)."""

    def close() -> PaymentOrder:
        row = _row(state, order_id, terminal)
        if row.status == "unpaid":
            with state.engine.begin() as conn:
                conn.execute(sa.update(db.orders).where(db.orders.c.order_id == order_id)
                             .values(status="closed"))
        return order_model(state, _row(state, order_id, terminal))

    return PaymentOrder.model_validate(
        idempotent(state, terminal, key, f"payment.close:{order_id}", None, close))


@router.post("/payments/{order_id}/refund")
def refund_payment(
    order_id: str, body: RefundRequest, terminal: Terminal, key: IdempotencyKey, state: State
) -> PaymentOrder:
    """Refund a paid order whose service was not delivered (up to the amount paid). An
    order paid from a citizen card's purse is refunded to that card: the refund is owed
    to the card (GET /cards/{serial}/refunds) until a kiosk loads it back."""

    def refund() -> PaymentOrder:
        row = _row(state, order_id, terminal)
        if row.status != "paid" or row.used_by is not None:
            raise ApiError(409, "refund_not_allowed", "only a paid, unused order is refunded")
        if row.refunded_fen + body.amount_fen > row.amount_fen:
            raise ApiError(409, "refund_not_allowed", "refund is more than was paid")
        total = row.refunded_fen + body.amount_fen
        with state.engine.begin() as conn:
            conn.execute(sa.update(db.orders).where(db.orders.c.order_id == order_id).values(
                refunded_fen=total, status="refunded" if total == row.amount_fen else "paid"))
            # Paid from a card's purse: the money goes back to that card, owed to it
            # until a kiosk loads it (圈存, POST /cards/refunds/{id}/load).
            paid_by = conn.execute(sa.select(db.purchases.c.card_serial).where(
                db.purchases.c.order_id == order_id)).first()
            if paid_by is not None:
                conn.execute(sa.insert(db.card_refunds).values(
                    refund_id=new_id("crf"), order_id=order_id, card_serial=paid_by[0],
                    amount_fen=body.amount_fen, status="owed",
                    created_at=state.now().isoformat(), loads=0))
        return order_model(state, _row(state, order_id, terminal))

    return PaymentOrder.model_validate(
        idempotent(state, terminal, key, f"payment.refund:{order_id}", body, refund))


def use_order(state: BackendState, order_id: str, terminal: str, purpose: str,
              amount_fen: int, used_by: str) -> None:
    """Mark a paid order as spent on ``used_by`` (an order pays for one thing only)."""
    row = _row(state, order_id, terminal)
    if row.status != "paid":
        raise ApiError(409, "order_not_paid", "the order is not paid")
    if row.used_by is not None:
        raise ApiError(409, "order_already_used", "the order was already used")
    if row.purpose != purpose or row.amount_fen != amount_fen:
        raise ApiError(422, "amount_mismatch", "the order does not pay for this")
    with state.engine.begin() as conn:
        conn.execute(sa.update(db.orders).where(db.orders.c.order_id == order_id)
                     .values(used_by=used_by))


@router.post("/bills/{bill_id}/settle")
def settle_bill(
    bill_id: str, body: BillSettle, terminal: Terminal, key: IdempotencyKey, state: State
) -> BillSettlement:
    """Settle a bill with the paid order created for it."""

    def settle() -> BillSettlement:
        with state.engine.connect() as conn:
            bill = conn.execute(sa.select(db.bills).where(db.bills.c.bill_id == bill_id)).first()
        if bill is None:
            raise not_found("bill")
        voucher = f"JF{state.now():%Y%m%d}{bill_id[-6:].upper()}"
        if bill.status == "paid" and bill.paid_order == body.order_id:
            # Settled by this very order already (a retry after a lost answer): the same.
            return BillSettlement(bill_id=bill_id, order_id=body.order_id, status="paid",
                                  voucher_number=voucher)
        if bill.status == "paid":
            raise ApiError(409, "bill_already_paid", "the bill is already paid")
        use_order(state, body.order_id, terminal, "bill", bill.amount_fen, f"bill:{bill_id}")
        with state.engine.begin() as conn:
            conn.execute(sa.update(db.bills).where(db.bills.c.bill_id == bill_id)
                         .values(status="paid", paid_order=body.order_id))
        return BillSettlement(bill_id=bill_id, order_id=body.order_id, status="paid",
                              voucher_number=voucher)

    return BillSettlement.model_validate(
        idempotent(state, terminal, key, f"bill.settle:{bill_id}", body, settle))


def topup_status(row: Any) -> TopupStatus:
    return TopupStatus(topup_id=row.topup_id, status=row.status, order_id=row.order_id,
                       amount_fen=row.amount_fen, tac=row.tac)


@router.post("/cards/topups", tags=["cards"])
def request_topup(
    body: TopupRequest, terminal: Terminal, key: IdempotencyKey, state: State
) -> Topup:
    """Check MAC1 with the card's diversified load key and the paid order; answer MAC2."""

    def create() -> Topup:
        if not verify_mac1(body):
            raise ApiError(409, "mac1_invalid", "MAC1 does not verify")
        topup_id = new_id("tu")
        use_order(state, body.order_id, terminal, "card_topup", body.amount_fen,
                  f"topup:{topup_id}")
        when = state.now().replace(tzinfo=None)
        mac2 = make_mac2(body, when)
        with state.engine.begin() as conn:
            # An earlier load of this order that the card never got was cancelled: this
            # one replaces it (one top-up row per order).
            conn.execute(sa.delete(db.topups).where(db.topups.c.order_id == body.order_id,
                                                    db.topups.c.status == "failed"))
            conn.execute(sa.insert(db.topups).values(
                topup_id=topup_id, order_id=body.order_id, card_serial=body.card_serial,
                amount_fen=body.amount_fen, old_balance_fen=body.old_balance_fen,
                online_seq=body.online_seq, terminal_number=body.terminal_number,
                tx_type=body.tx_type, host_datetime=f"{when:%Y%m%d%H%M%S}", mac2=mac2,
                status="pending",
            ))
        return Topup(topup_id=topup_id, status="pending", amount_fen=body.amount_fen,
                     mac2=mac2, host_datetime=f"{when:%Y%m%d%H%M%S}")

    return Topup.model_validate(idempotent(state, terminal, key, "topup", body, create))


def topup_row(state: BackendState, topup_id: str, terminal: str) -> Any:
    """The terminal's own top-up (404 for another terminal's or an unknown one)."""
    with state.engine.connect() as conn:
        row = conn.execute(
            sa.select(db.topups).join(db.orders, db.orders.c.order_id == db.topups.c.order_id)
            .where(db.topups.c.topup_id == topup_id, db.orders.c.terminal_id == terminal)
        ).first()
    if row is None:
        raise not_found("top-up")
    return row


@router.post("/cards/topups/{topup_id}/confirm", tags=["cards"])
def confirm_topup(
    topup_id: str, body: TopupConfirm, terminal: Terminal, key: IdempotencyKey, state: State
) -> TopupStatus:
    """The card's TAC after CREDIT FOR LOAD: the top-up is done."""

    def confirm() -> TopupStatus:
        row = topup_row(state, topup_id, terminal)
        if row.status != "pending":
            raise ApiError(409, "topup_state", "top-up is not pending")
        expected = row.old_balance_fen + row.amount_fen
        if body.new_balance_fen != expected or not verify_load_tac(row, body.tac):
            raise ApiError(409, "topup_state", "TAC or balance does not match the load")
        with state.engine.begin() as conn:
            conn.execute(sa.update(db.topups).where(db.topups.c.topup_id == topup_id).values(
                status="confirmed", tac=body.tac, new_balance_fen=body.new_balance_fen))
        return topup_status(topup_row(state, topup_id, terminal))

    return TopupStatus.model_validate(
        idempotent(state, terminal, key, f"topup.confirm:{topup_id}", body, confirm))


@router.get("/cards/topups/{topup_id}", tags=["cards"])
def get_topup(topup_id: str, terminal: Terminal, state: State) -> TopupStatus:
    return topup_status(topup_row(state, topup_id, terminal))

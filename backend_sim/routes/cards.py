"""Citizen-card purse operations beyond the load itself: cancelling a load the card never
received (so its paid order can be refunded or loaded again), and purse purchases (消费)
whose TAC the kiosk uploads."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend_client.models import PurchaseRecord, PurchaseUpload, TopupStatus
from backend_sim import db
from backend_sim.http import (
    ApiError,
    IdempotencyKey,
    State,
    Terminal,
    api_router,
    idempotent,
    new_id,
    not_found,
)
from backend_sim.purse import verify_purchase_tac
from backend_sim.routes.payments import topup_row, topup_status

router = api_router("cards")


@router.post("/cards/topups/{topup_id}/cancel")
def cancel_topup(
    topup_id: str, terminal: Terminal, key: IdempotencyKey, state: State
) -> TopupStatus:
    """The card was never credited (the terminal saw its transaction record): the MAC2 is
    void and the paid order is free again (to be refunded or loaded anew)."""

    def cancel() -> TopupStatus:
        row = topup_row(state, topup_id, terminal)
        if row.status == "confirmed":
            raise ApiError(409, "topup_state", "top-up is confirmed; it cannot be cancelled")
        with state.lock, state.engine.begin() as conn:
            conn.execute(sa.update(db.topups).where(db.topups.c.topup_id == topup_id)
                         .values(status="failed"))
            conn.execute(sa.update(db.orders).where(
                db.orders.c.order_id == row.order_id,
                db.orders.c.used_by == f"topup:{topup_id}").values(used_by=None))
        return topup_status(topup_row(state, topup_id, terminal))

    return TopupStatus.model_validate(
        idempotent(state, terminal, key, f"topup.cancel:{topup_id}", None, cancel))


def _purchase_record(row: Any, order_status: str) -> PurchaseRecord:
    return PurchaseRecord(purchase_id=row.purchase_id, order_id=row.order_id,
                          status="recorded", amount_fen=row.amount_fen,
                          new_balance_fen=row.old_balance_fen - row.amount_fen,
                          order_status=order_status)


@router.post("/cards/{card_serial}/purchases")
def upload_purchase(
    card_serial: str, body: PurchaseUpload, terminal: Terminal, key: IdempotencyKey,
    state: State,
) -> PurchaseRecord:
    """A purse purchase (消费) the card made at this terminal, paying one of its orders:
    the TAC is checked with the issuer's key, the debit goes into the purchase ledger and
    the order is paid. The card's transaction (serial + offline sequence) is recorded once;
    an order that was closed meanwhile (the kiosk lost the debit's answer and found it on
    the card later) is paid late, to be delivered or refunded like any late payment."""

    def record() -> PurchaseRecord:
        serial = body.card_serial.upper()
        if card_serial.upper() != serial:
            raise ApiError(409, "card_mismatch", "the path and the body name other cards")
        if not verify_purchase_tac(serial, body.amount_fen, body.terminal_number,
                                   body.terminal_seq, body.tx_datetime, body.tac):
            raise ApiError(409, "tac_invalid", "the TAC does not match the purchase")
        p, o = db.purchases, db.orders
        with state.lock, state.engine.begin() as conn:
            done = conn.execute(sa.select(p).where(p.c.card_serial == serial,
                                                   p.c.offline_seq == body.offline_seq)).first()
            order = conn.execute(sa.select(o).where(o.c.order_id == body.order_id,
                                                    o.c.terminal_id == terminal)).first()
            if order is None:
                raise not_found("payment order")
            if done is not None:
                if done.order_id != body.order_id:
                    raise ApiError(409, "purchase_conflict",
                                   "this card transaction paid another order")
                return _purchase_record(done, order.status)
            if order.purpose == "card_topup":
                raise ApiError(409, "purse_not_allowed", "a top-up is not paid from the purse")
            if order.amount_fen != body.amount_fen:
                raise ApiError(409, "amount_mismatch", "amount differs from the order")
            if order.status not in ("unpaid", "closed"):
                raise ApiError(409, "order_already_paid",
                               f"the order is {order.status}; the card debit needs a refund")
            purchase_id = new_id("pur")
            conn.execute(sa.insert(p).values(
                purchase_id=purchase_id, order_id=body.order_id, card_serial=serial,
                offline_seq=body.offline_seq, amount_fen=body.amount_fen,
                old_balance_fen=body.old_balance_fen, terminal_number=body.terminal_number,
                terminal_seq=body.terminal_seq, tx_datetime=body.tx_datetime,
                tac=body.tac.upper(), recovered=body.recovered))
            conn.execute(sa.update(o).where(o.c.order_id == body.order_id).values(
                status="paid", paid_at=state.now().isoformat()))
            row = conn.execute(sa.select(p).where(p.c.purchase_id == purchase_id)).one()
        return _purchase_record(row, "paid")

    return PurchaseRecord.model_validate(
        idempotent(state, terminal, key, f"purchase:{card_serial.upper()}", body, record))

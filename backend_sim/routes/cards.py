"""Citizen-card purse operations beyond the load itself: cancelling a load the card never
received (so its paid order can be refunded or loaded again), purse purchases (消费)
whose TAC the kiosk uploads, and the refunds owed to a card (a purse-paid order
refunded), which a kiosk loads back onto it (退款圈存) with a MAC2 issued once per refund."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from backend_client.models import (
    CardLoadRequest,
    CardRefund,
    CardRefunds,
    PurchaseRecord,
    PurchaseUpload,
    RefundLoad,
    RefundLoadCancel,
    TopupConfirm,
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
    new_id,
    not_found,
)
from backend_sim.purse import make_mac2, verify_load_tac, verify_mac1, verify_purchase_tac
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


# -- refunds owed to a card (退款圈存) ------------------------------------------------


def _refund(row: Any) -> CardRefund:
    return CardRefund(refund_id=row.refund_id, order_id=row.order_id,
                      card_serial=row.card_serial, amount_fen=row.amount_fen,
                      status=row.status, online_seq=row.online_seq, tac=row.tac,
                      new_balance_fen=row.new_balance_fen)


def _refund_row(state: Any, refund_id: str) -> Any:
    with state.engine.connect() as conn:
        row = conn.execute(sa.select(db.card_refunds).where(
            db.card_refunds.c.refund_id == refund_id)).first()
    if row is None:
        raise not_found("card refund")
    return row


@router.get("/cards/{card_serial}/refunds")
def card_refunds(card_serial: str, terminal: Terminal, state: State) -> CardRefunds:
    """The refunds owed to this card (not yet credited), oldest first: whichever kiosk
    the card is inserted into loads them back."""
    r = db.card_refunds
    with state.engine.connect() as conn:
        rows = conn.execute(sa.select(r).where(
            r.c.card_serial == card_serial.upper(), r.c.status != "credited")
            .order_by(r.c.created_at)).fetchall()
    return CardRefunds(refunds=[_refund(row) for row in rows])


@router.post("/cards/refunds/{refund_id}/load")
def load_refund(refund_id: str, body: CardLoadRequest, terminal: Terminal,
                key: IdempotencyKey, state: State) -> RefundLoad:
    """MAC2 for loading the refund into the card's load session (MAC1 checked). One MAC2
    per refund at a time: while a load is under way, the same session gets the same MAC2
    and another session is refused until that load is cancelled (the card never got it)."""

    def load() -> RefundLoad:
        row = _refund_row(state, refund_id)
        if row.card_serial.upper() != body.card_serial.upper():
            raise ApiError(409, "card_mismatch", "the refund is owed to another card")
        if row.amount_fen != body.amount_fen:
            raise ApiError(409, "amount_mismatch", "amount differs from the refund")
        if not verify_mac1(body):
            raise ApiError(409, "mac1_invalid", "MAC1 does not verify")
        if row.status == "credited":
            raise ApiError(409, "refund_credited", "the refund is on the card already")
        if row.status == "loading":
            if (row.online_seq, row.card_random) == (body.online_seq.upper(),
                                                      body.card_random.upper()):
                return RefundLoad(refund_id=refund_id, mac2=row.mac2,
                                  host_datetime=row.host_datetime)
            raise ApiError(409, "refund_loading",
                           "a load of this refund is under way; cancel it first")
        when = state.now().replace(tzinfo=None)
        mac2 = make_mac2(body, when)
        with state.lock, state.engine.begin() as conn:
            done = conn.execute(sa.update(db.card_refunds).where(
                db.card_refunds.c.refund_id == refund_id,
                db.card_refunds.c.status == "owed").values(
                status="loading", old_balance_fen=body.old_balance_fen,
                online_seq=body.online_seq.upper(), card_random=body.card_random.upper(),
                terminal_number=body.terminal_number.upper(), tx_type=body.tx_type,
                host_datetime=f"{when:%Y%m%d%H%M%S}", mac2=mac2, loads=row.loads + 1))
            if done.rowcount != 1:
                raise ApiError(409, "refund_loading", "the refund changed meanwhile")
        return RefundLoad(refund_id=refund_id, mac2=mac2, host_datetime=f"{when:%Y%m%d%H%M%S}")

    return RefundLoad.model_validate(
        idempotent(state, terminal, key, f"refund.load:{refund_id}", body, load))


@router.post("/cards/refunds/{refund_id}/confirm")
def confirm_refund(refund_id: str, body: TopupConfirm, terminal: Terminal,
                   key: IdempotencyKey, state: State) -> CardRefund:
    """The card's TAC after CREDIT FOR LOAD: the refund is back on the card."""

    def confirm() -> CardRefund:
        row = _refund_row(state, refund_id)
        if row.status == "credited" and (row.tac or "").upper() == body.tac.upper():
            return _refund(row)
        if row.status != "loading":
            raise ApiError(409, "refund_state", "no load of this refund is under way")
        if body.new_balance_fen != row.old_balance_fen + row.amount_fen or not \
                verify_load_tac(row, body.tac):
            raise ApiError(409, "refund_state", "TAC or balance does not match the load")
        with state.lock, state.engine.begin() as conn:
            conn.execute(sa.update(db.card_refunds).where(
                db.card_refunds.c.refund_id == refund_id).values(
                status="credited", tac=body.tac.upper(), new_balance_fen=body.new_balance_fen))
        return _refund(_refund_row(state, refund_id))

    return CardRefund.model_validate(
        idempotent(state, terminal, key, f"refund.confirm:{refund_id}", body, confirm))


@router.post("/cards/refunds/{refund_id}/cancel")
def cancel_refund_load(refund_id: str, body: RefundLoadCancel, terminal: Terminal,
                       key: IdempotencyKey, state: State) -> CardRefund:
    """The card never got the load with ``online_seq`` (its transaction record says so,
    or CREDIT FOR LOAD was never sent): that MAC2 is void, the refund owed again."""

    def cancel() -> CardRefund:
        row = _refund_row(state, refund_id)
        if row.status == "credited":
            raise ApiError(409, "refund_credited", "the refund is on the card already")
        if row.status == "loading" and row.online_seq == body.online_seq.upper():
            with state.lock, state.engine.begin() as conn:
                conn.execute(sa.update(db.card_refunds).where(
                    db.card_refunds.c.refund_id == refund_id).values(
                    status="owed", mac2=None, host_datetime=None, card_random=None))
        return _refund(_refund_row(state, refund_id))

    return CardRefund.model_validate(
        idempotent(state, terminal, key, f"refund.cancel:{refund_id}:{body.online_seq}",
                   body, cancel))

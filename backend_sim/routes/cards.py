"""Citizen-card purse operations beyond the load itself: cancelling a load the card never
received (so its paid order can be refunded or loaded again), and purse purchases (消费)
whose TAC the kiosk uploads."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends

from backend_client.models import TopupStatus
from backend_sim import db
from backend_sim.http import (
    ERROR_RESPONSES,
    ApiError,
    IdempotencyKey,
    Terminal,
    idempotent,
    not_found,
    state_of,
)
from backend_sim.state import BackendState

router = APIRouter(responses=ERROR_RESPONSES, tags=["cards"])
State = Annotated[BackendState, Depends(state_of)]


def _topup(state: BackendState, topup_id: str, terminal: str) -> Any:
    with state.engine.connect() as conn:
        row = conn.execute(
            sa.select(db.topups).join(db.orders, db.orders.c.order_id == db.topups.c.order_id)
            .where(db.topups.c.topup_id == topup_id, db.orders.c.terminal_id == terminal)
        ).first()
    if row is None:
        raise not_found("top-up")
    return row


@router.post("/cards/topups/{topup_id}/cancel")
def cancel_topup(
    topup_id: str, terminal: Terminal, key: IdempotencyKey, state: State
) -> TopupStatus:
    """The card was never credited (the terminal saw its transaction record): the MAC2 is
    void and the paid order is free again (to be refunded or loaded anew)."""

    def cancel() -> TopupStatus:
        row = _topup(state, topup_id, terminal)
        if row.status == "confirmed":
            raise ApiError(409, "topup_state", "top-up is confirmed; it cannot be cancelled")
        with state.lock, state.engine.begin() as conn:
            conn.execute(sa.update(db.topups).where(db.topups.c.topup_id == topup_id)
                         .values(status="failed"))
            conn.execute(sa.update(db.orders).where(
                db.orders.c.order_id == row.order_id,
                db.orders.c.used_by == f"topup:{topup_id}").values(used_by=None))
        row = _topup(state, topup_id, terminal)
        return TopupStatus(topup_id=row.topup_id, status=row.status, order_id=row.order_id,
                           amount_fen=row.amount_fen, tac=row.tac)

    return TopupStatus.model_validate(
        idempotent(state, terminal, key, f"topup.cancel:{topup_id}", None, cancel))

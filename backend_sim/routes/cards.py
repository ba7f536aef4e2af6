"""Citizen-card purse operations beyond the load itself: cancelling a load the card never
received (so its paid order can be refunded or loaded again), and purse purchases (消费)
whose TAC the kiosk uploads."""

from __future__ import annotations

import sqlalchemy as sa

from backend_client.models import TopupStatus
from backend_sim import db
from backend_sim.http import (
    ApiError,
    IdempotencyKey,
    State,
    Terminal,
    api_router,
    idempotent,
)
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

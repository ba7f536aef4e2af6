"""The citizen-card top-up (圈存) of a submit step: two-phase load with the backend's MAC2.

INITIALIZE FOR LOAD on the card (balance, online sequence, random, MAC1) -> the backend
checks MAC1 and the paid order and returns MAC2 -> CREDIT FOR LOAD on the card (TAC) ->
the TAC confirmed to the backend. Each phase is journaled before it runs, so a top-up
cut off anywhere is resolved from the journal after a restart; a confirm that got no
answer leaves the journal entry pending (the card already holds the money).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from kiosk.flow.ports import BackendUnreachableError, SubmissionReceipt, TopupRequest
from kiosk.flow.steps.base import StepContext
from kiosk_base.errors import UserFacingError

log = logging.getLogger(__name__)
R = TypeVar("R")


class CardTopup:
    """One top-up run; ``phase`` reports "initialising", "authorising"... to the step."""

    def __init__(
        self,
        context: StepContext,
        key: str,
        phase: Callable[[str], None],
        await_: Callable[..., Any],
    ) -> None:
        self.context = context
        self.key = key
        self._phase = phase
        self._await = await_

    def run(self) -> SubmissionReceipt:
        ports = self.context.ports
        card = ports.citizen_card
        payment = self.context.session.data.payment
        if card is None:
            raise UserFacingError("error.device.unavailable")
        if payment is None:
            raise UserFacingError("topup.not_paid")
        journal = ports.journal
        amount = payment.amount_fen

        self._phase("initialising")
        load = self._call(card.initialize_for_load(amount))
        journal.record(
            self.key,
            "topup_initialised",
            order_id=payment.order_id,
            amount_fen=amount,
            old_balance_fen=load.old_balance_fen,
            online_seq=load.online_seq.hex(),
        )

        self._phase("authorising")
        auth = self._call(
            ports.submissions.authorise_topup(TopupRequest(payment.order_id, amount, load)),
            backend=True,
        )
        journal.record(self.key, "topup_authorised", topup_id=auth.topup_id)

        self._phase("crediting")
        journal.record(self.key, "topup_crediting", topup_id=auth.topup_id)
        tac = self._call(card.credit_for_load(auth.mac2, auth.when))
        journal.record(self.key, "topup_credited", topup_id=auth.topup_id, tac=tac.hex())

        self._phase("confirming")
        try:
            self._call(ports.submissions.confirm_topup(auth.topup_id, tac), backend=True)
            journal.record(self.key, "topup_confirmed", topup_id=auth.topup_id)
        except BackendUnreachableError:
            # The card holds the money; the journal confirms the TAC when the backend returns.
            log.warning("top-up: confirm got no answer; left pending in the journal")
            journal.record(self.key, "topup_confirm_pending", topup_id=auth.topup_id)
        new_balance = load.old_balance_fen + amount
        return SubmissionReceipt(
            reference=auth.topup_id,
            lines=(
                ("topup.amount", _yuan(amount)),
                ("topup.balance", _yuan(new_balance)),
            ),
        )

    def _call(self, future: Future[R], *, backend: bool = False) -> R:
        result: R = self._await(future, backend=backend)
        return result


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"

"""The citizen-card top-up (圈存) of a submit step: two-phase load with the backend's MAC2.

INITIALIZE FOR LOAD on the card (balance, online sequence, random, MAC1) -> the backend
checks MAC1 and the paid order and returns MAC2 -> CREDIT FOR LOAD on the card (TAC) ->
the TAC confirmed to the backend. Each phase is committed to the purse ledger before it
runs (:class:`~kiosk.flow.purse_ports.LoadPhase`), so a top-up cut off anywhere is resolved:

* the card left (or anything failed) before CREDIT FOR LOAD was sent: the card cannot
  hold the money (its load session ended with the card's power), so the MAC2 is voided
  at the backend at once and the paid order is free: retry loads it anew (same order),
  leaving refunds it.
* CREDIT FOR LOAD was sent but its answer was lost (card pulled, reader fault): only the
  card knows. :class:`LoadUnresolved` is raised; on the card's next insert GET
  TRANSACTION PROOF for the load's online sequence answers it: the TAC (credited:
  confirmed to the backend) or nothing (never credited: voided, and loaded anew or
  refunded). See :mod:`kiosk.flow.purse_recovery` for the same after a restart.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from kiosk.flow.ports import BackendUnreachableError, FlowPorts, SubmissionReceipt
from kiosk.flow.purse_ports import (
    CARD_SESSION,
    LoadEntry,
    LoadInitialisation,
    LoadPhase,
    PurseLedgerPort,
    TopupRequest,
)
from kiosk.flow.steps.base import StepContext
from kiosk_base.errors import DeviceError, UserFacingError

log = logging.getLogger(__name__)
R = TypeVar("R")

_LABELS = {"amount": ("充值金额", "Top-up amount"), "balance": ("卡内余额", "Card balance")}


class LoadUnresolved(UserFacingError):
    """CREDIT FOR LOAD went out and its answer did not come back: the card may hold the
    money. Never refunded blindly; resolved from the card's own record."""

    def __init__(self, cause: BaseException | None = None) -> None:
        super().__init__("topup.card_unsure", cause=cause)


class MemoryPurseLedger:
    """A ledger in memory, for ports built without one (unit tests)."""

    def __init__(self) -> None:
        self.entries: dict[str, LoadEntry] = {}

    def record_load(self, entry: LoadEntry) -> None:
        self.entries[entry.order_id] = entry

    def open_loads(self) -> list[LoadEntry]:
        from kiosk.flow.purse_ports import LOAD_FINAL

        return [e for e in self.entries.values() if e.phase not in LOAD_FINAL]


_MEMORY_LEDGERS: dict[int, MemoryPurseLedger] = {}

_live_lock = threading.Lock()
#: Orders whose top-up a running flow still owns: the purse recovery leaves them alone.
_live_orders: set[str] = set()


def is_live(order_id: str) -> bool:
    with _live_lock:
        return order_id in _live_orders


def any_live() -> bool:
    """A flow is loading a card now (the reader's card is in a load session)."""
    with _live_lock:
        return bool(_live_orders)


def ledger_of(ports: FlowPorts) -> PurseLedgerPort:
    if ports.purse_ledger is not None:
        return ports.purse_ledger
    return _MEMORY_LEDGERS.setdefault(id(ports), MemoryPurseLedger())


def request_json(request: TopupRequest) -> str:
    """The MAC2 request as the ledger keeps it (no personal data: ids, amounts, MACs)."""
    load = request.load
    return json.dumps({
        "order_id": request.payment_order_id, "amount_fen": request.amount_fen,
        "card_serial": load.card_serial, "old_balance_fen": load.old_balance_fen,
        "online_seq": load.online_seq.hex(), "key_version": load.key_version,
        "algorithm_id": load.algorithm_id, "card_random": load.card_random.hex(),
        "mac1": load.mac1.hex(), "terminal_id": load.terminal_id.hex(),
    }, sort_keys=True)


def request_from_json(raw: str) -> TopupRequest:
    d = json.loads(raw)
    load = LoadInitialisation(
        card_serial=str(d["card_serial"]), old_balance_fen=int(d["old_balance_fen"]),
        online_seq=bytes.fromhex(d["online_seq"]), key_version=int(d["key_version"]),
        algorithm_id=int(d["algorithm_id"]), card_random=bytes.fromhex(d["card_random"]),
        mac1=bytes.fromhex(d["mac1"]), terminal_id=bytes.fromhex(d["terminal_id"]))
    return TopupRequest(str(d["order_id"]), int(d["amount_fen"]), load)


def _entry(request: TopupRequest, phase: LoadPhase, topup_id: str = "") -> LoadEntry:
    load = request.load
    return LoadEntry(order_id=request.payment_order_id, phase=phase,
                     card_serial=load.card_serial.upper(), amount_fen=request.amount_fen,
                     old_balance_fen=load.old_balance_fen,
                     online_seq=int.from_bytes(load.online_seq, "big"), topup_id=topup_id,
                     request_json=request_json(request))


class CardTopup:
    """One top-up run; ``phase`` reports "initialising", "authorising"... to the step.

    The object outlives a failed run: after :class:`LoadUnresolved`, ``run()`` again
    (the card back in) first asks the card what became of the load in doubt.
    """

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
        #: The load whose CREDIT FOR LOAD answer was lost, if any.
        self.unresolved: LoadEntry | None = None
        self._order_id = ""

    def release(self) -> None:
        """The flow is over: what is still open belongs to the purse recovery now."""
        with _live_lock:
            _live_orders.discard(self._order_id)

    def run(self) -> SubmissionReceipt:
        ports = self.context.ports
        card = ports.citizen_card
        payment = self.context.session.data.payment
        if card is None:
            raise UserFacingError("error.device.unavailable")
        if payment is None:
            raise UserFacingError("topup.not_paid")
        with _live_lock:
            _live_orders.add(payment.order_id)
            self._order_id = payment.order_id
        if self.unresolved is not None:
            self._phase("confirming")
            with CARD_SESSION:
                done = resolve_load(ports, self.unresolved, self._await, refund=False)
            if done is not None:
                self.unresolved = None
                return self._receipt(done.amount_fen, done.old_balance_fen + done.amount_fen,
                                     done.topup_id)
            self.unresolved = None  # never credited and voided: load anew below
        with CARD_SESSION:
            return self._load(payment.order_id, payment.amount_fen)

    def _load(self, order_id: str, amount: int) -> SubmissionReceipt:
        ports = self.context.ports
        card = ports.citizen_card
        assert card is not None
        ledger = ledger_of(ports)
        journal = ports.journal

        self._phase("initialising")
        load = self._call(card.initialize_for_load(amount))
        journal.record(self.key, "topup_initialised", order_id=order_id, amount_fen=amount,
                       old_balance_fen=load.old_balance_fen, online_seq=load.online_seq.hex())
        request = TopupRequest(order_id, amount, load)

        self._phase("authorising")
        ledger.record_load(_entry(request, LoadPhase.REQUESTED))
        try:
            auth = self._call(ports.submissions.authorise_topup(request), backend=True)
        except UserFacingError:
            self._void(request, "")
            raise
        ledger.record_load(_entry(request, LoadPhase.AUTHORISED, auth.topup_id))
        journal.record(self.key, "topup_authorised", topup_id=auth.topup_id)

        self._phase("crediting")
        crediting = _entry(request, LoadPhase.CREDITING, auth.topup_id)
        ledger.record_load(crediting)
        journal.record(self.key, "topup_crediting", topup_id=auth.topup_id)
        try:
            tac = self._call(card.credit_for_load(auth.mac2, auth.when))
        except (DeviceError, UserFacingError) as exc:
            if getattr(exc, "code", "") == "NO_LOAD":
                # The reader had dropped the load session (card left before): nothing sent.
                self._void(request, auth.topup_id)
                raise
            log.warning("top-up: no answer to CREDIT FOR LOAD; the card's record decides")
            self.unresolved = crediting
            raise LoadUnresolved(exc) from exc
        journal.record(self.key, "topup_credited", topup_id=auth.topup_id, tac=tac.hex())

        self._phase("confirming")
        new_balance = load.old_balance_fen + amount
        try:
            self._call(ports.submissions.confirm_topup(auth.topup_id, tac, new_balance),
                       backend=True)
        except BackendUnreachableError:
            # The card holds the money; its TAC is confirmed on the next resolution (the
            # card can give it again: GET TRANSACTION PROOF).
            log.warning("top-up: confirm got no answer; left for resolution")
            journal.record(self.key, "topup_confirm_pending", topup_id=auth.topup_id)
        else:
            ledger.record_load(_entry(request, LoadPhase.CONFIRMED, auth.topup_id))
            journal.record(self.key, "topup_confirmed", topup_id=auth.topup_id)
        return self._receipt(amount, new_balance, auth.topup_id)

    def _void(self, request: TopupRequest, topup_id: str) -> None:
        """Nothing reached the card: void the MAC2 (if any) so the order is free again."""
        ports = self.context.ports
        try:
            if not topup_id:
                topup_id = self._call(ports.submissions.authorise_topup(request),
                                      backend=True).topup_id
            self._call(ports.submissions.cancel_topup(topup_id), backend=True)
        except UserFacingError as exc:
            log.warning("top-up: could not void the load at the backend (%s); left for "
                        "resolution", exc.message_key)
            return
        ledger_of(ports).record_load(_entry(request, LoadPhase.CANCELLED, topup_id))

    def _receipt(self, amount: int, new_balance: int, topup_id: str) -> SubmissionReceipt:
        return SubmissionReceipt.bilingual(
            topup_id, lambda lang: ((_label("amount", lang), _yuan(amount)),
                                    (_label("balance", lang), _yuan(new_balance))),
            self.context.session.language)

    def _call(self, future: Future[R], *, backend: bool = False) -> R:
        result: R = self._await(future, backend=backend)
        return result


def resolve_load(ports: FlowPorts, entry: LoadEntry, await_: Callable[..., Any], *,
                 refund: bool) -> LoadEntry | None:
    """Settle one top-up left open, from the card's own record and the backend's.

    Returns the confirmed entry when the card was credited. When it was not (or CREDIT
    FOR LOAD was never sent), the MAC2 is voided and, with ``refund``, the order refunded;
    returns None. Raises (MediaError, UserFacingError) when the card or the backend
    cannot answer yet: the entry stays open.
    """
    ledger = ledger_of(ports)
    request = request_from_json(entry.request_json)
    topup_id = entry.topup_id
    if entry.phase is LoadPhase.REQUESTED and not topup_id:
        # The answer was lost: ask again with the same key and body (same answer).
        topup_id = await_(ports.submissions.authorise_topup(request), backend=True).topup_id
    tac: bytes | None = None
    if entry.phase is LoadPhase.CREDITING:
        card = ports.citizen_card
        if card is None:
            raise UserFacingError("error.device.unavailable")
        serial, tac = await_(card.load_proof(entry.online_seq))
        if serial.upper() != entry.card_serial.upper():
            raise UserFacingError("topup.other_card")
    if tac is not None:
        await_(ports.submissions.confirm_topup(topup_id, tac,
                                               entry.old_balance_fen + entry.amount_fen),
               backend=True)
        done = _entry(request, LoadPhase.CONFIRMED, topup_id)
        ledger.record_load(done)
        log.info("top-up %s: the card was credited; TAC confirmed", topup_id)
        return done
    await_(ports.submissions.cancel_topup(topup_id), backend=True)
    ledger.record_load(_entry(request, LoadPhase.CANCELLED, topup_id))
    log.info("top-up %s: the card was never credited; load voided", topup_id)
    if refund:
        await_(ports.payments.refund_payment(entry.order_id, "card not loaded"), backend=True)
        ledger.record_load(_entry(request, LoadPhase.REFUNDED, topup_id))
        log.info("top-up %s: order refunded", topup_id)
    return None


def _label(key: str, lang: str) -> str:
    zh, en = _LABELS[key]
    return en if lang == "en" else zh


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"

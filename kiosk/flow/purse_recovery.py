"""Settles citizen-card top-ups left open by a card pulled at the wrong moment or a
kiosk killed mid-load: at start-up, on every card insertion and now and then while idle.

For each open entry of the purse ledger that no running flow owns:

* MAC2 asked for (answer lost) or received, CREDIT FOR LOAD never sent: the card cannot
  hold the money (its load session died with its power), so the load is voided at the
  backend and the order refunded; no card needed.
* CREDIT FOR LOAD sent, answer unknown: only the card knows. When the card with that
  purse serial is in the reader, GET TRANSACTION PROOF for the load's online sequence
  answers: the TAC (the card was credited: confirmed to the backend, which checks the
  TAC) or nothing (never credited: voided and refunded). Another card, or none: wait.

Purse purchases (消费, :mod:`kiosk.flow.steps.purchase`) left open the same way:

* ``purchase_intent``: DEBIT FOR PURCHASE never went out: nothing charged.
* ``purchase_debiting``: only the card knows. With that card in the reader, GET
  TRANSACTION PROOF for the purchase's offline sequence answers: TAC + MAC2 (debited:
  the TAC is uploaded, the backend marks the order paid, and the order's journal entry
  goes to PAID so the reconciler delivers it, or refunds what cannot be delivered) or
  nothing (never debited: nothing charged).
* ``purchase_debited``: the TAC is uploaded (no card needed), then as above.

Refunds owed to the card in the reader (a purse-paid order refunded) are loaded back onto
it, and refund loads left open resolved, by :class:`kiosk.flow.purse_refund.RefundLoader`
on the same passes; ``kick()`` runs a pass at once (after a refund, the card may still
be in the reader).

Nothing is ever repeated blindly: every backend call is keyed and idempotent, and the
ledger phase is committed before each action.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from kiosk.flow.ports import FlowPorts
from kiosk.flow.purse_ports import (
    CARD_SESSION,
    PURCHASE_FINAL,
    LoadEntry,
    LoadPhase,
    PurchaseEntry,
    PurchasePhase,
    RefundCredited,
)
from kiosk.flow.purse_refund import RefundLoader
from kiosk.flow.steps import purchase
from kiosk.flow.steps.topup import any_live as topup_live
from kiosk.flow.steps.topup import is_live, ledger_of, resolve_load
from kiosk_base.errors import DeviceError, UserFacingError

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 30.0


def _await(future: Future[Any], *, backend: bool = False) -> Any:
    return future.result(timeout=CALL_TIMEOUT_S)


class PurseRecovery:
    """``start()`` runs a pass now, on each card insertion and every ``interval_s``."""

    def __init__(self, ports: FlowPorts, executor: Executor, *, interval_s: float = 60.0,
                 on_paid: Callable[[str], None] | None = None,
                 on_refund: Callable[[RefundCredited], None] | None = None) -> None:
        self.ports = ports
        #: Loads refunds owed to the card in the reader; ``on_refund`` tells the resident.
        self.refunds = RefundLoader(ports, _await, on_credited=on_refund)
        self._again = threading.Event()
        #: Set when the card in the reader should be asked for refunds owed to it (it
        #: was inserted, a refund was made); the idle passes only settle open loads.
        self._refund_check = threading.Event()
        #: The session's own read of an inserted card goes first (the login).
        self.insert_delay_s = 8.0
        #: Told the order id of a purchase found debited, so its delivery need not wait.
        self.on_paid = on_paid
        self.executor = executor
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        #: Outcomes of the passes so far ("confirmed", "refunded" per order), for tests.
        self.settled: dict[str, str] = {}

    def start(self) -> None:
        card = self.ports.citizen_card
        if card is not None:
            self._unsubscribe = card.subscribe_presence(self._on_presence)
        self._thread = threading.Thread(target=self._loop, name="purse-recovery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _on_presence(self, present: bool) -> None:
        if present:
            timer = threading.Timer(self.insert_delay_s, self.kick)
            timer.daemon = True
            timer.start()

    def kick(self) -> None:
        """A pass now (a refund was just made; a card was inserted)."""
        if self._stop.is_set():
            return
        self._refund_check.set()
        self._again.set()  # a pass under way runs once more
        try:
            self.executor.submit(self.run_once)
        except RuntimeError:
            log.debug("purse recovery: executor is shut down")

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.interval_s)

    def run_once(self) -> dict[str, str]:
        """One pass over the open top-ups; returns what it settled (order -> outcome)."""
        if not self._lock.acquire(blocking=False):
            return {}
        try:
            done: dict[str, str] = {}
            while True:
                self._again.clear()
                try:
                    done.update(self._pass())
                except Exception as exc:  # noqa: BLE001 - a pass fails, the next one runs
                    log.warning("purse recovery: pass failed (%s: %s)", type(exc).__name__, exc)
                if not self._again.is_set() or self._stop.is_set():
                    break
            self.settled.update(done)
            return done
        finally:
            self._lock.release()

    def _pass(self) -> dict[str, str]:
        """One pass: top-ups, purchases, then refunds owed to the card in the reader."""
        done: dict[str, str] = {}
        for entry in ledger_of(self.ports).open_loads():
            outcome = self._settle(entry)
            if outcome:
                done[entry.order_id] = outcome
        for bought in purchase.purchase_ledger(self.ports).open_purchases():
            outcome = self._settle_purchase(bought)
            if outcome:
                done[bought.order_id] = outcome
        # Never beside a flow's purchase or load: the card's session is theirs.
        busy = topup_live() or purchase.any_live() or not CARD_SESSION.acquire(blocking=False)
        if busy:
            return done
        check = self._refund_check.is_set()
        self._refund_check.clear()
        try:
            if not self._stop.is_set():
                for credited in self.refunds.run(read_card=check):
                    done[f"refund:{credited.refund_id}"] = "credited"
        except (UserFacingError, DeviceError, TimeoutError) as exc:
            reason = getattr(exc, "message_key", "") or type(exc).__name__
            log.info("purse recovery: refunds to the card still open (%s)", reason)
        finally:
            CARD_SESSION.release()
        return done

    def _settle(self, entry: LoadEntry) -> str:
        if self._stop.is_set() or is_live(entry.order_id):
            return ""
        card = self.ports.citizen_card
        if entry.phase is LoadPhase.CREDITING and (card is None or not card.card_present):
            return ""  # only the card can tell: wait for its next insert
        if not CARD_SESSION.acquire(timeout=CALL_TIMEOUT_S):
            return ""  # a flow holds the card: the next pass
        try:
            confirmed = resolve_load(self.ports, entry, _await, refund=True)
        except (UserFacingError, DeviceError, TimeoutError) as exc:
            reason = getattr(exc, "message_key", "") or type(exc).__name__
            log.info("purse recovery: top-up of order %s still open (%s)", entry.order_id,
                     reason)
            return ""
        finally:
            CARD_SESSION.release()
        outcome = "confirmed" if confirmed is not None else "refunded"
        log.info("purse recovery: top-up of order %s %s", entry.order_id, outcome)
        return outcome

    def _settle_purchase(self, entry: PurchaseEntry) -> str:
        if self._stop.is_set() or purchase.is_live(entry.key):
            return ""
        card = self.ports.card_purse
        if entry.phase is PurchasePhase.DEBITING and (card is None or not card.card_present):
            return ""  # only the card can tell: wait for its next insert
        if not CARD_SESSION.acquire(timeout=CALL_TIMEOUT_S):
            return ""  # a flow holds the card: the next pass
        try:
            # Read again under the card's lock: a flow may have settled it meanwhile.
            fresh = purchase.current_purchase(purchase.purchase_ledger(self.ports), entry)
            if fresh is None or fresh.phase in PURCHASE_FINAL:
                return ""
            done = purchase.resolve_purchase(self.ports, fresh, _await)
        except (UserFacingError, DeviceError, TimeoutError) as exc:
            reason = getattr(exc, "message_key", "") or type(exc).__name__
            log.info("purse recovery: purchase %s still open (%s)", entry.key, reason)
            return ""
        finally:
            CARD_SESSION.release()
        if done is None:
            log.info("purse recovery: purchase %s was never debited; nothing charged",
                     entry.key)
            return "not_charged"
        # The order is paid now: its journal entry says so, and the reconciler delivers
        # it (a bill settlement, keyed by the order) or refunds it.
        self.ports.journal.record(entry.order_id, "paid", order_id=entry.order_id)
        log.info("purse recovery: purchase %s was debited; TAC recorded", entry.key)
        if self.on_paid is not None:
            self.on_paid(entry.order_id)
        return "recorded"


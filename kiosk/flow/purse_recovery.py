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

Nothing is ever repeated blindly: every backend call is keyed and idempotent, and the
ledger phase is committed before each action.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from drivers.errors import DeviceError, UserFacingError
from kiosk.flow.ports import FlowPorts, LoadEntry, LoadPhase
from kiosk.flow.steps.topup import is_live, ledger_of, resolve_load

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 30.0


def _await(future: Future[Any], *, backend: bool = False) -> Any:
    return future.result(timeout=CALL_TIMEOUT_S)


class PurseRecovery:
    """``start()`` runs a pass now, on each card insertion and every ``interval_s``."""

    def __init__(self, ports: FlowPorts, executor: Executor, *, interval_s: float = 60.0) -> None:
        self.ports = ports
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
        if present and not self._stop.is_set():
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
            for entry in ledger_of(self.ports).open_loads():
                outcome = self._settle(entry)
                if outcome:
                    done[entry.order_id] = outcome
            self.settled.update(done)
            return done
        finally:
            self._lock.release()

    def _settle(self, entry: LoadEntry) -> str:
        if self._stop.is_set() or is_live(entry.order_id):
            return ""
        card = self.ports.citizen_card
        if entry.phase is LoadPhase.CREDITING and (card is None or not card.card_present):
            return ""  # only the card can tell: wait for its next insert
        try:
            confirmed = resolve_load(self.ports, entry, _await, refund=True)
        except (UserFacingError, DeviceError, TimeoutError) as exc:
            reason = getattr(exc, "message_key", "") or type(exc).__name__
            log.info("purse recovery: top-up of order %s still open (%s)", entry.order_id,
                     reason)
            return ""
        outcome = "confirmed" if confirmed is not None else "refunded"
        log.info("purse recovery: top-up of order %s %s", entry.order_id, outcome)
        return outcome

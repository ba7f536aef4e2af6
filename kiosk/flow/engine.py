"""The flow engine: runs one service definition for one session, step by step, headless.

The UI renders ``engine.controller`` (the current step's controller) and calls its
actions, plus :meth:`FlowEngine.back` and :meth:`FlowEngine.cancel`. The engine moves
on by itself when the current step reports done. Listeners get a :class:`FlowChange`
on every change, on whatever thread caused it (a step's worker, a card reader's
monitor); a Qt view re-emits it into the UI thread.

Points of no return: a step that took money or submitted something (``committed``)
cannot be gone back past. Cancel works at every step: an open payment order is closed
(CANCELLING until the close is confirmed or journaled), and money taken for a service
that was not delivered is refunded. When the service needs the citizen card (a
top-up), taking the card out ends the flow (CARD_REMOVED).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from enum import Enum
from typing import Any

from backend_client.service_definition import ServiceDefinition, Step, SubmitStep
from kiosk.flow.clock import Clock, SystemClock
from kiosk.flow.ports import FlowPorts
from kiosk.flow.steps import FlowSettings, StepContext, StepController, controller_for
from kiosk.flow.steps.pay import PayController, PayState
from kiosk.flow.steps.printing import PrintController, PrintState
from kiosk.flow.steps.submit import SubmitController, SubmitState
from kiosk.session import Session

log = logging.getLogger(__name__)


class FlowState(Enum):
    READY = "ready"
    RUNNING = "running"
    #: Cancelled; an open payment order is being closed or a payment refunded.
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    #: The citizen card the service needs was taken out; the flow ended.
    CARD_REMOVED = "card_removed"
    COMPLETED = "completed"
    WIPED = "wiped"


ENDED = frozenset(
    {FlowState.CANCELLED, FlowState.CARD_REMOVED, FlowState.COMPLETED, FlowState.WIPED}
)

_TOPUP_UNSURE = frozenset({SubmitState.TOPUP_CREDITING, SubmitState.TOPUP_CONFIRMING,
                           SubmitState.TOPUP_UNRESOLVED})


@dataclass(frozen=True)
class FlowChange:
    """What a listener is told: the engine's state and the current step's state."""

    state: FlowState
    step_index: int
    step_type: str
    step_state: str


FlowListener = Callable[[FlowChange], None]


class FlowEngine:
    """Runs ``service`` for ``session``; see the module docstring."""

    def __init__(
        self,
        service: ServiceDefinition,
        session: Session,
        ports: FlowPorts,
        executor: Executor,
        *,
        clock: Clock | None = None,
        settings: FlowSettings | None = None,
    ) -> None:
        self.service = service
        self.session = session
        self.context = StepContext(
            service=service,
            session=session,
            ports=ports,
            executor=executor,
            clock=clock or SystemClock(),
            settings=settings or FlowSettings(),
        )
        self._state = FlowState.READY
        self._index = 0
        self._controllers: dict[int, StepController[Any]] = {}
        self._listeners: list[FlowListener] = []
        self._lock = threading.RLock()
        self._ending = FlowState.CANCELLED
        self._card_removed_pending = False
        self._unsubscribe_card: Callable[[], None] | None = None

    # -- what the UI reads -----------------------------------------------------------

    @property
    def state(self) -> FlowState:
        return self._state

    @property
    def step_index(self) -> int:
        return self._index

    @property
    def step(self) -> Step:
        return self.service.steps[self._index]

    @property
    def controller(self) -> StepController[Any]:
        """The current step's controller (created when the step is first reached)."""
        with self._lock:
            if self._index not in self._controllers:
                controller = controller_for(self.step, self.context)
                controller.subscribe(self._on_step_change)
                self._controllers[self._index] = controller
            return self._controllers[self._index]

    @property
    def can_go_back(self) -> bool:
        with self._lock:
            if self._state is not FlowState.RUNNING:
                return False
            if self._index == 0:
                return True  # back from the first step leaves the service
            return not any(
                c.committed for i, c in self._controllers.items() if i >= self._index - 1
            )

    @property
    def busy(self) -> bool:
        """The resident waits on the flow (a step's work, or closing an order on cancel)."""
        if self._state is FlowState.CANCELLING:
            return True
        if self._state is not FlowState.RUNNING:
            return False
        return self.controller.busy

    @property
    def documents_not_printed(self) -> bool:
        """A receipt or certificate failed to print and the resident went on without it."""
        return any(
            isinstance(c, PrintController) and c.state is PrintState.NOT_PRINTED
            for c in self._controllers.values()
        )

    @property
    def needs_card(self) -> bool:
        """Taking the citizen card out now ends the flow (the service loads it later)."""
        with self._lock:
            if self._state is not FlowState.RUNNING or self._index == 0:
                return False
            for index, step in enumerate(self.service.steps):
                if isinstance(step, SubmitStep) and step.action == "card_topup":
                    done = self._controllers.get(index)
                    return self._index <= index and not (done and done.done)
            return False

    def subscribe(self, listener: FlowListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- what the UI does ------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._state is not FlowState.READY:
                return
            card = self.context.ports.citizen_card
            if card is not None and any(
                isinstance(s, SubmitStep) and s.action == "card_topup" for s in self.service.steps
            ):
                self._unsubscribe_card = card.subscribe_presence(self._on_card_presence)
            self._set_state(FlowState.RUNNING)
            self.controller.start()

    def back(self) -> bool:
        """One step back; from the first step this leaves the service (cancel)."""
        with self._lock:
            if not self.can_go_back:
                return False
            if self._index == 0 or (self._index == 1 and self._identified_before()):
                # Back past identification leaves the service: identifying again would
                # only bring the resident straight back here.
                self.cancel()
                return True
            current = self.controller
            current.cancel()
            self._index -= 1
            log.info("flow %s: back to step %d (%s)", self.service.id, self._index, self.step.type)
            self._notify()
            self.controller.start()
            return True

    def _identified_before(self) -> bool:
        first = self.service.steps[0]
        person = self.session.person
        return person is not None and first.type == "identify" and person.source in getattr(
            first, "methods", ())

    def cancel(self) -> None:
        """Leave the service at any step; an open order is closed, a payment refunded."""
        self._end(FlowState.CANCELLED)

    def wipe(self) -> None:
        """Forget everything of this flow (the session is wiped by its owner)."""
        with self._lock:
            if self._unsubscribe_card is not None:
                self._unsubscribe_card()
                self._unsubscribe_card = None
            for controller in self._controllers.values():
                controller.cancel()
                controller.wipe()
            self._controllers.clear()
            self._set_state(FlowState.WIPED)
            self._listeners.clear()

    # -- internals -------------------------------------------------------------------

    def _end(self, ending: FlowState) -> None:
        with self._lock:
            if self._state not in (FlowState.RUNNING, FlowState.READY):
                return
            self._ending = ending
            self._set_state(FlowState.CANCELLING)
            for controller in self._controllers.values():
                controller.cancel()
            self._refund_if_undelivered()
            self._settle()

    def _refund_if_undelivered(self) -> None:
        pay = next((c for c in self._controllers.values() if isinstance(c, PayController)), None)
        if pay is None or pay.state is not PayState.PAID:
            return
        submits = [c for c in self._controllers.values() if isinstance(c, SubmitController)]
        if any(c.committed for c in submits):
            return  # delivered: cancelling now only skips the printouts
        if any(c.state in _TOPUP_UNSURE for c in submits):
            # The card may hold the money already: the journal resolves it, not a refund.
            self.context.ports.journal.record(
                pay.idempotency_key or "", "refund_held_for_review"
            )
            log.warning("flow %s: payment kept for journal review (top-up unsure)",
                        self.service.id)
            return
        pay.refund("cancelled")

    def _settle(self) -> None:
        if self._state is FlowState.CANCELLING and not any(
            isinstance(c, PayController) and c.settling for c in self._controllers.values()
        ):
            self._set_state(self._ending)

    def _on_step_change(self, controller: StepController[Any]) -> None:
        with self._lock:
            if self._state is FlowState.CANCELLING:
                self._settle()
                return
            if self._state is not FlowState.RUNNING:
                return
            if controller is not self._controllers.get(self._index):
                return
            self._notify()
            if self._card_removed_pending and (controller.done or controller.error is not None):
                self._card_removed_pending = False
                if not controller.done:
                    self._end(FlowState.CARD_REMOVED)
                    return
            if controller.done:
                self._advance()

    def _advance(self) -> None:
        if self._index + 1 >= len(self.service.steps):
            log.info("flow %s: all %d steps done", self.service.id, len(self.service.steps))
            self._set_state(FlowState.COMPLETED)
            return
        self._index += 1
        log.info("flow %s: step %d (%s)", self.service.id, self._index, self.step.type)
        self._notify()
        self.controller.start()

    def _on_card_presence(self, present: bool) -> None:
        if present:
            return
        with self._lock:
            if not self.needs_card:
                return
            current = self._controllers.get(self._index)
            if current is not None and current.needs_card and current.state not in (
                SubmitState.READY,
                SubmitState.FAILED,
                SubmitState.TOPUP_UNRESOLVED,
            ):
                # A load is running on the card: the step sees the removal itself.
                self._card_removed_pending = True
                return
            log.info("flow %s: citizen card taken out; ending", self.service.id)
            self._end(FlowState.CARD_REMOVED)

    def _set_state(self, new: FlowState) -> None:
        """The one place the engine's state changes; logs old -> new and notifies."""
        with self._lock:
            old, self._state = self._state, new
        if old is not new:
            log.info("flow %s: %s -> %s", self.service.id, old.name, new.name)
            self._notify()

    def _notify(self) -> None:
        controller = self._controllers.get(self._index)
        change = FlowChange(
            state=self._state,
            step_index=self._index,
            step_type=self.step.type,
            step_state=controller.state.name if controller is not None else "",
        )
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:
                log.exception("flow %s: listener failed", self.service.id)

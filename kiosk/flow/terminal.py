"""The terminal's own lifecycle, headless: attract -> identifying -> menu -> checking ->
in service -> result -> goodbye -> attract, with out of service and staff beside them.

:class:`Terminal` owns the session (start and end), the idle policy (a busy step holds
the idle timer; each step controller says whether it is busy), card presence (a card
still in a reader when a session ends must be taken out before the next session can
start; kiosk/flow/card_watch.py), the eligibility check before a service costs the
resident any effort (kiosk/flow/eligibility.py), the out-of-service decision and the
catalog and health polling (kiosk/flow/backend_watch.py). The Qt controller only maps
:attr:`Terminal.state` to a screen and forwards taps.

Every method runs on one thread (the UI thread in the app, the test's thread in tests);
work that waits on the backend runs on the executor and comes back through ``post``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import Literal

from backend_client.service_definition import Catalog, ServiceDefinition
from drivers.status import DeviceStatus
from kiosk.flow.availability import unavailable_services, usable
from kiosk.flow.backend_watch import BackendWatch, Post, TerminalBackend
from kiosk.flow.card_watch import CardWatch, refresh_purse_balance
from kiosk.flow.clock import Clock
from kiosk.flow.eligibility import EligibilityCheck
from kiosk.flow.engine import ENDED, FlowEngine, FlowState
from kiosk.flow.ports import Eligibility, FlowPorts, IdentifyMethod
from kiosk.flow.terminal_state import (
    LOGIN,
    SESSION_STATES,
    Outcome,
    TerminalSettings,
    TerminalState,
)
from kiosk.session import CollectedData, IdleState, IdleTimer, Session

log = logging.getLogger(__name__)

TerminalListener = Callable[["Terminal"], None]
__all__ = ["LOGIN", "SESSION_STATES", "Outcome", "Post", "Terminal", "TerminalBackend",
           "TerminalSettings", "TerminalState"]


class Terminal:
    """See the module docstring."""

    def __init__(self, ports: FlowPorts, executor: Executor, clock: Clock, post: Post, *,
                 settings: TerminalSettings, backend: TerminalBackend | None,
                 statuses: Callable[[], Mapping[str, DeviceStatus]],
                 devices_opened: Callable[[], bool] = lambda: True,
                 temp_root: Path | None = None,
                 forget_person: Callable[[], None] = lambda: None) -> None:
        self.ports = ports
        self.executor = executor
        self.clock = clock
        self.post = post
        self.settings = settings
        self.backend = backend
        self.statuses = statuses
        self.devices_opened = devices_opened
        self.temp_root = temp_root
        self.forget_person = forget_person
        self._state = TerminalState.STARTING
        self.language: Literal["zh", "en"] = settings.language
        self.session: Session | None = None
        self.engine: FlowEngine | None = None
        self.watch = BackendWatch(backend, executor, clock, post,
                                  interval_s=settings.health_interval_s,
                                  on_catalog=self._notify, on_health=self._evaluate)
        self.eligibility = EligibilityCheck(ports.eligibility, post)
        self.cards = CardWatch(ports, post, self.card_presence)
        #: False until the payment journal's start-up reconciliation is done (paid
        #: services wait for it; set by the view from the payments keeper).
        self.payments_ready: Callable[[], bool] = lambda: True
        self.oos_reasons: tuple[str, ...] = ()
        self.outcome: Outcome | None = None
        self.idle = IdleTimer(clock.monotonic, timeout_s=settings.idle_s,
                              countdown_s=settings.countdown_s)
        self._goodbye_until = 0.0
        self._stopped = False
        self._listeners: list[TerminalListener] = []

    # -- what the view reads ---------------------------------------------------------

    @property
    def state(self) -> TerminalState:
        return self._state

    @property
    def catalog(self) -> Catalog | None:
        return self.watch.catalog

    @property
    def catalog_error(self) -> str:
        return self.watch.catalog_error

    @property
    def backend_online(self) -> bool:
        return self.watch.online

    @property
    def cards_left(self) -> set[IdentifyMethod]:
        """Cards that must be taken out of a reader before a session can start."""
        return self.cards.left

    @property
    def cards_found(self) -> bool:
        """The cards left were in a reader when the terminal reached attract (not left
        by a session that ended): the goodbye screen says so."""
        return self.cards.found

    @property
    def cameras_free(self) -> bool:
        """No step can be using a camera now (a status check may grab a frame)."""
        return self._state not in (TerminalState.IDENTIFYING, TerminalState.CHECKING,
                                   TerminalState.IN_SERVICE)

    @property
    def busy(self) -> bool:
        """The resident waits on the kiosk, the backend or their phone: no idle timeout."""
        if self._state is TerminalState.CHECKING:
            return True
        engine = self.engine
        return engine is not None and engine.busy

    def unavailable(self) -> dict[str, str]:
        """Service id -> the message key of why it cannot run now."""
        if self.catalog is None:
            return {}
        return unavailable_services(self.catalog, self.statuses(), self.backend_online,
                                    payments_ready=self.payments_ready())

    def presence_known(self) -> bool:
        """Every working reader knows whether a card is in it (so a card put in from now
        on is told apart from one that was there before)."""
        self.cards.observe()
        statuses = self.statuses()
        return all(known or not usable(role, statuses)
                   for role, known in self.cards.known())

    def subscribe(self, listener: TerminalListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self.watch.start()
        self.cards.observe()
        self._evaluate()
        if self._state is TerminalState.STARTING:
            self._to_attract()

    def stop(self) -> None:
        """The app quits: end the session, ignore devices from now on."""
        self._stopped = True
        self.cards.stop()
        if self.session is not None:
            self._close_session()

    def start_session(self) -> bool:
        """A resident starts (taps start or inserts a card at the attract screen)."""
        if self._state is not TerminalState.ATTRACT or self.cards_left or self.oos_reasons:
            return False
        self.session = Session(self.language, temp_root=self.temp_root)
        self.idle.restart()
        self._set_state(TerminalState.IDENTIFYING)
        self._run_flow(LOGIN)
        if self.catalog is None:
            self.watch.load_catalog()
        return True

    def choose_service(self, service_id: str) -> None:
        """A service tapped in the menu: ask the backend first whether the person may."""
        if self._state is not TerminalState.MENU or self.catalog is None:
            return
        service = next((s for s in self.catalog.services if s.id == service_id), None)
        if service is None:
            return
        reason = self.unavailable().get(service_id)
        if reason:
            log.warning("service %s chosen while unavailable: %s", service_id, reason)
            return
        session = self.session
        if session is None or session.person is None or not self.eligibility.available:
            self._begin_service(service)
            return
        self._set_state(TerminalState.CHECKING)
        self.eligibility.ask(service, session.person, self._eligibility_answer)

    def back_to_menu(self) -> None:
        if self.session is None:
            return
        self._drop_engine()
        self.outcome = None
        self._set_state(TerminalState.MENU)

    def step_back(self) -> None:
        if self.engine is not None:
            self.engine.back()

    def step_cancel(self) -> None:
        if self.engine is not None:
            self.engine.cancel()

    def end_session(self) -> None:
        """Wipe everything of the session and say goodbye (card left: ask for it)."""
        if self.session is None:
            return
        self._close_session()
        self.cards.session_ended()
        self._goodbye_until = self.clock.monotonic() + self.settings.goodbye_s
        self._set_state(TerminalState.GOODBYE)

    def touch(self) -> None:
        self.idle.touch()

    def extend(self) -> None:
        self.idle.extend()

    def set_language(self, lang: Literal["zh", "en"]) -> None:
        self.language = lang
        if self.session is not None:
            self.session.language = lang
        self._notify()

    # -- staff -----------------------------------------------------------------------

    def enter_staff(self) -> None:
        if self._state is TerminalState.STAFF:
            return
        if self.session is not None:
            self._close_session()
        self.idle.restart()
        self._set_state(TerminalState.STAFF)

    def leave_staff(self) -> None:
        if self._state is TerminalState.STAFF:
            self._to_idle_screen()

    # -- time ------------------------------------------------------------------------

    def tick(self) -> None:
        """Called a few times a second: idle policy, goodbye, health polling."""
        if self._stopped:
            return
        now = self.clock.monotonic()
        self.watch.tick()
        self.cards.observe()
        state = self._state
        if state is TerminalState.GOODBYE:
            if now >= self._goodbye_until and not self.cards_left:
                self._to_idle_screen()
            return
        if state not in SESSION_STATES and state is not TerminalState.STAFF:
            return
        if self.busy:
            self.idle.hold("busy")
        else:
            self.idle.release("busy")
        before = self.idle.state
        if self.idle.tick() is IdleState.EXPIRED:
            log.info("terminal idle in %s", state.value)
            if state is TerminalState.STAFF:
                self._to_idle_screen()
            else:
                self.end_session()
        elif self.idle.state is not before:
            self._notify()

    # -- the flow --------------------------------------------------------------------

    def flow_changed(self, engine: FlowEngine) -> None:
        """The engine moved (called on this thread, posted from the engine's listener)."""
        if engine is not self.engine or self.session is None:
            return
        state = engine.state
        if state is FlowState.COMPLETED:
            self._completed(engine)
        elif state is FlowState.CARD_REMOVED:
            self.end_session()
        elif state is FlowState.CANCELLED and engine.refund is not None \
                and engine.service.id != LOGIN.id:
            pay = engine.refund  # cancelled after paying: the resident sees the refund
            self.outcome = Outcome(engine.service, self.session.data,
                                   refund=pay.state.value, refund_fen=pay.amount_fen)
            self._drop_engine()
            self._set_state(TerminalState.RESULT)
        elif state is FlowState.CANCELLED:
            if engine.service.id == LOGIN.id:
                self.end_session()
            else:
                self.back_to_menu()
        else:
            self._notify()

    def _begin_service(self, service: ServiceDefinition) -> None:
        assert self.session is not None
        self.outcome = None
        self.session.begin_service()
        self._set_state(TerminalState.IN_SERVICE)
        self._run_flow(service)

    def _eligibility_answer(self, service: ServiceDefinition,
                            answer: Eligibility | None) -> None:
        if self._state is not TerminalState.CHECKING:
            return
        if answer is None or answer.eligible:
            # Not known: the service's own steps meet the backend again and say so there.
            self._begin_service(service)
            return
        self.outcome = Outcome(service, CollectedData(), refusal=answer)
        self._set_state(TerminalState.RESULT)

    def _run_flow(self, service: ServiceDefinition) -> None:
        assert self.session is not None
        self._drop_engine()
        engine = FlowEngine(service, self.session, self.ports, self.executor,
                            clock=self.clock, settings=self.settings.flow)
        self.engine = engine
        engine.subscribe(lambda _change: self.post(lambda: self.flow_changed(engine)))
        log.info("service %s started", service.id)
        if self.ports.a4_printer is not None and any(
                step.type == "print_certificate" for step in service.steps):
            self.ports.a4_printer.prepare()
        engine.start()
        self.flow_changed(engine)

    def _completed(self, engine: FlowEngine) -> None:
        assert self.session is not None
        if engine.service.id == LOGIN.id:
            self._drop_engine()
            self._set_state(TerminalState.MENU)
            return
        self.outcome = Outcome(engine.service, self.session.data,
                               not_printed=engine.documents_not_printed)
        self._drop_engine()
        self._set_state(TerminalState.RESULT)
        refresh_purse_balance(self.ports, self.session, self.post, self._notify)

    def purse_changed(self) -> None:
        """Money went onto the card outside a service (a refund loaded back): the balance
        shown is read again."""
        if self.session is not None:
            refresh_purse_balance(self.ports, self.session, self.post, self._notify)

    def _drop_engine(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            if engine.state not in ENDED:
                engine.cancel()
            engine.wipe()

    def _close_session(self) -> None:
        self._drop_engine()
        self.eligibility.withdraw()
        self.outcome = None
        session, self.session = self.session, None
        if session is not None:
            session.wipe()
        self.forget_person()
        # The language stays until attract: goodbye ("take your card") speaks to the
        # resident who is still there, in the language they chose.

    # -- cards -----------------------------------------------------------------------

    def card_presence(self, method: IdentifyMethod, present: bool) -> None:
        """A card arrived or left (on this thread)."""
        if self._stopped:
            return
        if not present:
            if self.cards.removed(method):
                self._notify()
                self.tick()
            return
        fresh = self.cards.inserted(method)
        if self._state is not TerminalState.ATTRACT:
            return
        if fresh:
            self.start_session()
        elif self.cards.find_left(method):
            self._goodbye_until = self.clock.monotonic()
            self._set_state(TerminalState.GOODBYE)

    # -- out of service ----------------------------------------------------------------

    def device_changed(self) -> None:
        if not self._stopped:
            self.cards.observe()
            self._evaluate()

    def _evaluate(self) -> None:
        reasons: list[str] = []
        if not self.backend_online:
            reasons.append("oos.reason.backend")
        elif self.watch.clock_out_of_window:
            reasons.append("oos.reason.clock")  # signed calls would be refused (trust)
        statuses = self.statuses()
        if not any(usable(role, statuses) for role in ("id_card_reader", "card_reader")) \
                and self.devices_opened():
            reasons.append("oos.reason.no_reader")
        self.oos_reasons = tuple(reasons)
        if reasons and self._state in (TerminalState.ATTRACT, TerminalState.STARTING):
            self._set_state(TerminalState.OUT_OF_SERVICE)
        elif not reasons and self._state is TerminalState.OUT_OF_SERVICE:
            self._to_attract()
        else:
            self._notify()

    def _to_idle_screen(self) -> None:
        self._evaluate()
        if self._state is not TerminalState.OUT_OF_SERVICE:
            if self.oos_reasons:
                self._set_state(TerminalState.OUT_OF_SERVICE)
            else:
                self._to_attract()

    def _to_attract(self) -> None:
        """Attract, unless a card that started no session is in a reader: ask for it."""
        if self.cards.find_left():
            self._goodbye_until = self.clock.monotonic()
            self._set_state(TerminalState.GOODBYE)
        else:
            self._set_state(TerminalState.ATTRACT)

    # -- the one setter ----------------------------------------------------------------

    def _set_state(self, new: TerminalState) -> None:
        """The one place the terminal's state changes; logs old -> new and notifies."""
        old, self._state = self._state, new
        if new in (TerminalState.ATTRACT, TerminalState.OUT_OF_SERVICE) and self.session is None:
            self.language = self.settings.language  # the next resident starts in the default
        if old is not new:
            log.info("terminal: %s -> %s", old.value, new.value)
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:
                log.exception("terminal listener failed")

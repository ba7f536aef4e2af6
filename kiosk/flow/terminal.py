"""The terminal's own lifecycle, headless: attract -> identifying -> menu -> checking ->
in service -> result -> goodbye -> attract, with out of service and staff beside them.

:class:`Terminal` owns the session (start and end), the idle policy (a busy step holds
the idle timer; each step controller says whether it is busy), card presence (a card
still in a reader when a session ends must be taken out before the next session can
start), the eligibility check before a service costs the resident any effort, the
out-of-service decision and the catalog and health polling. The Qt controller only maps
:attr:`Terminal.state` to a screen and forwards taps.

Every method runs on one thread (the UI thread in the app, the test's thread in tests);
work that waits on the backend runs on the executor and comes back through ``post``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol

from backend_client.service_definition import Catalog, IdentifyStep, LocalText, ServiceDefinition
from drivers.status import DeviceStatus
from kiosk.flow.availability import unavailability, usable
from kiosk.flow.clock import Clock
from kiosk.flow.engine import ENDED, FlowEngine, FlowState
from kiosk.flow.ports import CardPresencePort, Eligibility, FlowPorts, IdentifyMethod
from kiosk.flow.steps import FlowSettings
from kiosk.session import CollectedData, IdleState, IdleTimer, Session

log = logging.getLogger(__name__)

LOGIN = ServiceDefinition(
    id="login", topic="login", title=LocalText(zh="身份认证", en="Identification"),
    description=LocalText(zh="身份认证", en="Identification"),
    steps=(IdentifyStep(type="identify"),),
)


class TerminalState(Enum):
    STARTING = "starting"
    ATTRACT = "attract"
    #: The session's login: an ID card, a citizen card or the app's QR code.
    IDENTIFYING = "identifying"
    MENU = "menu"
    #: A service was chosen; the backend says whether the person may use it.
    CHECKING = "checking"
    IN_SERVICE = "in_service"
    RESULT = "result"
    #: The session ended; a card left in a reader keeps the terminal here.
    GOODBYE = "goodbye"
    OUT_OF_SERVICE = "out_of_service"
    STAFF = "staff"


#: States in which a resident's session exists.
SESSION_STATES = frozenset({TerminalState.IDENTIFYING, TerminalState.MENU,
                            TerminalState.CHECKING, TerminalState.IN_SERVICE,
                            TerminalState.RESULT})


class TerminalBackend(Protocol):
    def catalog(self) -> Catalog: ...

    def health(self) -> object: ...


@dataclass(frozen=True)
class TerminalSettings:
    language: Literal["zh", "en"] = "zh"
    idle_s: float = 60.0
    countdown_s: float = 15.0
    goodbye_s: float = 5.0
    health_interval_s: float = 5.0
    flow: FlowSettings = field(default_factory=FlowSettings)


@dataclass(frozen=True)
class Outcome:
    """What the result screen shows: the service and what it produced, or why not."""

    service: ServiceDefinition
    data: CollectedData
    not_printed: bool = False
    #: Not eligible: the backend's reason (in both languages), nothing was done.
    refusal: Eligibility | None = None


TerminalListener = Callable[["Terminal"], None]
Post = Callable[[Callable[[], None]], None]


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
        self.catalog: Catalog | None = None
        self.catalog_error = ""
        self.backend_online = True
        self.oos_reasons: tuple[str, ...] = ()
        self.outcome: Outcome | None = None
        #: Cards that were in a reader when the last session ended and are still there.
        self.cards_left: set[IdentifyMethod] = set()
        self.idle = IdleTimer(clock.monotonic, timeout_s=settings.idle_s,
                              countdown_s=settings.countdown_s)
        self._goodbye_until = 0.0
        self._next_health = 0.0
        self._checking: ServiceDefinition | None = None
        self._stopped = False
        self._listeners: list[TerminalListener] = []
        self._unsubscribe: list[Callable[[], None]] = []
        for method, reader in self._readers():
            self._unsubscribe.append(reader.subscribe_presence(self._presence_listener(method)))

    # -- what the view reads ---------------------------------------------------------

    @property
    def state(self) -> TerminalState:
        return self._state

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
        statuses = self.statuses()
        reasons: dict[str, str] = {}
        for service in self.catalog.services:
            reason = unavailability(service, statuses, self.backend_online)
            if reason is not None:
                reasons[service.id] = reason.message_key
        return reasons

    def subscribe(self, listener: TerminalListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self._load_catalog()
        self._next_health = self.clock.monotonic() + self.settings.health_interval_s
        self._evaluate()
        if self._state is TerminalState.STARTING:
            self._set_state(TerminalState.ATTRACT)

    def stop(self) -> None:
        """The app quits: end the session, ignore devices from now on."""
        self._stopped = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
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
            self._load_catalog()
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
        check = self.ports.eligibility
        if session is None or session.person is None or check is None:
            self._begin_service(service)
            return
        self._checking = service
        self._set_state(TerminalState.CHECKING)
        future = check.eligibility(service.id, session.person)
        future.add_done_callback(lambda f: self.post(lambda: self._eligibility_done(service, f)))

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
        self.cards_left = {m for m, reader in self._readers() if reader.card_present}
        if self.cards_left:
            log.info("session ended with a card in the reader: %s", sorted(self.cards_left))
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
        if now >= self._next_health:
            self._next_health = now + self.settings.health_interval_s
            self._check_health()
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

    def _eligibility_done(self, service: ServiceDefinition, future: Future[Eligibility]) -> None:
        if self._state is not TerminalState.CHECKING or self._checking is not service:
            return
        self._checking = None
        exc = future.exception()
        if exc is not None:
            # The service's own steps meet the backend again and report a failure there.
            log.warning("eligibility of %s not known: %s", service.id, exc)
            self._begin_service(service)
            return
        answer = future.result()
        if answer.eligible:
            self._begin_service(service)
            return
        log.info("service %s: not eligible (%s)", service.id, answer.reason)
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

    def _drop_engine(self) -> None:
        engine, self.engine = self.engine, None
        if engine is not None:
            if engine.state not in ENDED:
                engine.cancel()
            engine.wipe()

    def _close_session(self) -> None:
        self._drop_engine()
        self._checking = None
        self.outcome = None
        session, self.session = self.session, None
        if session is not None:
            session.wipe()
        self.forget_person()
        self.language = self.settings.language

    # -- cards -----------------------------------------------------------------------

    def _readers(self) -> list[tuple[IdentifyMethod, CardPresencePort]]:
        readers: list[tuple[IdentifyMethod, CardPresencePort]] = []
        if self.ports.id_card_reader is not None:
            readers.append(("id_card", self.ports.id_card_reader))
        if self.ports.citizen_card is not None:
            readers.append(("citizen_card", self.ports.citizen_card))
        return readers

    def _presence_listener(self, method: IdentifyMethod) -> Callable[[bool], None]:
        return lambda present: self.post(lambda: self.card_presence(method, present))

    def card_presence(self, method: IdentifyMethod, present: bool) -> None:
        """A card arrived or left (on this thread)."""
        if self._stopped:
            return
        if not present:
            if method in self.cards_left:
                self.cards_left.discard(method)
                log.info("the card left in the reader was taken out")
                self._notify()
                self.tick()
            return
        if self._state is TerminalState.ATTRACT:
            self.start_session()

    # -- out of service, catalog, health ---------------------------------------------

    def device_changed(self) -> None:
        if not self._stopped:
            self._evaluate()

    def _evaluate(self) -> None:
        reasons: list[str] = []
        if not self.backend_online:
            reasons.append("oos.reason.backend")
        statuses = self.statuses()
        if not any(usable(role, statuses) for role in ("id_card_reader", "card_reader")) \
                and self.devices_opened():
            reasons.append("oos.reason.no_reader")
        self.oos_reasons = tuple(reasons)
        if reasons and self._state in (TerminalState.ATTRACT, TerminalState.STARTING):
            self._set_state(TerminalState.OUT_OF_SERVICE)
        elif not reasons and self._state is TerminalState.OUT_OF_SERVICE:
            self._set_state(TerminalState.ATTRACT)
        else:
            self._notify()

    def _to_idle_screen(self) -> None:
        self._evaluate()
        if self._state is not TerminalState.OUT_OF_SERVICE:
            self._set_state(TerminalState.OUT_OF_SERVICE if self.oos_reasons
                            else TerminalState.ATTRACT)

    def _check_health(self) -> None:
        backend = self.backend
        if backend is None:
            return
        future = self.executor.submit(backend.health)
        future.add_done_callback(lambda f: self.post(lambda: self._health_done(f)))

    def _health_done(self, future: Future[Any]) -> None:
        online = future.exception() is None
        if online != self.backend_online:
            log.warning("backend %s", "reachable again" if online else "unreachable")
        self.backend_online = online
        if online and self.catalog is None:
            self._load_catalog()
        self._evaluate()

    def _load_catalog(self) -> None:
        backend = self.backend
        if backend is None:
            return
        future = self.executor.submit(backend.catalog)
        future.add_done_callback(lambda f: self.post(lambda: self._catalog_done(f)))

    def _catalog_done(self, future: Future[Catalog]) -> None:
        exc = future.exception()
        if exc is not None:
            log.warning("catalog not loaded: %s", exc)
            self.catalog_error = getattr(exc, "message_key", "error.backend.unreachable")
        else:
            self.catalog = future.result()
            self.catalog_error = ""
        self._notify()

    # -- the one setter ----------------------------------------------------------------

    def _set_state(self, new: TerminalState) -> None:
        """The one place the terminal's state changes; logs old -> new and notifies."""
        old, self._state = self._state, new
        if old is not new:
            log.info("terminal: %s -> %s", old.value, new.value)
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:
                log.exception("terminal listener failed")

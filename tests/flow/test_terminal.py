"""The terminal lifecycle, headless: every state and transition, cards left in a reader,
both identity routes, eligibility before the first step, and an idle timeout in every
state. The catalog is the reference backend's (the one that ships)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path

import pytest

from backend_client.service_definition import Catalog
from backend_sim.catalog import build_catalog
from drivers.status import DeviceState, DeviceStatus
from kiosk.flow.ports import Eligibility, Person
from kiosk.flow.steps import FlowSettings
from kiosk.flow.terminal import SESSION_STATES, Terminal, TerminalSettings, TerminalState

from .backend_fakes import Kiosk
from .fakes import ZHANG_WEI, FakeClock, ManualExecutor, done, failed

S = TerminalState
ROLES = ("id_card_reader", "card_reader", "face_camera", "document_camera", "scanner",
         "receipt_printer", "a4_printer")
HMT = replace(ZHANG_WEI, name="林嘉欣", id_number="81000019880705004X", card_type="hmt_permit")


class Backend:
    def __init__(self) -> None:
        self.up = True
        self.catalog_calls = 0
        self.refused: dict[str, str] = {}

    def catalog(self) -> Catalog:
        self.catalog_calls += 1
        if not self.up:
            raise ConnectionError("down")
        return build_catalog()

    def health(self) -> object:
        if not self.up:
            raise ConnectionError("down")
        return {"ok": True}

    def eligibility(self, service_id: str, person: Person) -> Future[Eligibility]:
        if not self.up:
            return failed(ConnectionError("down"))
        reason = self.refused.get(person.id_number)
        if reason and service_id == "household_certificate":
            return done(Eligibility(False, reason, {"zh": "没有本市户籍", "en": "no hukou"}))
        return done(Eligibility(True))


class Rig:
    """A terminal over the flow fakes; ``pump`` runs jobs and posted callbacks."""

    def __init__(self, tmp_path: Path) -> None:
        self.kiosk = Kiosk()
        self.kiosk.backend.verdicts[HMT.id_number] = self.kiosk.backend.verdicts[
            ZHANG_WEI.id_number]
        self.backend = Backend()
        self.executor = ManualExecutor()
        self.clock = FakeClock()
        self.posted: list[Callable[[], None]] = []
        self.statuses = {role: DeviceStatus(DeviceState.ONLINE) for role in ROLES}
        ports = replace(self.kiosk.ports(), eligibility=self.backend)
        self.terminal = Terminal(
            ports, self.executor, self.clock, self.posted.append,
            settings=TerminalSettings(idle_s=60, countdown_s=15, goodbye_s=5,
                                      health_interval_s=5,
                                      flow=FlowSettings(qr_login_s=20, payment_s=20)),
            backend=self.backend, statuses=lambda: self.statuses,
            temp_root=tmp_path / "sessions")
        self.seen: list[TerminalState] = []
        self.terminal.subscribe(lambda t: self.seen.append(t.state))

    def pump(self) -> None:
        for _ in range(500):
            if self.posted:
                self.posted.pop(0)()
            elif not self.executor.jobs:
                return
            else:
                # A failing job's future holds the error; the terminal reads it from there.
                with contextlib.suppress(ConnectionError):
                    self.executor.run_one()
        raise AssertionError("never quiet")

    def later(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.terminal.tick()
        self.pump()

    @property
    def state(self) -> TerminalState:
        return self.terminal.state

    def started(self) -> Rig:
        self.terminal.start()
        self.pump()
        assert self.state is S.ATTRACT and self.terminal.catalog is not None
        return self

    def login_with_id_card(self, person: Person = ZHANG_WEI) -> None:
        self.kiosk.id_reader.insert(person)  # at attract: starts the session and reads
        self.pump()
        assert self.state is S.MENU


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path).started()


def test_every_state_is_reached(rig: Rig) -> None:
    rig.terminal.start_session()
    rig.pump()
    assert rig.state is S.IDENTIFYING
    rig.kiosk.id_reader.insert(ZHANG_WEI)
    rig.pump()
    rig.terminal.choose_service("application_status")
    rig.pump()
    assert S.CHECKING in rig.seen and rig.state is S.RESULT
    assert S.IN_SERVICE in rig.seen
    rig.terminal.end_session()
    assert rig.state is S.GOODBYE
    rig.kiosk.id_reader.remove()
    rig.later(5)
    rig.terminal.enter_staff()
    rig.terminal.leave_staff()
    rig.backend.up = False
    rig.later(5)
    assert rig.state is S.OUT_OF_SERVICE
    assert set(rig.seen) | {S.STARTING} == set(TerminalState)


def test_id_card_route_and_result_then_menu(rig: Rig) -> None:
    rig.login_with_id_card()
    session = rig.terminal.session
    assert session is not None and session.person is not None
    rig.terminal.choose_service("application_status")
    rig.pump()
    assert rig.state is S.RESULT and rig.terminal.outcome is not None
    rig.terminal.back_to_menu()
    assert rig.state is S.MENU and rig.terminal.outcome is None


def test_citizen_card_route(rig: Rig) -> None:
    from .fakes import WANG_FANG_CARD

    rig.kiosk.citizen_card.insert(WANG_FANG_CARD)
    rig.pump()
    assert rig.state is S.MENU
    person = rig.terminal.session.person  # type: ignore[union-attr]
    assert person is not None and person.source == "citizen_card"


def test_qr_login_route_then_a_service_that_needs_the_id_card(rig: Rig) -> None:
    rig.terminal.start_session()
    rig.pump()
    identify = rig.terminal.engine.controller  # type: ignore[union-attr]
    identify.start_qr_login()  # type: ignore[attr-defined]
    rig.pump()
    assert rig.state is S.MENU
    rig.terminal.choose_service("elderly_card")
    rig.pump()
    assert rig.state is S.IN_SERVICE
    step = rig.terminal.engine.controller  # type: ignore[union-attr]
    assert step.step_type == "identify" and step.asks_for_card  # type: ignore[attr-defined]
    rig.kiosk.id_reader.insert(ZHANG_WEI)
    rig.pump()
    assert rig.terminal.engine.controller.step_type == "verify_face"  # type: ignore[union-attr]


def test_card_left_after_finish_blocks_the_next_session(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.terminal.end_session()
    assert rig.state is S.GOODBYE and rig.terminal.cards_left == {"id_card"}
    rig.later(60)
    assert rig.state is S.GOODBYE  # stays until the card is taken
    assert rig.terminal.start_session() is False
    rig.kiosk.id_reader.remove()
    rig.pump()
    assert rig.state is S.ATTRACT and not rig.terminal.cards_left
    reads = rig.kiosk.id_reader.reads
    rig.terminal.start_session()
    rig.pump()
    assert rig.state is S.IDENTIFYING and rig.kiosk.id_reader.reads == reads


def test_card_left_after_an_idle_timeout(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.later(61)
    assert rig.state is S.GOODBYE and rig.terminal.session is None
    assert rig.terminal.cards_left == {"id_card"}
    rig.kiosk.id_reader.remove()
    rig.pump()
    rig.later(5)
    assert rig.state is S.ATTRACT


def test_no_card_left_goodbye_returns_to_attract(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.kiosk.id_reader.remove()
    rig.pump()
    rig.terminal.end_session()
    assert not rig.terminal.cards_left
    rig.later(2)
    assert rig.state is S.GOODBYE
    rig.later(3)
    assert rig.state is S.ATTRACT


def test_not_eligible_is_said_before_any_step(rig: Rig) -> None:
    rig.backend.refused[HMT.id_number] = "no_household_registration"
    rig.login_with_id_card(HMT)
    rig.terminal.choose_service("household_certificate")
    rig.pump()
    outcome = rig.terminal.outcome
    assert rig.state is S.RESULT and outcome is not None and outcome.refusal is not None
    assert outcome.refusal.text("en") == "no hukou"
    assert "verify_face" not in rig.kiosk.backend.calls
    assert rig.terminal.engine is None


def test_eligibility_unknown_lets_the_service_run(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.backend.up = False
    rig.terminal.choose_service("household_certificate")
    rig.pump()
    assert rig.state is S.IN_SERVICE


def test_previous_service_data_does_not_carry_over(rig: Rig) -> None:
    rig.login_with_id_card()
    session = rig.terminal.session
    assert session is not None
    session.data.fields["x"] = "old"
    rig.terminal.choose_service("application_status")
    rig.pump()
    assert "x" not in session.data.fields


def test_unavailable_service_is_refused(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.statuses["face_camera"] = DeviceStatus(DeviceState.NO_DEVICE)
    rig.terminal.device_changed()
    assert "social_insurance_certificate" in rig.terminal.unavailable()
    rig.terminal.choose_service("social_insurance_certificate")
    assert rig.state is S.MENU


def test_out_of_service_without_readers_and_back(rig: Rig) -> None:
    for role in ("id_card_reader", "card_reader"):
        rig.statuses[role] = DeviceStatus(DeviceState.NO_DEVICE)
    rig.terminal.device_changed()
    assert rig.state is S.OUT_OF_SERVICE
    assert rig.terminal.oos_reasons == ("oos.reason.no_reader",)
    assert rig.terminal.start_session() is False
    rig.statuses["id_card_reader"] = DeviceStatus(DeviceState.ONLINE)
    rig.terminal.device_changed()
    assert rig.state is S.ATTRACT


def test_backend_down_and_back_reloads_a_missing_catalog(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.backend.up = False
    rig.terminal.start()
    rig.pump()
    assert rig.terminal.catalog is None and rig.terminal.catalog_error
    rig.later(5)
    assert rig.state is S.OUT_OF_SERVICE
    rig.backend.up = True
    rig.later(5)
    assert rig.state is S.ATTRACT and rig.terminal.catalog is not None


def test_out_of_service_waits_for_the_session_to_end(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.backend.up = False
    rig.later(5)
    assert rig.state is S.MENU  # never thrown out mid-session
    rig.terminal.end_session()
    rig.kiosk.id_reader.remove()
    rig.later(5)
    assert rig.state is S.OUT_OF_SERVICE


def test_staff_entry_ends_the_session(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.terminal.enter_staff()
    assert rig.state is S.STAFF and rig.terminal.session is None
    rig.terminal.leave_staff()
    # The resident's card is still in: it is asked for before anyone can start.
    assert rig.state is S.GOODBYE and rig.terminal.cards_left == {"id_card"}
    assert not rig.terminal.start_session()
    rig.kiosk.id_reader.remove()
    rig.later(5)
    assert rig.state is S.ATTRACT


def test_language_resets_after_the_session(rig: Rig) -> None:
    rig.login_with_id_card()
    rig.terminal.set_language("en")
    assert rig.terminal.session is not None and rig.terminal.session.language == "en"
    rig.terminal.end_session()
    # Goodbye ("take your card") is for the resident still there, in their language.
    assert rig.state is S.GOODBYE and rig.terminal.language == "en"
    rig.kiosk.id_reader.remove()
    rig.later(5)
    assert rig.state is S.ATTRACT and rig.terminal.language == "zh"


def _reach(rig: Rig, state: TerminalState) -> None:
    """Bring the terminal to ``state`` the way a resident (or technician) would."""
    if state is S.STAFF:
        rig.terminal.enter_staff()
    elif state is S.OUT_OF_SERVICE:
        rig.backend.up = False
        rig.later(5)
    elif state is S.GOODBYE:
        rig.login_with_id_card()
        rig.terminal.end_session()
    elif state in SESSION_STATES:
        rig.terminal.start_session()
        rig.pump()
        if state is not S.IDENTIFYING:
            rig.kiosk.id_reader.insert(ZHANG_WEI)
            rig.pump()
        if state is S.CHECKING:
            rig.backend.eligibility = lambda *_a: Future()  # type: ignore[method-assign]
            rig.terminal.choose_service("household_certificate")
        elif state is S.IN_SERVICE:
            rig.terminal.choose_service("household_certificate")
            rig.pump()
        elif state is S.RESULT:
            rig.terminal.choose_service("application_status")
            rig.pump()
    assert rig.state is state


#: After a long idle time in each state: where the terminal is.
IDLE_ENDS = {
    S.ATTRACT: S.ATTRACT,
    S.IDENTIFYING: S.ATTRACT,  # no card in the reader: goodbye, then attract
    S.MENU: S.GOODBYE,
    S.CHECKING: S.CHECKING,  # the backend is answering: busy, no timeout
    S.IN_SERVICE: S.GOODBYE,
    S.RESULT: S.GOODBYE,
    S.GOODBYE: S.GOODBYE,  # the card is still in the reader
    S.OUT_OF_SERVICE: S.OUT_OF_SERVICE,
    S.STAFF: S.ATTRACT,
}


@pytest.mark.parametrize("state", [s for s in TerminalState if s is not S.STARTING],
                         ids=lambda s: s.value)
def test_idle_timeout_in_every_state(rig: Rig, state: TerminalState) -> None:
    _reach(rig, state)
    for _ in range(8):
        rig.later(10)
    assert rig.state is IDLE_ENDS[state]
    if state in SESSION_STATES and state is not S.CHECKING:
        assert S.GOODBYE in rig.seen and rig.terminal.session is None


def test_cameras_are_left_alone_while_a_service_may_use_them(rig: Rig) -> None:
    """The status watch grabs a frame only while no step can be using a camera."""
    assert rig.state is S.ATTRACT and rig.terminal.cameras_free
    rig.terminal.start_session()
    rig.pump()
    assert rig.state is S.IDENTIFYING and not rig.terminal.cameras_free
    rig.kiosk.id_reader.insert(ZHANG_WEI)
    rig.pump()
    assert rig.state is S.MENU and rig.terminal.cameras_free
    rig.terminal.choose_service("social_insurance_certificate")
    assert rig.state is S.CHECKING and not rig.terminal.cameras_free
    rig.pump()
    assert rig.state is S.IN_SERVICE and not rig.terminal.cameras_free
    rig.terminal.step_cancel()
    rig.pump()
    assert rig.state is S.MENU and rig.terminal.cameras_free

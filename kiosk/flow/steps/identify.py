"""Identify: an ID card inserted, a citizen card tapped, or the city app's login QR code.

Card reads start by themselves when a card arrives. A card taken out mid-read leaves
the step in REINSERT ("please insert the card again") and the next insertion reads
again. A card read is then checked by the backend; an expired card is refused with its
own message key. A QR login shows the backend's code and polls until the resident
confirms it in the app or it expires.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from enum import Enum
from typing import ClassVar

from backend_client.service_definition import IdentifyStep
from kiosk.flow.device_ports import CardPresencePort
from kiosk.flow.ports import (
    IdentifyMethod,
    IdentityVerdict,
    LoginCode,
    LoginState,
    Person,
)
from kiosk.flow.steps.base import StepContext, StepController
from kiosk_base.errors import MediaError, UserFacingError

log = logging.getLogger(__name__)


class IdentifyState(Enum):
    WAITING = "waiting"
    READING = "reading"
    CHECKING = "checking"
    QR_CREATING = "qr_creating"
    QR_SHOWN = "qr_shown"
    REINSERT = "reinsert"
    FAILED = "failed"
    IDENTIFIED = "identified"


_VERDICT_KEYS = {
    IdentityVerdict.EXPIRED: "identify.card_expired",
    IdentityVerdict.MISMATCH: "identify.not_recognised",
    IdentityVerdict.UNKNOWN: "identify.not_recognised",
}


class IdentifyController(StepController[IdentifyState]):
    step_type = "identify"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({
        IdentifyState.READING,
        IdentifyState.CHECKING,
        IdentifyState.QR_CREATING,
        IdentifyState.QR_SHOWN,
    })

    def __init__(self, context: StepContext, step: IdentifyStep) -> None:
        super().__init__(context, IdentifyState.WAITING)
        self.step = step
        self.login_code: LoginCode | None = None
        #: When the QR login code on screen stops being accepted (clock.monotonic()).
        self.qr_deadline: float | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._first_start = True

    @property
    def done(self) -> bool:
        return self.state is IdentifyState.IDENTIFIED

    @property
    def methods(self) -> tuple[IdentifyMethod, ...]:
        """The methods this step offers that the kiosk has the device for."""
        ports = self.context.ports
        present = {
            "id_card": ports.id_card_reader is not None,
            "citizen_card": ports.citizen_card is not None,
            "qr_login": True,
        }
        return tuple(m for m in self.step.methods if present[m])

    @property
    def asks_for_card(self) -> bool:
        """The person is known, but by a way this service does not accept (a QR login
        before a service that must read the ID card): the screen says so."""
        known = self.context.session.person
        return known is not None and known.source not in self.step.methods and not self.done

    @property
    def seconds_left(self) -> int | None:
        """The QR login's countdown while its code is shown (whole seconds), else None."""
        if self.qr_deadline is None or self.state is not IdentifyState.QR_SHOWN \
                or self.login_code is None:
            return None
        return max(0, int(self.qr_deadline - self.context.clock.monotonic() + 0.999))

    @property
    def reading_card(self) -> bool:
        return self.state in (IdentifyState.READING, IdentifyState.CHECKING)

    def start(self) -> None:
        self._cancelled.clear()
        self.login_code = None
        known = self.context.session.person
        if known is not None and known.source in self.step.methods:
            # Identified earlier in this session in a way this service accepts.
            self._set_state(IdentifyState.IDENTIFIED)
            return
        self._set_state(IdentifyState.WAITING)
        for method, reader in self._readers():
            self._unsubscribe.append(reader.subscribe_presence(self._presence_listener(method)))
        # A card already in the reader is read on arrival at the service, not after "back":
        # the resident went back to identify someone else (or to leave).
        first, self._first_start = self._first_start, False
        for method, reader in self._readers():
            if first and reader.card_present:
                self._on_presence(method, True)
                break

    def retry(self) -> None:
        """After a failure or an expired QR code: wait for a card again."""
        if self.state in (IdentifyState.FAILED, IdentifyState.REINSERT, IdentifyState.QR_SHOWN):
            self.login_code = None
            self._set_state(IdentifyState.WAITING)

    def start_qr_login(self) -> None:
        if "qr_login" not in self.step.methods or self.state not in (
            IdentifyState.WAITING,
            IdentifyState.FAILED,
            IdentifyState.REINSERT,
        ):
            return
        self._set_state(IdentifyState.QR_CREATING)

        def create() -> None:
            code = self._await(self.context.ports.identity.create_login_code(), backend=True)
            self.login_code = code
            deadline = self.context.clock.monotonic() + min(
                code.expires_in_s, self.context.settings.qr_login_s
            )
            self.qr_deadline = deadline
            self._set_state(IdentifyState.QR_SHOWN)
            self._poll_later(code, deadline)

        self._run(create, IdentifyState.FAILED)

    def cancel(self) -> None:
        super().cancel()
        self._stop_listening()

    def wipe(self) -> None:
        self._stop_listening()
        self.login_code = None
        super().wipe()

    # -- card reads ----------------------------------------------------------------

    def _readers(self) -> list[tuple[IdentifyMethod, CardPresencePort]]:
        ports = self.context.ports
        readers: list[tuple[IdentifyMethod, CardPresencePort]] = []
        if "id_card" in self.step.methods and ports.id_card_reader is not None:
            readers.append(("id_card", ports.id_card_reader))
        if "citizen_card" in self.step.methods and ports.citizen_card is not None:
            readers.append(("citizen_card", ports.citizen_card))
        return readers

    def _presence_listener(self, method: IdentifyMethod) -> Callable[[bool], None]:
        return lambda present: self._on_presence(method, present)

    def _on_presence(self, method: IdentifyMethod, present: bool) -> None:
        if not present or self._cancelled.is_set():
            return
        with self._lock:
            if self.state not in (
                IdentifyState.WAITING,
                IdentifyState.REINSERT,
                IdentifyState.FAILED,
                IdentifyState.QR_SHOWN,
            ):
                return
            self.login_code = None
            self._set_state(IdentifyState.READING)
        self._run(lambda: self._read(method), IdentifyState.FAILED)

    def _read(self, method: IdentifyMethod) -> None:
        ports = self.context.ports
        reader: CardPresencePort
        try:
            if method == "id_card":
                assert ports.id_card_reader is not None
                reader = ports.id_card_reader
                person = self._await(ports.id_card_reader.read())
            else:
                assert ports.citizen_card is not None
                reader = ports.citizen_card
                person = self._await(ports.citizen_card.read_holder())
        except MediaError as exc:
            if not reader.card_present:
                log.info("identify: card taken out during the read (%s)", exc.code or "media")
                self._set_state(
                    IdentifyState.REINSERT, error=UserFacingError("identify.reinsert", cause=exc)
                )
                return
            raise
        if self._cancelled.is_set():
            return
        self._set_state(IdentifyState.CHECKING)
        check = self._await(self.context.ports.identity.check_identity(person), backend=True)
        if check.verdict is not IdentityVerdict.VERIFIED:
            log.info("identify: backend verdict %s", check.verdict.value)
            refused = UserFacingError(_VERDICT_KEYS[check.verdict])
            self._set_state(IdentifyState.FAILED, error=refused)
            return
        if check.phone and not person.phone:
            person = replace(person, phone=check.phone)
        self._identified(person)

    # -- QR login ------------------------------------------------------------------

    def _poll_later(self, code: LoginCode, deadline: float) -> None:
        def poll() -> None:
            clock = self.context.clock
            if clock.wait(self.context.settings.poll_interval_s, self._cancelled):
                return
            if self.state is not IdentifyState.QR_SHOWN or self.login_code is not code:
                return  # a card arrived or the resident went back meanwhile
            answer = self._await(self.context.ports.identity.poll_login_code(code.code_id),
                                 backend=True)
            if answer.state is LoginState.CONFIRMED and answer.person is not None:
                self.login_code = None
                self._identified(answer.person)
            elif answer.state is LoginState.EXPIRED or clock.monotonic() >= deadline:
                self.login_code = None
                self._set_state(IdentifyState.FAILED, error=UserFacingError("identify.qr_expired"))
            else:
                self._poll_later(code, deadline)

        self._run(poll, IdentifyState.FAILED)

    def _identified(self, person: Person) -> None:
        if self._cancelled.is_set():
            return
        known = self.context.session.person
        if known is not None and known.id_number != person.id_number:
            # A service must not continue with someone else's card.
            self._set_state(IdentifyState.FAILED, error=UserFacingError("identify.other_person"))
            return
        self.context.session.identify(person)
        self._stop_listening()
        self._set_state(IdentifyState.IDENTIFIED)

    def _stop_listening(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

"""The terminal lifecycle's vocabulary: its states, settings and what a service ended with.

Kept apart from :mod:`kiosk.flow.terminal` (the state machine) so the view and the tests
can name states and outcomes without the machine's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from backend_client.service_definition import IdentifyStep, LocalText, ServiceDefinition
from kiosk.flow.ports import Eligibility
from kiosk.flow.steps import FlowSettings
from kiosk.session import CollectedData

#: The session's login: a service of one identify step, run before the menu.
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
    #: Cancelled after paying: the pay step's refund state ("refunded", ...) and amount.
    refund: str = ""
    refund_fen: int = 0

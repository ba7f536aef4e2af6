"""The catalog conformance matrix: scenario cells generated from the shipped catalog.

For every service of the reference backend's catalog (backend_sim.catalog, imported),
every identity route its identify step accepts (ID card, citizen card, QR login) and
these outcomes, one cell each:

* ``completed``: every step done the ordinary way, ending on the result screen;
* ``cancel.N.type``: cancelled at each step that waits for the resident;
* ``fault.N.type.role``: the device the step uses fails there, the resident sees why,
  the fault is cleared and the service completes after "try again";
* ``backend.N.type``: the backend answers 503 at the pay / submit step (path-scoped
  injection), the resident sees why, the backend returns, "try again" completes it.

A cell is a list of scenario ops that starts and ends on the attract screen with no
card inserted and no fault active, so several cells run in one kiosk process.
Everything is derived from the service's steps and their field definitions; nothing
names a service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matrix_people import Resident

from backend_client.service_definition import (
    STEP_DEVICES,
    FormField,
    FormStep,
    IdentifyStep,
    PayStep,
    ScanDocumentsStep,
    ServiceDefinition,
    Step,
    SubmitStep,
)
from backend_sim.catalog import build_catalog
from kiosk.i18n import translate

Op = dict[str, Any]

ROUTES = ("id_card", "citizen_card", "qr_login")
#: Steps that wait for the resident (the others run by themselves).
INTERACTIVE = frozenset({"identify", "verify_face", "form", "capture_photo",
                         "scan_documents", "review", "pay", "sign", "delivery"})
#: The fault each device role gets in its fault cell (each simulator's own vocabulary).
DEVICE_FAULT = {
    "id_card_reader": "removed_mid_read",  # the card leaves mid-read: "insert it again"
    "card_reader": "corrupt_response",
    "face_camera": "no_device",
    "document_camera": "no_device",
    "scanner": "jam",
    "a4_printer": "media_jam",
    "receipt_printer": "paper_out",
}
ROUTE_READER = {"id_card": "id_card_reader", "citizen_card": "card_reader"}
#: Where each submit action reaches the backend (API paths of api/openapi.yaml).
SUBMIT_PATHS = {
    "certificate": "/v1/certificates",
    "application": "/v1/applications",
    "bill_payment": "/v1/bills/",
    "card_topup": "/v1/cards/topups",
    "appointment": "/v1/appointments",
    "status_query": "/v1/person/applications",
}
PAY_PATH = "/v1/payments"
#: The state a step's screen is in after a device or backend failure ("failed" unless
#: named here); its prompt (``step.<type>.<state>``) is what the resident reads.
FAILED_STATE = {"verify_face": "error", ("identify", "id_card_reader"): "reinsert"}
SLOW_S = 15  # a step that waits on a device, the backend or the phone (simulated: seconds)


@dataclass(frozen=True)
class Cell:
    service: str
    route: str
    outcome: str
    person: str
    ops: tuple[Op, ...] = field(repr=False)

    @property
    def id(self) -> str:
        return f"{self.service}-{self.route}-{self.outcome}"

    @property
    def group(self) -> str:
        return f"{self.service}-{self.route}"


def field_value(f: FormField, person: Resident) -> str:
    """A valid value for a typed (non-choice) field, from its definition."""
    if f.type == "number":
        low = f.min if f.min is not None else 0
        high = f.max if f.max is not None else low + 10
        return str(int(min(high, low + 2)))
    if f.type == "phone":
        return "13800138001"
    if f.type == "date":
        return "2020-01-01"
    if f.type == "id_number":
        return person.id_number
    text = "北京市东城区测试路1号" if f.type == "address" else "测试"
    return text[: f.max_length] if f.max_length else text


class Walk:
    """The ops that take one person through one service's steps."""

    def __init__(self, service: ServiceDefinition, route: str, person: Resident) -> None:
        self.service = service
        self.route = route
        self.person = person

    # -- a session ------------------------------------------------------------------

    def login(self) -> list[Op]:
        return [{"expect_screen": "attract"}, {"tap": "start"},
                {"expect_screen": "identify"}, *self.credential(),
                {"expect_screen": "menu", "timeout": SLOW_S}]

    def credential(self) -> list[Op]:
        who = self.person.profile
        if self.route == "id_card":
            return [{"insert_id_card": who}]
        if self.route == "citizen_card":
            return [{"insert_card": who}]
        return [{"tap": "scan qr code to log in"}, {"phone_confirm_login": who}]

    def take_card(self) -> list[Op]:
        if self.route == "id_card":
            return [{"remove_id_card": None}]
        if self.route == "citizen_card":
            return [{"remove_card": None}]
        return []

    def leave(self, screen: str = "menu") -> list[Op]:
        """From the menu or the result screen: finish, take the card, back to attract."""
        return [{"expect_screen": screen, "timeout": SLOW_S}, {"tap": "finish"},
                {"expect_screen": "goodbye"}, *self.take_card(),
                {"expect_screen": "attract", "timeout": 30}]

    # -- the steps ------------------------------------------------------------------

    def arrive(self, step: Step) -> list[Op]:
        if step.type in INTERACTIVE and step.type != "identify":
            return [{"expect_screen": f"step:{step.type}", "timeout": SLOW_S}]
        return []

    def act(self, step: Step) -> list[Op]:
        """What the resident does to finish a step that waits for them."""
        if step.type == "verify_face":
            # The check starts by itself once the face is placed; the resident then does
            # what its liveness challenge asks.
            return [{"present_person": self.person.profile},
                    {"follow_challenge": None, "timeout": SLOW_S}]
        if step.type == "capture_photo":
            # The photo is taken by itself once the face is placed and steady.
            return [{"present_person": self.person.profile},
                    {"tap": "use this photo", "timeout": SLOW_S}]
        if isinstance(step, FormStep):
            return [*self.fill(step), {"tap": "next"}]
        if isinstance(step, ScanDocumentsStep):
            ops: list[Op] = []
            for doc in step.documents:
                for page in range(1, doc.min_pages + 1):
                    shown = translate("scan.document", "zh", name=doc.label.zh, count=page,
                                      min=doc.min_pages, max=doc.max_pages)
                    ops += [{"tap": f"scan {doc.id}", "timeout": SLOW_S},
                            {"expect_text": shown, "timeout": SLOW_S}]
            return [*ops, {"tap": "finish scanning"}]
        if step.type == "review":
            return [{"tap": "confirm"}]
        if step.type == "pay":
            return [{"phone_pay": None, "timeout": SLOW_S}]
        if step.type == "sign":
            return [{"draw": "signature pad"}, {"tap": "confirm signature"}]
        if step.type == "delivery":
            return [{"tap": "delivery pickup"}, {"tap": "next"}]
        return []

    def fill(self, step: FormStep) -> list[Op]:
        ops: list[Op] = []
        for f in step.fields:
            if f.type == "choice" and f.choices:
                ops.append({"tap": f"option {f.choices[0].value}"})
            elif f.type == "choice":
                ops.append({"tap_first_option": f.name, "timeout": SLOW_S})
            else:
                ops.append({"fill": f"{f.name}={field_value(f, self.person)}"})
        return ops

    def steps(self) -> list[tuple[int, Step]]:
        """The steps after identify (identify is the session's login)."""
        return [(i, s) for i, s in enumerate(self.service.steps)
                if not isinstance(s, IdentifyStep)]

    def through(self, *, before: dict[int, list[Op]] | None = None,
                instead: dict[int, list[Op]] | None = None,
                after: dict[int, list[Op]] | None = None, upto: int | None = None) -> list[Op]:
        """Ops for the service's steps (those before index ``upto``): ``before[i]`` runs on
        step i's screen before the resident acts, ``instead[i]`` replaces the act,
        ``after[i]`` follows it."""
        before, instead, after = before or {}, instead or {}, after or {}
        ops: list[Op] = []
        for i, step in self.steps():
            if upto is not None and i >= upto:
                break
            ops += self.arrive(step) + before.get(i, [])
            ops += instead[i] if i in instead else self.act(step)
            ops += after.get(i, [])
        return ops

    def tap_service(self) -> list[Op]:
        return [{"tap": self.service.id}]

    def result(self) -> list[Op]:
        """The result screen, with nothing a resident should not see on it."""
        ops: list[Op] = [{"expect_screen": "result", "timeout": SLOW_S},
                         {"expect_text": self.service.title.zh}]
        for raw in raw_ids():
            ops.append({"expect_no_text": raw})
        if not any(isinstance(s, PayStep) for s in self.service.steps):
            ops.append({"expect_no_text": translate("result.paid", "zh")})
        return ops

    def interactive_before(self, index: int) -> int | None:
        """The last step before ``index`` that waits for the resident (not identify)."""
        earlier = [i for i, s in self.steps() if i < index and s.type in INTERACTIVE]
        return earlier[-1] if earlier else None


def raw_ids() -> list[str]:
    """Machine ids that must never reach a resident's screen (service ids, kinds)."""
    catalog = build_catalog()
    ids = {s.id for s in catalog.services}
    ids |= {s.kind for svc in catalog.services for s in svc.steps
            if isinstance(s, SubmitStep) and s.kind}
    return sorted(ids)


def failure_prompt(step_type: str, role: str = "") -> str:
    """The prompt a step's screen shows after its device (or the backend) failed."""
    state = FAILED_STATE.get((step_type, role)) or FAILED_STATE.get(step_type) or "failed"
    return translate(f"step.{step_type}.{state}", "zh")


def accepted_routes(service: ServiceDefinition) -> tuple[str, ...]:
    first = service.steps[0]
    assert isinstance(first, IdentifyStep)
    return tuple(r for r in ROUTES if r in first.methods)


def step_device(step: Step, route: str) -> str | None:
    if isinstance(step, IdentifyStep):
        return ROUTE_READER.get(route)
    if isinstance(step, ScanDocumentsStep):
        return step.sources[0]  # "any": the source the screen starts on
    roles = STEP_DEVICES.get(step.type, ())
    return roles[0] if roles else None

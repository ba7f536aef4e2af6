"""The cells of the catalog matrix, built from each service's steps (see catalog_matrix)."""

from __future__ import annotations

from catalog_matrix import (
    DEVICE_FAULT,
    INTERACTIVE,
    PAY_PATH,
    ROUTES,
    SLOW_S,
    SUBMIT_PATHS,
    Cell,
    Op,
    Walk,
    accepted_routes,
    failure_prompt,
    step_device,
)
from matrix_people import (
    Resident,
    eligible,
    eligible_ignoring_lists,
    ineligible_for,
    person_for,
    residents,
)

from backend_client.service_definition import (
    FormStep,
    PayStep,
    ServiceDefinition,
    Step,
    SubmitStep,
)
from backend_sim.catalog import build_catalog
from kiosk.i18n import translate

ERROR_MARK = "⚠"  # a step screen's error line starts with it (as do other warnings)


def _cell(walk: Walk, outcome: str, ops: list[Op]) -> Cell:
    return Cell(walk.service.id, walk.route, outcome, walk.person.profile,
                ({"note": f"cell {walk.service.id}-{walk.route}-{outcome}"}, *ops))


def completed(walk: Walk) -> Cell:
    ops = walk.login() + walk.tap_service() + walk.through() + walk.result()
    ops.append({"screenshot": f"{walk.service.id}-{walk.route}-result"})  # to look at
    return _cell(walk, "completed", ops + walk.leave("result"))


def cancelled(walk: Walk) -> list[Cell]:
    cells = []
    identify: list[Op] = [{"expect_screen": "attract"}, {"tap": "start"},
                          {"expect_screen": "identify"}]
    if walk.route == "qr_login":  # cancel with the login code on screen
        identify += [{"tap": "scan qr code to log in"},
                     {"expect_text": translate("step.identify.qr_shown", "zh"),
                      "timeout": SLOW_S}]
    identify += [{"tap": "cancel"}, {"expect_screen": "goodbye"},
                 {"expect_screen": "attract", "timeout": 30}]
    cells.append(_cell(walk, "cancel.0.identify", identify))
    for i, step in walk.steps():
        if step.type not in INTERACTIVE:
            continue
        ops = walk.login() + walk.tap_service() + walk.through(upto=i) + walk.arrive(step)
        if isinstance(step, PayStep):
            ops.append({"expect_text": "¥", "timeout": SLOW_S})  # an order is open
        ops += [{"tap": "cancel"}, {"expect_screen": "menu", "timeout": SLOW_S}]
        cells.append(_cell(walk, f"cancel.{i}.{step.type}", ops + walk.leave("menu")))
    return cells


def _trigger(walk: Walk, step: Step) -> list[Op]:
    """The resident's first action that makes the step's device work."""
    act = walk.act(step)
    if step.type == "scan_documents":
        return act[:1]
    if step.type in ("verify_face", "capture_photo"):
        return act[:1]  # standing in front of the camera starts its live preview
    return act


def device_faults(walk: Walk) -> list[Cell]:
    cells = []
    for i, step in enumerate(walk.service.steps):
        role = step_device(step, walk.route)
        if role is None:
            continue
        inject: Op = {"inject": f"{role} {DEVICE_FAULT[role]}"}
        outcome = f"fault.{i}.{step.type}.{role}"
        if step.type == "identify":
            ops = [{"expect_screen": "attract"}, {"tap": "start"}, {"expect_screen": "identify"},
                   inject, *walk.credential(),
                   {"expect_text": failure_prompt(step.type, role), "timeout": SLOW_S},
                   # The card is taken out and put back as a person does (a reader polls
                   # for presence: out and in within one poll interval is no change).
                   {"clear": role}, *walk.take_card(), {"wait": 1}, *walk.credential(),
                   {"expect_screen": "menu", "timeout": SLOW_S}]
            ops += walk.tap_service() + walk.through() + walk.result()
        elif step.type in INTERACTIVE:
            retry = [{"expect_text": failure_prompt(step.type), "timeout": SLOW_S},
                     {"expect_text": ERROR_MARK}, {"clear": role}]
            # A camera step works by itself once a face is placed: nobody stands in
            # front while the fault goes in.
            away: list[Op] = [{"present_person": "none"}] if role == "face_camera" else []
            ops = walk.login() + walk.tap_service() + walk.through(
                before={i: [*away, inject, *_trigger(walk, step), *retry]}) + walk.result()
        else:
            ops = walk.login() + _fault_before(walk, i, inject, role) + walk.result()
        cells.append(_cell(walk, outcome, ops + walk.leave("result")))
    return cells


def _fault_before(walk: Walk, i: int, inject: Op, role: str) -> list[Op]:
    """A step that runs by itself: the fault goes in on the screen before it (or at the
    menu, where the kiosk must then show the service as unavailable until it clears)."""
    step = walk.service.steps[i]
    recover: list[Op] = [{"expect_screen": f"step:{step.type}", "timeout": SLOW_S},
                         {"expect_text": failure_prompt(step.type), "timeout": SLOW_S},
                         {"expect_text": ERROR_MARK}, {"clear": role}, {"tap": "try again"}]
    k = walk.interactive_before(i)
    if k is None:
        return [inject, {"expect_disabled": walk.service.id, "timeout": 30}, {"clear": role},
                *walk.tap_service(), *walk.through()]
    arm: list[Op] = [inject]
    if isinstance(walk.service.steps[k], PayStep):
        # The pay step creates its order on arrival and asks the receipt printer first:
        # the fault goes in once the QR code is up, so it hits step i, not the payment.
        arm = [{"expect_text": translate("step.pay.awaiting", "zh"), "timeout": SLOW_S},
               inject]
    return walk.tap_service() + walk.through(before={k: arm}, after={i: recover})


def backend_failures(walk: Walk) -> list[Cell]:
    cells = []
    for i, step in enumerate(walk.service.steps):
        if isinstance(step, PayStep):
            path = PAY_PATH
        elif isinstance(step, SubmitStep):
            path = SUBMIT_PATHS[step.action]
        else:
            continue
        # A 503 is an answer (BackendUnavailableError), not silence: even the actions that
        # may wait in the outbox when the backend is unreachable show it and offer a retry.
        inject: Op = {"inject": f"backend http_5xx path={path}"}
        recover: list[Op] = [{"expect_screen": f"step:{step.type}", "timeout": SLOW_S},
                             {"expect_text": failure_prompt(step.type), "timeout": SLOW_S},
                             {"expect_text": ERROR_MARK}, {"clear": "backend"},
                             {"tap": "try again"}]
        # A step that waits for the resident (pay) fails before they act; submit after.
        where = {"before": {i: recover}} if step.type in INTERACTIVE else {"after": {i: recover}}
        k = walk.interactive_before(i)
        if k is None:
            ops = [*walk.login(), inject, *walk.tap_service(), *walk.through(**where)]
        else:
            where.setdefault("before", {})[k] = [inject]
            ops = walk.login() + walk.tap_service() + walk.through(**where)
        cells.append(_cell(walk, f"backend.{i}.{step.type}", ops + walk.result()
                           + walk.leave("result")))
    return cells


AT_ONCE_S = 8  # "at once": before the resident is asked for any effort


def refused(service: ServiceDefinition, route: str) -> Cell | None:
    """Someone who may not use the service (by the backend's rules) hears why at once,
    before any step that costs effort (a face check)."""
    person = ineligible_for(service, route)
    if person is None or not _refused_by_submit(service, person):
        return None
    walk = Walk(service, route, person)
    # The refusal is the result screen with the backend's reason, before any step.
    ops = [*walk.login(), *walk.tap_service(),
           {"expect_screen": "result", "timeout": AT_ONCE_S},
           {"expect_text": translate("result.not_eligible", "zh"), "timeout": AT_ONCE_S}]
    ops += [{"expect_no_screen": f"step:{t}"} for t in ("verify_face", "capture_photo")]
    return _cell(walk, "refused", ops + _back_to_attract(walk))


def _refused_by_submit(service: ServiceDefinition, person: Resident) -> bool:
    """Not eligible by what the backend checks at submit (not by an empty choice list)."""
    lists = [f for s in service.steps if isinstance(s, FormStep) for f in s.fields
             if f.options_from]
    return not lists or eligible_ignoring_lists(service, person) is False


def _back_to_attract(walk: Walk) -> list[Op]:
    """Wherever the refusal was shown: leave the session, take the card."""
    return [{"tap": "finish", "timeout": AT_ONCE_S}, {"expect_screen": "goodbye"},
            *walk.take_card(), {"expect_screen": "attract", "timeout": 30}]


def other_route(service: ServiceDefinition, route: str) -> Cell | None:
    """Logged in by a route the service does not take: the kiosk asks for one it takes
    (the same person's other card) and the service goes on."""
    accepted = accepted_routes(service)
    person = next((r for r in residents() if r.can_use(route) and eligible(service, r)
                   and any(r.can_use(a) for a in accepted if a != "qr_login")), None)
    if person is None:
        return None
    card_route = next(a for a in accepted if a != "qr_login" and person.can_use(a))
    walk = Walk(service, route, person)
    card = Walk(service, card_route, person)
    ops = [*walk.login(), *walk.tap_service(), {"expect_screen": "identify",
                                                "timeout": AT_ONCE_S},
           *card.credential(), *walk.through(), *walk.result(),
           {"tap": "finish"}, {"expect_screen": "goodbye"}, *walk.take_card(),
           *card.take_card(), {"expect_screen": "attract", "timeout": 30}]
    return _cell(walk, f"other_route.{card_route}", ops)


def service_cells(service: ServiceDefinition) -> list[Cell]:
    cells: list[Cell] = []
    for route in ROUTES:
        if route not in accepted_routes(service):
            extra = other_route(service, route)
            cells += [extra] if extra else []
            continue
        person = person_for(service, route)
        if person is None:
            continue  # reported by test_every_service_and_route_has_cells
        walk = Walk(service, route, person)
        cells += cancelled(walk) + device_faults(walk) + backend_failures(walk)
        no = refused(service, route)
        cells += [no] if no else []
        cells.append(completed(walk))  # last: it changes the backend (a bill is paid)
    return cells


def all_cells() -> list[Cell]:
    return [c for s in build_catalog().services for c in service_cells(s)]


def changes_backend(cell: Cell) -> bool:
    """A cell that completes a service whose form offers the person's own items (a bill,
    a free slot) uses one up: it runs last in its kiosk process, so the next cell gets a
    fresh backend. Other services can be done again and again by the same person."""
    if cell.outcome.startswith(("cancel.", "refused")):
        return False
    service = next(s for s in build_catalog().services if s.id == cell.service)
    return any(f.options_from for s in service.steps if isinstance(s, FormStep)
               for f in s.fields)

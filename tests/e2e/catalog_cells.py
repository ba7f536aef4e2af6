"""The cells of the catalog matrix, built from each service's steps (see catalog_matrix)."""

from __future__ import annotations

from catalog_matrix import (
    DEVICE_FAULT,
    INTERACTIVE,
    PAY_PATH,
    SLOW_S,
    SUBMIT_PATHS,
    Cell,
    Op,
    Walk,
    accepted_routes,
    step_device,
)
from matrix_people import person_for

from backend_client.service_definition import PayStep, ServiceDefinition, Step, SubmitStep
from backend_sim.catalog import build_catalog
from kiosk.i18n import translate

ERROR_MARK = "⚠"  # every step screen's error line starts with it


def _cell(walk: Walk, outcome: str, ops: list[Op]) -> Cell:
    return Cell(walk.service.id, walk.route, outcome, walk.person.profile,
                ({"note": f"cell {walk.service.id}-{walk.route}-{outcome}"}, *ops))


def completed(walk: Walk) -> Cell:
    ops = walk.login() + walk.tap_service() + walk.through() + walk.result()
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
        return act[:2]
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
                   inject, *walk.credential(), {"expect_text": ERROR_MARK, "timeout": SLOW_S},
                   # The card is taken out and put back as a person does (a reader polls
                   # for presence: out and in within one poll interval is no change).
                   {"clear": role}, *walk.take_card(), {"wait": 1}, *walk.credential(),
                   {"expect_screen": "menu", "timeout": SLOW_S}]
            ops += walk.tap_service() + walk.through() + walk.result()
        elif step.type in INTERACTIVE:
            retry = [{"expect_text": ERROR_MARK, "timeout": SLOW_S}, {"clear": role}]
            ops = walk.login() + walk.tap_service() + walk.through(
                before={i: [inject, *_trigger(walk, step), *retry]}) + walk.result()
        else:
            ops = walk.login() + _fault_before(walk, i, inject, role) + walk.result()
        cells.append(_cell(walk, outcome, ops + walk.leave("result")))
    return cells


def _fault_before(walk: Walk, i: int, inject: Op, role: str) -> list[Op]:
    """A step that runs by itself: the fault goes in on the screen before it (or at the
    menu, where the kiosk must then show the service as unavailable until it clears)."""
    step = walk.service.steps[i]
    recover: list[Op] = [{"expect_screen": f"step:{step.type}", "timeout": SLOW_S},
                         {"expect_text": ERROR_MARK, "timeout": SLOW_S}, {"clear": role},
                         {"tap": "try again"}]
    k = walk.interactive_before(i)
    if k is None:
        return [inject, {"expect_disabled": walk.service.id, "timeout": 30}, {"clear": role},
                *walk.tap_service(), *walk.through()]
    return walk.tap_service() + walk.through(before={k: [inject]}, after={i: recover})


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
                             {"expect_text": ERROR_MARK, "timeout": SLOW_S},
                             {"clear": "backend"}, {"tap": "try again"}]
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


def service_cells(service: ServiceDefinition) -> list[Cell]:
    cells: list[Cell] = []
    for route in accepted_routes(service):
        person = person_for(service, route)
        if person is None:
            continue  # reported by test_every_service_has_someone_to_run_it
        walk = Walk(service, route, person)
        cells += cancelled(walk) + device_faults(walk) + backend_failures(walk)
        cells.append(completed(walk))  # last: it changes the backend (a bill is paid)
    return cells


def all_cells() -> list[Cell]:
    return [c for s in build_catalog().services for c in service_cells(s)]


def changes_backend(cell: Cell) -> bool:
    """A cell that gets past its submit step leaves the backend changed (a bill paid, a
    slot booked): it runs last in its kiosk process, so the next cell gets a fresh one."""
    return not cell.outcome.startswith("cancel.")

"""The catalog conformance matrix through the real app (see catalog_matrix.py).

One pytest item per cell, one test class per service and route (``--dist loadscope``
gives each class to one worker). The cells of a class run together in as few kiosk
processes as they can: a process runs cells one after another until a cell fails or
changes the backend; the cells after it get a new process with a fresh reference
backend. A cell passes when each of its steps passed and the kiosk logged no ERROR
while it ran.

    .venv/bin/pytest -m matrix -n 2 --dist loadscope tests/e2e
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from catalog_cells import all_cells, changes_backend
from catalog_matrix import SUBMIT_PATHS, Cell, accepted_routes
from kiosk_process import KioskRun, run_kiosk
from matrix_people import person_for, understood

from backend_client.service_definition import SubmitStep
from backend_sim.catalog import build_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.matrix]

CELLS = all_cells()
PER_CELL_S = 150


@dataclass
class CellResult:
    ok: bool
    detail: str = ""


def _batches(cells: list[Cell]) -> list[list[Cell]]:
    """Cells that leave the backend as it was go first; each that changes it ends a batch."""
    ordered = [c for c in cells if not changes_backend(c)] + \
              [c for c in cells if changes_backend(c)]
    batches: list[list[Cell]] = [[]]
    for cell in ordered:
        batches[-1].append(cell)
        if changes_backend(cell):
            batches.append([])
    return [b for b in batches if b]


def _attribute(run: KioskRun, cells: list[Cell]) -> tuple[dict[str, CellResult], list[Cell]]:
    """Results of the cells this run got through, and the cells it never reached."""
    bounds, start = [], 1
    for cell in cells:
        bounds.append((cell, start, start + len(cell.ops) - 1))
        start += len(cell.ops)
    steps = {t["step"]: t for t in run.transcript if "step" in t}
    errors = _errors_by_cell(run)
    results: dict[str, CellResult] = {}
    for n, (cell, first, last) in enumerate(bounds):
        failed = next((steps[i] for i in range(first, last + 1)
                       if i in steps and not steps[i]["ok"]), None)
        if failed is not None:
            results[cell.id] = CellResult(False, f"step {failed['step'] - first + 1} "
                                                 f"{failed['op']} {failed['arg']!r}: "
                                                 f"{failed.get('error', '')}")
            return results, [c for c, _, _ in bounds[n + 1:]]
        if not all(i in steps for i in range(first, last + 1)):
            tail = run.stderr[-3000:]
            results[cell.id] = CellResult(False, f"kiosk exit {run.returncode} in this cell; "
                                                 f"stderr:\n{tail}")
            return results, [c for c, _, _ in bounds[n + 1:]]
        bad = errors.get(cell.id, [])
        results[cell.id] = CellResult(not bad, "ERROR logged: " + "; ".join(bad)[:2000])
    return results, []


def _errors_by_cell(run: KioskRun) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = defaultdict(list)
    current = ""
    for entry in run.log_entries():
        msg = str(entry.get("msg", ""))
        if msg.startswith("scenario note: cell "):
            current = msg.removeprefix("scenario note: cell ")
        elif entry.get("level") in ("ERROR", "CRITICAL") and current:
            errors[current].append(f"{entry.get('logger')}: {msg}")
    return errors


class GroupRunner:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.results: dict[str, CellResult] = {}
        self.runs = 0

    def result(self, cell: Cell) -> CellResult:
        if cell.id not in self.results:
            self._run_group(cell.group)
        return self.results[cell.id]

    def _run_group(self, group: str) -> None:
        for batch in _batches([c for c in CELLS if c.group == group]):
            pending = batch
            while pending:
                self.runs += 1
                ops: list[dict[str, Any]] = [op for c in pending for op in c.ops]
                run = run_kiosk(ops, self.root / f"{group}-{self.runs}", goodbye=1,
                                timeout=PER_CELL_S * len(pending))
                done, pending = _attribute(run, pending)
                self.results.update(done)


@pytest.fixture(scope="session")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> GroupRunner:
    return GroupRunner(tmp_path_factory.mktemp("matrix"))


def _param(cell: Cell) -> Any:
    return pytest.param(cell, id=cell.outcome)


def _group_class(group: str, cells: list[Cell]) -> type:
    # The first cell of a class runs the class's kiosk processes: its time limit is theirs.
    class Group:
        @pytest.mark.timeout(PER_CELL_S * len(cells) + 60)
        @pytest.mark.parametrize("cell", [_param(c) for c in cells])
        def test_cell(self, cell: Cell, matrix: GroupRunner) -> None:
            result = matrix.result(cell)
            assert result.ok, f"{cell.id} (as {cell.person}): {result.detail}"

    Group.__name__ = Group.__qualname__ = "Test_" + group.replace("-", "__")
    return Group


for _group in dict.fromkeys(c.group for c in CELLS):
    _class = _group_class(_group, [c for c in CELLS if c.group == _group])
    globals()[_class.__name__] = _class


# -- the matrix covers the catalog ------------------------------------------------------

@cache
def _services() -> tuple[Any, ...]:
    return build_catalog().services


def test_every_service_and_route_has_cells() -> None:
    covered = {(c.service, c.route) for c in CELLS}
    for service in _services():
        for route in accepted_routes(service):
            assert person_for(service, route) is not None, \
                f"no seeded person can use {service.id} by {route}"
            assert (service.id, route) in covered


def test_every_submit_action_is_understood() -> None:
    for service in _services():
        for step in service.steps:
            if isinstance(step, SubmitStep):
                assert step.action in SUBMIT_PATHS, step.action
                assert understood(step), f"{service.id}: eligibility of {step.kind} unknown"


def test_a_new_service_is_covered_without_a_scenario() -> None:
    """A service made of known steps gets every kind of cell from its definition alone."""
    from catalog_cells import service_cells

    from backend_client.service_definition import ServiceDefinition

    new = ServiceDefinition.model_validate({
        "id": "library_card", "topic": "queries",
        "title": {"zh": "借书证办理", "en": "Library card"},
        "description": {"zh": "办理借书证。", "en": "Get a library card."},
        "steps": [
            {"type": "identify", "methods": ["id_card", "qr_login"]}, {"type": "verify_face"},
            {"type": "form", "title": {"zh": "信息", "en": "Details"}, "fields": [
                {"name": "branch", "type": "choice", "label": {"zh": "分馆", "en": "Branch"},
                 "choices": [{"value": "east", "label": {"zh": "东馆", "en": "East"}}]},
                {"name": "phone", "type": "phone", "label": {"zh": "手机", "en": "Phone"}}]},
            {"type": "review"},
            {"type": "submit", "action": "application", "kind": "subsidy"},
            {"type": "print_receipt"}],
    })
    cells = service_cells(new)
    outcomes = {(c.route, c.outcome) for c in cells}
    for route in ("id_card", "qr_login"):
        assert {(route, "completed"), (route, "cancel.0.identify"),
                (route, "cancel.1.verify_face"), (route, "cancel.2.form"),
                (route, "cancel.3.review"), (route, "fault.1.verify_face.face_camera"),
                (route, "fault.5.print_receipt.receipt_printer"),
                (route, "backend.4.submit")} <= outcomes
    assert ("id_card", "fault.0.identify.id_card_reader") in outcomes
    assert not any(c.route == "citizen_card" and not c.outcome.startswith("other_route")
                   for c in cells)
    form_ops = [op for c in cells if c.outcome == "completed" for op in c.ops]
    assert {"tap": "option east"} in form_ops and {"fill": "phone=13800138001"} in form_ops

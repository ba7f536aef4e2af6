"""Cells that fail today because of a known bug another helper is fixing.

Each is marked ``xfail(strict=True)``: the moment the bug is fixed the cell passes, the
strict mark turns that into a failure, and whoever lands the fix removes the entry.
Predicates are about the service's steps and the person, never a service id.
"""

from __future__ import annotations

from catalog_matrix import Cell
from matrix_people import residents

from backend_client.service_definition import FormStep, PayStep, ServiceDefinition, SubmitStep
from backend_sim.catalog import build_catalog


def _service(cell: Cell) -> ServiceDefinition:
    return next(s for s in build_catalog().services if s.id == cell.service)


def _cancelled_before(cell: Cell, index: int) -> bool:
    kind, _, rest = cell.outcome.partition(".")
    return kind == "cancel" and int(rest.split(".")[0]) < index


def _submits(service: ServiceDefinition) -> list[SubmitStep]:
    return [s for s in service.steps if isinstance(s, SubmitStep)]


def _amount_from_choice(service: ServiceDefinition) -> int | None:
    """Index of a pay step whose amount comes from a fixed-choice field (string values)."""
    choices = {f.name for s in service.steps if isinstance(s, FormStep) for f in s.fields
               if f.type == "choice" and f.choices}
    for i, step in enumerate(service.steps):
        if isinstance(step, PayStep) and step.amount_from in choices:
            return i
    return None


#: Fixed on main (lifecycle: eligibility before effort, a card asked for after a QR login,
#: the voucher from a paid bill, status titles; purse: a top-up amount from a choice).
#: The predicates are kept below for the record; a new known bug goes in ``OPEN``.
OPEN: tuple[str, ...] = ()


PAID_BILLS = ("the matrix picks a person for 缴费凭证打印 without a paid bill (matrix_people "
              "does not know the new paid_bills list yet), so the list is empty")


def known_bug(cell: Cell) -> str:
    """The known bug that makes ``cell`` fail, or "" when it must pass."""
    service = _service(cell)
    if not cell.outcome.startswith("cancel.") and any(
            f.options_from == "paid_bills" for s in service.steps if isinstance(s, FormStep)
            for f in s.fields):
        return PAID_BILLS
    reason = _fixed_bug(cell)
    return reason if reason in OPEN else ""


def _fixed_bug(cell: Cell) -> str:
    """The known bug that makes ``cell`` fail, or "" when it must pass."""
    service = _service(cell)
    person = next(r for r in residents() if r.profile == cell.person)
    submits = _submits(service)
    if cell.outcome.startswith("other_route."):
        return "after a QR login (or the other card) a service needing the ID card " \
               "(citizen card) does nothing"
    if cell.outcome == "refused":
        if any(s.action == "card_topup" for s in submits):
            return "a social-security-only card (no purse) is offered top-up"
        return "an ineligible person (e.g. a foreign / HK-Macao-Taiwan permit holder " \
               "offered household services) hears it only after the face check"
    pay = _amount_from_choice(service)
    if pay is not None and not _cancelled_before(cell, pay):
        return "the pay step cannot read an amount from a choice field " \
               "(无法确定支付金额。; helper purse)"
    reaches_submit = not cell.outcome.startswith("cancel.")
    if reaches_submit and any(s.action == "certificate" and s.kind == "payment_voucher"
                              for s in submits):
        return "缴费凭证打印 in a new session ends 平台拒绝了该请求。"
    if reaches_submit and person.applications and \
            any(s.action == "status_query" for s in submits):
        return "the status query shows raw ids (subsidy, elderly_card)"
    return ""

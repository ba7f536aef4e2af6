"""Whether a service can run now: every step's device usable and the backend reachable.

A service is unavailable up front, never halfway: the menu greys it out with the
reason before the resident starts. Device statuses come by role (the kiosk's config
roles: "id_card_reader", "receipt_printer"...); a role without a status counts as
missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backend_client.service_definition import (
    STEP_DEVICES,
    Catalog,
    IdentifyStep,
    PayStep,
    ScanDocumentsStep,
    ServiceDefinition,
    SubmitStep,
)
from drivers.status import DeviceStatus, PaperStatus, TonerStatus
from kiosk.flow.ports import IdentifyMethod

BACKEND = "backend"

#: identify method -> the device role it reads with (None: the backend alone).
METHOD_DEVICES: Mapping[IdentifyMethod, str | None] = {
    "id_card": "id_card_reader",
    "citizen_card": "card_reader",
    "qr_login": None,
}

#: A missing device that has a reason of its own (the others: service.unavailable.device).
ROLE_REASONS: Mapping[str, str] = {"face_camera": "service.unavailable.face_camera"}

_PRINTERS = frozenset({"receipt_printer", "a4_printer"})
_NO_PAPER = frozenset({PaperStatus.OUT.value, PaperStatus.JAMMED.value})


@dataclass(frozen=True)
class Unavailable:
    """Why a service cannot run: a message key and the roles (or "backend") missing."""

    message_key: str
    missing: tuple[str, ...]


def usable(role: str, statuses: Mapping[str, DeviceStatus]) -> bool:
    """The device in ``role`` can take work; a printer also needs paper (and toner)."""
    status = statuses.get(role)
    if status is None or not status.state.usable:
        return False
    if role in _PRINTERS and status.detail.get("paper") in _NO_PAPER:
        return False
    return not (role == "a4_printer" and status.detail.get("toner") == TonerStatus.OUT.value)


def identify_methods(
    step: IdentifyStep, statuses: Mapping[str, DeviceStatus], backend_reachable: bool
) -> tuple[IdentifyMethod, ...]:
    """The identify methods of ``step`` that work now, in the step's order."""
    if not backend_reachable:
        return ()
    return tuple(
        m for m in step.methods if (role := METHOD_DEVICES[m]) is None or usable(role, statuses)
    )


def required_roles(service: ServiceDefinition) -> tuple[str, ...]:
    """Device roles the service cannot run without (identify's readers excluded)."""
    roles: list[str] = []
    for step in service.steps:
        needed: tuple[str, ...] = STEP_DEVICES.get(step.type, ())
        if isinstance(step, ScanDocumentsStep):
            needed = step.sources if len(step.sources) == 1 else ()  # "any": see below
        elif isinstance(step, SubmitStep) and step.action == "card_topup":
            needed = ("card_reader",)
        elif isinstance(step, PayStep):
            # A paid service always prints a receipt, so no receipt, no payment.
            needed = ("receipt_printer",)
        roles.extend(r for r in needed if r not in roles)
    return tuple(roles)


def unavailability(
    service: ServiceDefinition,
    statuses: Mapping[str, DeviceStatus],
    backend_reachable: bool,
) -> Unavailable | None:
    """None when ``service`` can run now, else the reason it cannot."""
    if not backend_reachable:
        return Unavailable("service.unavailable.backend", (BACKEND,))
    missing = [role for role in required_roles(service) if not usable(role, statuses)]
    for step in service.steps:
        if (isinstance(step, ScanDocumentsStep) and len(step.sources) > 1
                and not any(usable(r, statuses) for r in step.sources)):
            missing.extend(r for r in step.sources if r not in missing)
        if isinstance(step, IdentifyStep) and not identify_methods(
            step, statuses, backend_reachable
        ):
            missing.extend(
                r for m in step.methods if (r := METHOD_DEVICES[m]) and r not in missing
            )
    if missing:
        keys = {ROLE_REASONS.get(role, "service.unavailable.device") for role in missing}
        key = keys.pop() if len(keys) == 1 else "service.unavailable.device"
        return Unavailable(key, tuple(missing))
    return None


def unavailable_services(
    catalog: Catalog,
    statuses: Mapping[str, DeviceStatus],
    backend_reachable: bool,
    *,
    payments_ready: bool = True,
) -> dict[str, str]:
    """Service id -> the message key of why it cannot run now (paid services also wait
    for the payment journal's start-up reconciliation)."""
    reasons: dict[str, str] = {}
    for service in catalog.services:
        reason = unavailability(service, statuses, backend_reachable)
        if reason is not None:
            reasons[service.id] = reason.message_key
        elif not payments_ready and any(s.type == "pay" for s in service.steps):
            reasons[service.id] = "service.unavailable.reconciling"
    return reasons

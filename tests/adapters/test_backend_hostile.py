"""BackendPorts when the backend misbehaves: 5xx, a garbage body, a dropped connection, no
answer in time. Each comes out as the declared error with a message both locales have,
and a write whose answer was lost is neither lost nor done twice when tried again."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from backend_sim.embedded import EmbeddedBackend
from backend_sim.phone import SimulatedPhone
from drivers.errors import UserFacingError
from kiosk.adapters.backend import BackendPorts
from kiosk.flow import ports as p

from .test_backend_ports import T, paid_order, submission
from .user_facing import assert_user_facing

#: fault -> (params, the error class the port declares, its message key)
FAULTS: dict[str, tuple[dict[str, object], type[UserFacingError], str]] = {
    "http_5xx": ({"status": 503}, UserFacingError, "error.backend.unavailable"),
    "malformed_body": ({"mode": "garbage"}, UserFacingError, "error.backend.malformed"),
    "drop_connection": ({}, p.BackendUnreachableError, "error.backend.unreachable"),
    "latency": ({"delay_s": 4.0}, p.BackendUnreachableError, "error.backend.timeout"),
}


@pytest.fixture
def faulty(backend: EmbeddedBackend) -> Iterator[Callable[..., None]]:
    def inject(fault: str, **params: object) -> None:
        backend.faults.inject(fault, **params)
    yield inject
    backend.faults.clear()


def _calls(ports: BackendPorts, person: p.Person, slot: str
           ) -> dict[str, Callable[[], Future[Any]]]:
    """One read and one write of each port family (each would succeed without the fault)."""
    return {
        "check_identity": lambda: ports.check_identity(person),
        "create_login_code": ports.create_login_code,
        "options": lambda: ports.options("bills", person, "zh"),
        "create_payment": lambda: ports.create_payment(p.PaymentRequest(
            uuid.uuid4().hex, "citizen_card_topup", 5000, "充值")),
        "issue_certificate": lambda: ports.issue_certificate(submission(
            person, "certificate", "social_insurance_record", "social_insurance_certificate")),
        "book_appointment": lambda: ports.book_appointment(submission(
            person, "appointment", None, "appointment_booking",
            fields={"slot": slot})),
    }


@pytest.mark.parametrize("call", ["check_identity", "create_login_code", "options",
                                  "create_payment", "issue_certificate", "book_appointment"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_hostile_answer_is_the_declared_error(fault: str, call: str, ports: BackendPorts,
                                              zhang: p.Person,
                                              faulty: Callable[..., None]) -> None:
    params, declared, key = FAULTS[fault]
    slot = ports.options("appointment_slots", zhang, "zh").result(timeout=T)[0].value
    faulty(fault, **params)
    with pytest.raises(UserFacingError) as err:
        _calls(ports, zhang, slot)[call]().result(timeout=30)
    assert isinstance(err.value, declared)
    assert_user_facing(err.value, key)


def test_payment_whose_answer_was_lost_is_found_again(ports: BackendPorts, zhang: p.Person,
                                                      faulty: Callable[..., None]) -> None:
    request = p.PaymentRequest(uuid.uuid4().hex, "utility_bill_payment", 5120, "缴纳账单",
                               "bill-w-2026-10")
    faulty("drop_connection", after_commit=True, count=2)  # the call and its one retry
    with pytest.raises(p.BackendUnreachableError):
        ports.create_payment(request).result(timeout=30)
    # The journal knew of the order before the call; the backend holds exactly that one.
    journaled = [e.order_id for e in ports.journal.open_entries()]
    found = ports.find_payment(request.idempotency_key).result(timeout=T)
    assert found is not None and found.state is p.PaymentState.PENDING
    assert journaled == [found.order_id]
    again = ports.create_payment(request).result(timeout=T)
    assert again.order_id == found.order_id


def test_bill_settlement_whose_answer_was_lost_is_not_done_twice(
        ports: BackendPorts, zhang: p.Person, phone: SimulatedPhone,
        faulty: Callable[..., None]) -> None:
    order = paid_order(ports, phone, "utility_bill_payment", 5120, "bill-w-2026-10")
    request = submission(zhang, "bill_payment", None, "utility_bill_payment",
                         fields={"bill": "bill-w-2026-10"}, payment_order_id=order.order_id)
    faulty("drop_connection", after_commit=True, count=2, path="/v1/bills/")
    with pytest.raises(p.BackendUnreachableError):
        ports.pay_bill(request).result(timeout=30)
    receipt = ports.pay_bill(request).result(timeout=T)  # same key: the same settlement
    assert receipt.reference
    assert "bill-w-2026-10" not in {b.value for b in
                                    ports.options("bills", zhang, "zh").result(timeout=T)}


def test_application_whose_answer_was_lost_is_one_application(
        ports: BackendPorts, zhang: p.Person, faulty: Callable[..., None]) -> None:
    request = submission(zhang, "application", "subsidy", "subsidy_documents",
                         fields={"household_size": "2", "monthly_income": "900"})
    faulty("drop_connection", after_commit=True, count=2, path="/v1/applications")
    with pytest.raises(p.BackendUnreachableError):
        ports.submit_application(request).result(timeout=30)
    first = ports.submit_application(request).result(timeout=T)
    again = ports.submit_application(request).result(timeout=T)
    assert first.reference == again.reference
    apps = ports.options("applications", zhang, "zh").result(timeout=T)
    assert len(apps) == 3  # two seeded, one submitted (not two)

"""BackendPorts (kiosk/adapters/backend.py) against the reference backend on loopback: one
test per port method of IdentityBackend, OptionsBackend, PaymentBackend,
SubmissionBackend and OutboxPort (kiosk/flow/ports.py). Hostile answers are in
test_backend_hostile.py."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from backend_client.client import BackendClient
from backend_client.outbox import Outbox
from backend_sim.phone import SimulatedPhone
from drivers.errors import UserFacingError
from kiosk.adapters.backend import BackendPorts, OutboxPort
from kiosk.adapters.devices import CameraAdapter
from kiosk.flow import ports as p

from .conftest import ZHANG_WEI, Devices, sim
from .user_facing import assert_user_facing

T = 10  # seconds a loopback call may take at most on a loaded machine (never asserted)


def submission(person: p.Person, action: str, kind: str | None, service_id: str,
               **extra: object) -> p.SubmissionRequest:
    return p.SubmissionRequest(idempotency_key=uuid.uuid4().hex, action=action, kind=kind,
                               service_id=service_id, person=person, language="zh",
                               **extra)  # type: ignore[arg-type]


def paid_order(ports: BackendPorts, phone: SimulatedPhone, service_id: str, amount: int,
               pays_for: str | None = None) -> p.PaymentOrder:
    order = ports.create_payment(p.PaymentRequest(uuid.uuid4().hex, service_id, amount,
                                                  "test", pays_for)).result(timeout=T)
    phone.pay(order.order_id)
    return ports.query_payment(order.order_id).result(timeout=T)


# -- IdentityBackend ----------------------------------------------------------------------

def test_check_identity(ports: BackendPorts) -> None:
    assert ports.check_identity(ZHANG_WEI).result(timeout=T).verdict is \
        p.IdentityVerdict.VERIFIED
    expired = p.Person(name="李娜", id_number="310104198506120465", source="id_card",
                       valid_until=date(2025, 6, 11))
    assert ports.check_identity(expired).result(timeout=T).verdict is \
        p.IdentityVerdict.EXPIRED
    wrong = p.Person(name="张三", id_number=ZHANG_WEI.id_number, source="id_card")
    assert ports.check_identity(wrong).result(timeout=T).verdict is p.IdentityVerdict.MISMATCH


def test_create_login_code_and_poll_it(ports: BackendPorts, phone: SimulatedPhone) -> None:
    code = ports.create_login_code().result(timeout=T)
    assert code.qr_url and code.expires_in_s > 0
    assert ports.poll_login_code(code.code_id).result(timeout=T).state is p.LoginState.PENDING
    phone.confirm_login(code.code_id, ZHANG_WEI.id_number)
    answer = ports.poll_login_code(code.code_id).result(timeout=T)
    assert answer.state is p.LoginState.CONFIRMED and answer.person is not None
    assert answer.person.id_number == ZHANG_WEI.id_number
    assert answer.person.source == "qr_login"
    # The login left a person token behind: person-scoped calls work.
    assert ports.options("bills", answer.person, "zh").result(timeout=T)


def test_verify_face(ports: BackendPorts, zhang: p.Person, devices: Devices) -> None:
    camera = devices.open("face_camera")
    camera_sim = sim(camera)
    adapter = CameraAdapter(camera)  # type: ignore[arg-type]
    camera_sim.present_person(zhang.id_number)
    image = adapter.capture().result(timeout=T)
    assert ports.verify_face(zhang, image).result(timeout=T) is p.FaceVerdict.MATCH
    camera_sim.present_person("440305194209150287")
    other = adapter.capture().result(timeout=T)
    assert ports.verify_face(zhang, other).result(timeout=T) is p.FaceVerdict.NO_MATCH


def test_person_calls_without_identification_say_so(ports: BackendPorts) -> None:
    with pytest.raises(UserFacingError) as err:
        ports.options("bills", ZHANG_WEI, "zh").result(timeout=T)
    assert_user_facing(err.value, "error.identity.session_expired")


# -- OptionsBackend -----------------------------------------------------------------------

def test_options(ports: BackendPorts, zhang: p.Person) -> None:
    bills = ports.options("bills", zhang, "zh").result(timeout=T)
    assert {b.value for b in bills} == {"bill-w-2026-10", "bill-e-2026-10"}
    assert all(b.amount_fen and b.amount_fen > 0 for b in bills)
    assert all("¥" in b.label or "." in b.label for b in bills)
    slots = ports.options("appointment_slots", zhang, "en").result(timeout=T)
    assert slots and all(s.value.startswith("slot-") for s in slots)
    apps = ports.options("applications", zhang, "zh").result(timeout=T)
    assert {a.value for a in apps} == {"app-seed-0001", "app-seed-0002"}
    with pytest.raises(UserFacingError) as err:
        ports.options("weather", zhang, "zh").result(timeout=T)
    assert_user_facing(err.value, "error.service.unknown")


# -- PaymentBackend -----------------------------------------------------------------------

def test_create_payment_is_journaled_and_idempotent(ports: BackendPorts) -> None:
    request = p.PaymentRequest(uuid.uuid4().hex, "utility_bill_payment", 5120, "缴纳账单",
                               "bill-w-2026-10")
    order = ports.create_payment(request).result(timeout=T)
    assert order.state is p.PaymentState.PENDING and order.amount_fen == 5120 and order.qr_url
    assert ports.journal.get(order.order_id) is not None
    again = ports.create_payment(request).result(timeout=T)
    assert again.order_id == order.order_id


def test_find_payment(ports: BackendPorts) -> None:
    assert ports.find_payment(uuid.uuid4().hex).result(timeout=T) is None
    key = uuid.uuid4().hex
    order = ports.create_payment(p.PaymentRequest(key, "citizen_card_topup", 5000, "充值")
                                 ).result(timeout=T)
    found = ports.find_payment(key).result(timeout=T)
    assert found is not None and found.order_id == order.order_id


def test_query_payment(ports: BackendPorts, phone: SimulatedPhone) -> None:
    order = paid_order(ports, phone, "citizen_card_topup", 5000)
    assert order.state is p.PaymentState.PAID


def test_close_payment(ports: BackendPorts) -> None:
    order = ports.create_payment(p.PaymentRequest(uuid.uuid4().hex, "citizen_card_topup",
                                                  5000, "充值")).result(timeout=T)
    assert ports.close_payment(order.order_id).result(timeout=T).state is p.PaymentState.CLOSED


def test_refund_payment(ports: BackendPorts, phone: SimulatedPhone) -> None:
    order = paid_order(ports, phone, "citizen_card_topup", 10000)
    refunded = ports.refund_payment(order.order_id, "card left the reader").result(timeout=T)
    assert refunded.state is p.PaymentState.REFUNDED


# -- SubmissionBackend --------------------------------------------------------------------

def test_issue_certificate(ports: BackendPorts, zhang: p.Person) -> None:
    request = submission(zhang, "certificate", "social_insurance_record",
                         "social_insurance_certificate")
    cert = ports.issue_certificate(request).result(timeout=T)
    assert cert["number"] and cert["title"]
    # The same key is the same certificate (a reprint), not a second one.
    assert ports.issue_certificate(request).result(timeout=T)["number"] == cert["number"]


def test_issue_certificate_not_eligible(ports: BackendPorts) -> None:
    foreigner = p.Person(name="SMITH, JOHN", id_number="USA650812010016", source="id_card",
                         card_type="foreign_permanent", valid_until=date(2030, 1, 1))
    assert ports.check_identity(foreigner).result(timeout=T).verdict is \
        p.IdentityVerdict.VERIFIED
    request = submission(foreigner, "certificate", "household_registration",
                         "household_certificate")
    with pytest.raises(UserFacingError) as err:
        ports.issue_certificate(request).result(timeout=T)
    assert_user_facing(err.value, "error.service.not_eligible")


def test_submit_application(ports: BackendPorts, zhang: p.Person,
                            client: BackendClient) -> None:
    photo = p.Attachment("elderly_card_photo", 1, p.CapturedImage(b"\xff\xd8photo\xff\xd9"))
    request = submission(zhang, "application", "elderly_card", "elderly_card",
                         fields={"phone": "13800138001"}, attachments=(photo,))
    receipt = ports.submit_application(request).result(timeout=T)
    assert receipt.reference.startswith("SQ") and receipt.lines
    again = ports.submit_application(request).result(timeout=T)
    assert again.reference == receipt.reference  # same key: one application


def test_pay_bill(ports: BackendPorts, zhang: p.Person, phone: SimulatedPhone) -> None:
    unpaid = submission(zhang, "bill_payment", None, "utility_bill_payment",
                        fields={"bill": "bill-w-2026-10"})
    with pytest.raises(UserFacingError) as err:
        ports.pay_bill(unpaid).result(timeout=T)
    assert_user_facing(err.value, "error.payment.not_paid")
    order = paid_order(ports, phone, "utility_bill_payment", 5120, "bill-w-2026-10")
    request = submission(zhang, "bill_payment", None, "utility_bill_payment",
                         fields={"bill": "bill-w-2026-10"}, payment_order_id=order.order_id)
    receipt = ports.pay_bill(request).result(timeout=T)
    assert receipt.reference and receipt.lines
    left = ports.options("bills", zhang, "zh").result(timeout=T)
    assert "bill-w-2026-10" not in {b.value for b in left}


def test_book_appointment(ports: BackendPorts, zhang: p.Person) -> None:
    slot = ports.options("appointment_slots", zhang, "zh").result(timeout=T)[0].value
    request = submission(zhang, "appointment", None, "appointment_booking",
                         fields={"slot": slot})
    receipt = ports.book_appointment(request).result(timeout=T)
    assert receipt.reference and len(receipt.lines) == 3


def test_query_applications(ports: BackendPorts, zhang: p.Person) -> None:
    request = submission(zhang, "status_query", None, "application_status")
    receipt = ports.query_applications(request).result(timeout=T)
    assert len(receipt.lines) == 2
    assert all(status for _, status in receipt.lines)


def test_authorise_and_confirm_topup(ports: BackendPorts, phone: SimulatedPhone,
                                     devices: Devices) -> None:
    from kiosk.adapters.devices import CitizenCardAdapter

    reader = devices.open("card_reader")
    sim(reader).insert_card("wang_fang")
    card = CitizenCardAdapter(reader, "KIOSK-ADAPTER-0001")  # type: ignore[arg-type]
    holder = card.read_holder().result(timeout=T)
    assert ports.check_identity(holder).result(timeout=T).verdict is \
        p.IdentityVerdict.VERIFIED
    order = paid_order(ports, phone, "citizen_card_topup", 5000)
    load = card.initialize_for_load(5000).result(timeout=T)
    assert load.old_balance_fen == 5000
    auth = ports.authorise_topup(p.TopupRequest(order.order_id, 5000, load)).result(timeout=T)
    tac = card.credit_for_load(auth.mac2, auth.when).result(timeout=T)
    assert len(tac) == 4
    assert ports.confirm_topup(auth.topup_id, tac).result(timeout=T) is None
    assert card.initialize_for_load(100).result(timeout=T).old_balance_fen == 10000


# -- OutboxPort ---------------------------------------------------------------------------

def test_outbox_enqueue_then_delivered(ports: BackendPorts, zhang: p.Person,
                                       client: BackendClient, tmp_path: object) -> None:
    from pathlib import Path

    outbox = Outbox(Path(str(tmp_path)) / "outbox.sqlite")
    port = OutboxPort(outbox, ports)
    request = submission(zhang, "application", "subsidy", "subsidy_documents",
                         fields={"household_size": "3", "monthly_income": "1200"})
    port.enqueue(request)
    assert outbox.pending_count() == 1
    assert outbox.flush(client) == 1
    assert outbox.pending_count() == 0
    kinds = [a.kind for a in client.applications(ports._token(zhang)).applications]
    assert kinds.count("subsidy") == 2  # the seeded one and the delivered one
    outbox.close()

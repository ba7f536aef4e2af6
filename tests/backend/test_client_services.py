"""The client against the running reference backend: every part of the contract."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pytest
from Crypto.Signature import eddsa

from backend_client.client import BackendClient
from backend_client.errors import BackendAuthError, BackendRejectedError
from backend_client.models import (
    ApplicationCreate,
    AttachmentUpload,
    AuditBatch,
    AuditEvent,
    CertificateRequest,
    DeviceReport,
    Heartbeat,
    IdentityCheckRequest,
)
from backend_client.outbox import ApplicationDraft, submit_application
from backend_client.service_definition import Catalog
from backend_sim.certificates import canonical_bytes
from backend_sim.embedded import EmbeddedBackend
from backend_sim.phone import SimulatedPhone
from drivers.camera.jpeg import encode_jpeg


def test_catalog_has_eight_services_in_both_languages(client: BackendClient) -> None:
    catalog = client.catalog()
    assert isinstance(catalog, Catalog)
    assert len(catalog.services) >= 8
    actions = {s.action for svc in catalog.services for s in svc.steps if s.type == "submit"}
    assert actions == {"certificate", "application", "bill_payment", "card_topup",
                       "appointment", "status_query"}
    assert all(svc.title.zh and svc.title.en for svc in catalog.services)


def test_identity_check_valid_expired_mismatch_unknown(
    client: BackendClient, zhang_wei: IdentityCheckRequest
) -> None:
    ZHANG_WEI = zhang_wei
    valid = client.check_identity(ZHANG_WEI)
    assert valid.result == "valid" and valid.person and valid.person.name == "张伟"
    expired = client.check_identity(IdentityCheckRequest(
        document_type="resident_id", name="李娜", id_number="310104198506120465",
        valid_from=date(2015, 6, 11), valid_until=date(2025, 6, 11)))
    assert expired.result == "expired" and expired.person_token is None
    wrong_name = client.check_identity(ZHANG_WEI.model_copy(update={"name": "张三"}))
    assert wrong_name.result == "mismatch"
    stranger = ZHANG_WEI.model_copy(update={"id_number": "11010119580307999X"})
    unknown = client.check_identity(stranger)
    assert unknown.result == "unknown"
    blocked = client.check_identity(IdentityCheckRequest(
        document_type="citizen_card", name="刘洋", id_number="330106199004020158"))
    assert blocked.result == "blocked"
    foreign = client.check_identity(IdentityCheckRequest(
        document_type="foreign_permanent", name="SMITH, JOHN", id_number="USA650812010016",
        valid_until=date(2030, 1, 1)))
    assert foreign.result == "valid"


def jpeg_with_marker(who: str) -> bytes:
    """A capture as the simulated face camera labels it (a real JPEG, COM segment)."""
    return encode_jpeg(np.full((48, 64, 3), 128, np.uint8), comment=f"sim-person={who}")


def test_face_verification_follows_the_simulated_marker_rule(
    client: BackendClient, zhang_token: str
) -> None:
    assert client.verify_face(zhang_token, jpeg_with_marker("110101195803070230")).result == "match"
    assert client.verify_face(zhang_token, jpeg_with_marker("310104198506120465")).result == (
        "no_match")
    assert client.verify_face(zhang_token, jpeg_with_marker("none")).result == "no_face"
    assert client.verify_face(zhang_token, b"\xff\xd8\xff\xd9").result == "no_match"


def test_qr_login_confirmed_by_the_simulated_phone(
    client: BackendClient, phone: SimulatedPhone
) -> None:
    login = client.create_qr_login()
    assert client.poll_qr_login(login.login_id).status == "pending"
    phone.confirm_login(login.login_id, "440305194209150287")
    status = client.poll_qr_login(login.login_id)
    assert status.status == "confirmed" and status.person and status.person.name == "王芳"
    assert status.person_token is not None
    assert client.bills(status.person_token)[0].utility == "gas"


def test_person_queries(client: BackendClient, zhang_token: str) -> None:
    records = client.insurance_records(zhang_token)
    assert len(records.months) > 100 and records.months[0].month == "2008-01"
    assert {b.bill_id for b in client.bills(zhang_token)} == {"bill-e-2026-10", "bill-w-2026-10"}
    states = {a.status for a in client.applications(zhang_token).applications}
    assert {"in_review", "completed"} <= states


def test_bad_person_token_is_a_typed_error(client: BackendClient) -> None:
    with pytest.raises(BackendAuthError) as err:
        client.insurance_records("not-a-real-token")
    assert err.value.message_key == "error.identity.session_expired"


def test_certificate_is_signed_over_its_canonical_json(
    client: BackendClient, backend: EmbeddedBackend, zhang_token: str
) -> None:
    cert = client.issue_certificate(
        CertificateRequest(person_token=zhang_token, template="social_insurance_record"),
        "cert-key-0001",
    )
    doc = cert.model_dump(mode="json")
    doc["fields"] = [dict(f) for f in doc["fields"]]
    key = eddsa.import_public_key(base64.b64decode(backend.state.signing_public_key_base64))
    eddsa.new(key, "rfc8032").verify(canonical_bytes(doc), base64.b64decode(cert.signature))
    assert cert.table is not None and len(cert.table.rows) > 100
    again = client.issue_certificate(
        CertificateRequest(person_token=zhang_token, template="social_insurance_record"),
        "cert-key-0001",
    )
    assert again.number == cert.number
    en = client.issue_certificate(
        CertificateRequest(person_token=zhang_token, template="household_registration",
                           language="en"), "cert-key-0002")
    assert en.language == "en" and en.fields[0].label == "Sex"
    assert json.loads(json.dumps(doc))["holder"]["id_number"] == "110101195803070230"


def test_application_with_attachments_and_status(client: BackendClient, zhang_token: str) -> None:
    draft = ApplicationDraft(
        create=ApplicationCreate(person_token=zhang_token, service_id="elderly_card",
                                 kind="elderly_card", form={"phone": "13800138000"}),
        attachments=(AttachmentUpload(document_id="elderly_card_photo", content_type="image/jpeg",
                                      data_base64=base64.b64encode(b"\xff\xd8photo").decode()),),
    )
    submitted = submit_application(client, draft, "app-key-0001")
    assert submitted.status == "submitted" and submitted.reference.startswith("SQ")
    assert client.application(submitted.application_id).attachments
    # A replay of the whole chain with the same key changes nothing.
    assert submit_application(client, draft, "app-key-0001") == submitted
    listed = client.applications(zhang_token).applications
    assert sum(a.application_id == submitted.application_id for a in listed) == 1


def test_appointment_slots_and_booking(client: BackendClient, zhang_token: str) -> None:
    slots = client.appointment_slots("appointment_booking").slots
    single = next(s for s in slots if s.remaining == 1)
    booked = client.book_appointment(zhang_token, single.slot_id, "apt-key-0001")
    assert booked.slot.remaining == 0
    assert client.book_appointment(zhang_token, single.slot_id, "apt-key-0001") == booked
    with pytest.raises(BackendRejectedError) as err:
        client.book_appointment(zhang_token, single.slot_id, "apt-key-0002")
    assert err.value.message_key == "error.appointment.slot_full"


def test_heartbeat_and_audit(client: BackendClient) -> None:
    ack = client.heartbeat(Heartbeat(app_version="0.1.0", uptime_s=12.5, devices=(
        DeviceReport(name="receipt_printer", family="receipt_printer", state="online"),)))
    assert ack.commands == ()
    batch = AuditBatch(events=(AuditEvent(seq=1, at=ack.server_time, kind="session.start"),))
    assert client.upload_audit(batch, "audit-key-0001").accepted == 1

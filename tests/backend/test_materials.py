"""The materials library and phone uploads of the reference backend, through the client."""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader

from backend_client.client import BackendClient
from backend_client.errors import BackendError
from backend_client.models import (
    ApplicationCreate,
    AttachmentUpload,
    IdentityCheckRequest,
    PhoneUploadCreate,
)
from backend_client.outbox import ApplicationDraft, submit_application
from backend_sim.phone import SimulatedPhone
from drivers.camera.desk_scene import phone_file
from kiosk.flow.steps.document_pdf import build_pdf

WANG_FANG = IdentityCheckRequest(document_type="resident_id", name="王芳",
                                 id_number="440305194209150287")


def _draft(token: str, *uploads: AttachmentUpload) -> ApplicationDraft:
    return ApplicationDraft(create=ApplicationCreate(
        person_token=token, service_id="subsidy_documents", kind="subsidy",
        form={"household_size": "1", "monthly_income": "900"}), attachments=uploads)


def _pdf(pages: int) -> str:
    _, photo = phone_file(1)
    return base64.b64encode(build_pdf([photo] * pages, 3_000_000).data).decode()


def test_submitted_pdfs_are_kept_and_reused_only_by_their_owner(
        client: BackendClient, zhang_token: str) -> None:
    seeded = client.materials(zhang_token, ["hukou_book"]).materials
    assert [(m.material_type, str(m.submitted_on), m.pages) for m in seeded] == [
        ("hukou_book", "2026-11-20", 1)]
    assert seeded[0].preview_jpeg_base64  # the kiosk shows page 1 before reuse
    done = submit_application(client, _draft(
        zhang_token,
        AttachmentUpload(document_id="hukou_book", content_type="application/pdf",
                         material_id=seeded[0].material_id),
        AttachmentUpload(document_id="income_proof", content_type="application/pdf",
                         data_base64=_pdf(2))), "mat-key-1")
    assert done.status == "submitted"
    kept = client.materials(zhang_token, ["hukou_book", "income_proof"]).materials
    assert sorted((m.material_type, m.pages) for m in kept) == [
        ("hukou_book", 1), ("income_proof", 2)]  # the reused copy is not kept twice
    other = client.check_identity(WANG_FANG).person_token
    assert other and client.materials(other, []).materials == ()
    with pytest.raises(BackendError):  # another person's material is not attachable
        submit_application(client, _draft(other, AttachmentUpload(
            document_id="hukou_book", content_type="application/pdf",
            material_id=seeded[0].material_id)), "mat-key-2")
    with pytest.raises(BackendError):  # a "PDF" that is none is refused
        submit_application(client, _draft(other, AttachmentUpload(
            document_id="hukou_book", content_type="application/pdf",
            data_base64=base64.b64encode(b"not a pdf at all").decode())), "mat-key-3")


def test_a_file_from_the_phone_arrives_as_jpeg_pages(
        client: BackendClient, zhang_token: str, phone: SimulatedPhone) -> None:
    slot = client.create_phone_upload(
        PhoneUploadCreate(person_token=zhang_token, document_id="income_proof"), "upload-key-0001")
    assert slot.status == "waiting" and slot.url.endswith(slot.upload_id)
    assert client.phone_upload(slot.upload_id).pages == ()
    kind, data = phone_file(3, as_pdf=True)
    assert len(PdfReader(io.BytesIO(data)).pages) == 3
    assert phone.upload(slot.upload_id, kind, data) == "received"
    got = client.phone_upload(slot.upload_id)
    assert got.status == "received" and len(got.pages) == 3
    assert all(base64.b64decode(p)[:2] == b"\xff\xd8" for p in got.pages)
    bad = client.create_phone_upload(
        PhoneUploadCreate(person_token=zhang_token, document_id="income_proof"), "upload-key-0002")
    assert phone.upload(bad.upload_id, "image/jpeg", b"\x00" * 64) == "rejected"
    assert client.phone_upload(bad.upload_id).reason == "unsupported_file"

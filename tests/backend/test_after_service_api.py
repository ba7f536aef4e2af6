"""The reference backend after a service: ratings, the progress page, delivery and
signature checks on applications (over real loopback HTTP, signed calls)."""

from __future__ import annotations

import base64

import pytest
import requests
from pydantic import ValidationError

from backend_client.client import BackendClient
from backend_client.errors import BackendNotFoundError, BackendRejectedError
from backend_client.models import ApplicationCreate, AttachmentUpload, RatingCreate
from backend_client.outbox import ApplicationDraft, submit_application
from backend_sim.embedded import EmbeddedBackend

PNG = AttachmentUpload(document_id="applicant_signature", content_type="image/png",
                       data_base64=base64.b64encode(b"\x89PNG signature").decode())


def _draft(token: str, service: str, kind: str, form: dict[str, str],
           attachments: tuple[AttachmentUpload, ...] = ()) -> ApplicationDraft:
    return ApplicationDraft(create=ApplicationCreate(person_token=token, service_id=service,
                                                     kind=kind, form=form),
                            attachments=attachments)


def test_rating_stored_once_and_checked(client: BackendClient) -> None:
    rating = RatingCreate(service_id="elderly_card", level=2, reasons=("slow",),
                          reference="SQ1")
    first = client.rate(rating, "rating-key-0001")
    assert client.rate(rating, "rating-key-0001") == first  # the same key: stored once
    assert first.level == 2
    with pytest.raises(BackendNotFoundError):
        client.rate(RatingCreate(service_id="no_such", level=5), "rating-key-0002")
    with pytest.raises(ValidationError):
        RatingCreate(service_id="elderly_card", level=1, reasons=("bogus",))  # type: ignore[arg-type]


def test_receipt_answer_and_public_progress_page(client: BackendClient, zhang_token: str,
                                                 backend: EmbeddedBackend) -> None:
    done = submit_application(client, _draft(zhang_token, "elderly_card", "elderly_card",
                                             {"delivery_method": "pickup"}), "app-key-0101")
    assert "5个工作日" in done.next_steps["zh"] and "window" in done.next_steps["en"]
    assert done.progress_url and done.progress_url.endswith(f"/progress/{done.reference}")
    page = requests.get(done.progress_url, headers={"Accept": "text/html"}, timeout=5)
    assert page.status_code == 200 and done.reference in page.text and "已受理" in page.text
    assert "张" not in page.text  # no personal data on a public page
    answer = requests.get(done.progress_url, timeout=5).json()
    assert answer["status"] == "submitted" and answer["service_id"] == "elderly_card"
    assert requests.get(f"{backend.url}/progress/SQ0000", timeout=5).status_code == 404


def test_mail_delivery_needs_an_address_and_a_phone(client: BackendClient,
                                                    zhang_token: str) -> None:
    form = {"delivery_method": "mail", "delivery_name": "张伟", "delivery_phone": "12345",
            "delivery_address": "北京市东城区景山前街4号"}
    with pytest.raises(BackendRejectedError) as err:
        submit_application(client, _draft(zhang_token, "elderly_card", "elderly_card", form),
                           "app-key-0201")
    assert err.value.message_key == "error.application.delivery_incomplete"
    form["delivery_phone"] = "13912345678"
    done = submit_application(client, _draft(zhang_token, "elderly_card", "elderly_card",
                                             form), "app-key-0202")
    assert "邮寄" in done.next_steps["zh"]


def test_signature_stored_with_the_application(client: BackendClient,
                                               zhang_token: str) -> None:
    form = {"household_size": "2", "monthly_income": "1500"}
    done = submit_application(client, _draft(zhang_token, "subsidy_documents", "subsidy",
                                             form, (PNG,)), "app-key-0302")
    stored = client.application(done.application_id)
    assert done.status == "submitted" and len(stored.attachments) == 1

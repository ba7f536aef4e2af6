"""The steps after the form: delivery choice, signature; and the 好差评 rating."""

from __future__ import annotations

from typing import Any

import pytest

from backend_client.service_definition import DeliveryStep, LocalText, SignStep
from kiosk.flow.ports import PaymentOrder, PaymentState, SubmissionReceipt
from kiosk.flow.rating import RatingState, ServiceRating, reference_of
from kiosk.flow.steps import controller_for
from kiosk.flow.steps.delivery import DeliveryState
from kiosk.flow.steps.review import ReviewController
from kiosk.flow.steps.sign import SignState

from .fakes import ZHANG_WEI
from .services import ELDERLY_CARD

DELIVERY = DeliveryStep(type="delivery", pickup_place=LocalText(zh="1号窗口", en="Window 1"))
SIGN = SignStep(type="sign", title=LocalText(zh="签名", en="Signature"),
                statement=LocalText(zh="本人承诺", en="I confirm"))


@pytest.fixture
def run(make_context, session):  # type: ignore[no-untyped-def]
    session.identify(ZHANG_WEI)

    def make(step: Any) -> Any:
        controller = controller_for(step, make_context(ELDERLY_CARD))
        controller.start()
        return controller

    return make


def test_delivery_mail_is_prefilled_and_validated(run, session) -> None:
    session.data.fields["address"] = "北京市东城区景山前街4号"
    delivery = run(DELIVERY)
    assert delivery.raw["delivery_name"] == ZHANG_WEI.name
    assert delivery.raw["delivery_address"] == "北京市东城区景山前街4号"
    delivery.submit()
    assert delivery.error.message_key == "delivery.choose_method" and not delivery.done
    delivery.choose("mail")
    delivery.raw["delivery_phone"] = "12345"
    delivery.submit()
    assert delivery.field_errors["delivery_phone"].message_key == "validation.phone"
    assert delivery.state is DeliveryState.CHOOSING
    delivery.raw["delivery_phone"] = "139 1234 5678"
    delivery.raw["delivery_address"] = " "
    delivery.submit()
    assert set(delivery.field_errors) == {"delivery_address"}
    delivery.raw["delivery_address"] = "北京市东城区景山前街4号"
    delivery.submit()
    assert delivery.done
    assert session.data.fields["delivery_method"] == "mail"
    assert session.data.fields["delivery_phone"] == "13912345678"


def test_pickup_needs_nothing_more_and_replaces_mail(run, session) -> None:
    session.data.fields.update({"delivery_method": "mail", "delivery_address": "x"})
    delivery = run(DELIVERY)
    delivery.choose("pickup")
    delivery.submit()
    assert delivery.done and session.data.fields["delivery_method"] == "pickup"
    assert "delivery_address" not in session.data.fields


def test_review_shows_signature_and_delivery_masked(make_context, session) -> None:
    session.identify(ZHANG_WEI)
    session.data.fields.update({"delivery_method": "mail", "delivery_name": "张伟",
                                "delivery_phone": "13912345678",
                                "delivery_address": "北京市东城区景山前街4号"})
    service = ELDERLY_CARD.model_copy(update={"steps": (*ELDERLY_CARD.steps, SIGN, DELIVERY)})
    session.data.photos["applicant_signature"] = session.store_file("signature", b"png",
                                                                     ".png")
    review = ReviewController(make_context(service), service.steps[5])
    review.start()
    shown = {i.key: i for i in review.items}
    assert shown["signature.applicant_signature"].label == SIGN.title
    assert shown["delivery.method"].value_text.zh == "邮寄到家"
    assert shown["field.delivery_phone"].value == "139****5678"
    assert "景山前街4号" not in shown["field.delivery_address"].value


def test_signature_kept_in_the_session_cleared_and_confirmed(run, session) -> None:
    sign = run(SIGN)
    sign.confirm()
    assert sign.error.message_key == "sign.empty" and sign.state is SignState.EMPTY
    sign.set_signature(b"\x89PNG first")
    first = session.data.photos["applicant_signature"]
    assert first.parent == session.temp_dir and first.suffix == ".png"
    sign.clear()
    assert sign.state is SignState.EMPTY and not first.exists()
    assert "applicant_signature" not in session.data.photos
    sign.set_signature(b"\x89PNG second")
    sign.confirm()
    assert sign.done and sign.image() == b"\x89PNG second"
    sign.wipe()
    assert not list(session.temp_dir.iterdir())


class _Ratings:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def rate(self, request: Any) -> Any:
        from concurrent.futures import Future

        self.sent.append(request)
        done: Future[None] = Future()
        done.set_result(None)
        return done


def test_rating_levels_reasons_send_once(session) -> None:
    session.data.receipt = SubmissionReceipt("SQ1")
    port = _Ratings()
    rating = ServiceRating("elderly_card", reference_of(session.data), port, lambda: "en")
    rating.send()
    assert port.sent == []  # no level yet
    rating.choose(2)
    rating.toggle_reason("slow")
    rating.toggle_reason("bogus")
    rating.choose(3)
    rating.send()
    rating.send()
    assert rating.state is RatingState.RATED
    assert [(r.level, r.reasons, r.reference, r.service_id) for r in port.sent] == [
        (3, ("slow",), "SQ1", "elderly_card")]


def test_reasons_only_at_the_lower_levels_and_skip(session) -> None:
    session.data.payment = PaymentOrder("ORD1", PaymentState.PAID, 100)
    rating = ServiceRating("x", reference_of(session.data), None, lambda: "zh")
    assert rating.reference == "ORD1"
    rating.choose(5)
    rating.toggle_reason("slow")
    assert rating.reasons == []
    rating.skip()
    assert rating.state is RatingState.SKIPPED

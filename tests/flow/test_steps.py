"""Happy and failure paths of verify_face, form, capture_photo, scan_documents, submit, print."""

from __future__ import annotations

from typing import Any

import pytest

from drivers.camera.guidance import Guidance
from drivers.camera.liveness import Challenge
from kiosk.flow.ports import FaceVerdict, Option, PaymentOrder, PaymentState
from kiosk.flow.steps import controller_for
from kiosk.flow.steps.capture_photo import CapturePhotoState
from kiosk.flow.steps.form import FormState
from kiosk.flow.steps.printing import PrintState
from kiosk.flow.steps.review import ReviewController
from kiosk.flow.steps.scan_documents import ScanState
from kiosk.flow.steps.submit import SubmitState
from kiosk.flow.steps.verify_face import VerifyFaceState
from kiosk.flow.validation import FieldInvalid
from kiosk_base.errors import DeviceOfflineError, MediaError

from .fakes import ZHANG_WEI
from .services import APPOINTMENT, BILL_PAYMENT, CERTIFICATE, ELDERLY_CARD


@pytest.fixture
def step(make_context, session):  # type: ignore[no-untyped-def]
    session.identify(ZHANG_WEI)

    def make(service: Any, index: int) -> Any:
        controller = controller_for(service.steps[index], make_context(service))
        controller.start()
        return controller

    return make


def _check_face(face, kiosk, executor, clock) -> None:  # type: ignore[no-untyped-def]
    """The resident starts the check, does the challenge, the photo goes to the backend."""
    clock.advance(5)  # past the pause after a failed attempt
    face.capture()
    kiosk.face_camera.perform(face.challenge)
    executor.run_all()


def test_face_verified_on_the_second_attempt(step, kiosk, executor, clock) -> None:
    kiosk.backend.face = [FaceVerdict.NO_MATCH]
    face = step(ELDERLY_CARD, 1)
    _check_face(face, kiosk, executor, clock)
    assert face.state is VerifyFaceState.RETRY and face.attempts_left == 2
    assert face.error.message_key == "face.no_match"
    _check_face(face, kiosk, executor, clock)
    assert face.done
    assert kiosk.face_camera.on_frame is None  # the preview stopped


def test_face_fails_clearly_after_three_attempts(step, kiosk, executor, clock) -> None:
    kiosk.backend.face = [FaceVerdict.NO_FACE, FaceVerdict.NO_MATCH, FaceVerdict.NO_MATCH]
    face = step(ELDERLY_CARD, 1)
    for _ in range(4):
        _check_face(face, kiosk, executor, clock)
    assert face.state is VerifyFaceState.FAILED and face.error.message_key == "face.failed"
    assert kiosk.backend.calls.count("verify_face") == 3


def test_face_camera_error_does_not_use_an_attempt(step, kiosk, executor, clock) -> None:
    kiosk.face_camera.fail_next = DeviceOfflineError("gone", device="face_camera")
    face = step(ELDERLY_CARD, 1)
    _check_face(face, kiosk, executor, clock)
    assert face.state is VerifyFaceState.ERROR and face.attempts == 0
    kiosk.face_camera.show()  # the camera is back: after a moment the resident is guided
    clock.advance(5)
    kiosk.face_camera.show()
    assert face.state is VerifyFaceState.GUIDING
    _check_face(face, kiosk, executor, clock)
    assert face.done


def test_liveness_challenge_not_met_uses_an_attempt_and_never_reaches_the_backend(
    step, kiosk, executor, clock
) -> None:
    face = step(ELDERLY_CARD, 1)
    for _ in range(3):
        clock.advance(5)
        face.capture()
        assert face.state is VerifyFaceState.CHALLENGE and kiosk.face_camera.closely
        for _ in range(5):  # a printed photo: eyes open, straight, whatever it is asked
            kiosk.face_camera.show()
        clock.advance(9)
        kiosk.face_camera.show()
    assert face.state is VerifyFaceState.FAILED and face.error.message_key == "face.failed"
    assert "verify_face" not in kiosk.backend.calls


def test_the_wrong_gesture_does_not_pass(step, kiosk, executor, clock) -> None:
    face = step(ELDERLY_CARD, 1)
    face.capture()
    wrong = {Challenge.BLINK: Challenge.TURN_LEFT, Challenge.TURN_LEFT: Challenge.TURN_RIGHT,
             Challenge.TURN_RIGHT: Challenge.BLINK}[face.challenge]
    kiosk.face_camera.perform(wrong)
    assert face.state is VerifyFaceState.CHALLENGE


def test_face_check_starts_by_itself_when_the_face_is_placed_and_steady(
    step, kiosk, clock
) -> None:
    face = step(ELDERLY_CARD, 1)
    kiosk.face_camera.show(width=0.15)
    assert face.guidance is Guidance.MOVE_CLOSER
    kiosk.face_camera.show(x=0.25)
    assert face.guidance is Guidance.MOVE_LEFT
    for _ in range(4):
        kiosk.face_camera.show()
        clock.advance(0.4)
    kiosk.face_camera.show()
    assert face.state is VerifyFaceState.CHALLENGE


def test_form_prefills_validates_and_stores(step, executor, session) -> None:
    form = step(ELDERLY_CARD, 2)
    assert form.state is FormState.EDITING
    assert form.raw == {"name": "张伟", "phone": "13800138000", "address": ZHANG_WEI.address}
    with pytest.raises(FieldInvalid):
        form.set_value("phone", "12345")
    assert not form.submit()
    assert set(form.field_errors) == {"phone", "delivery"}
    form.set_value("phone", "010-65123456")
    form.set_value("delivery", "collect")
    assert form.submit() and form.done
    assert session.data.fields["phone"] == "010-65123456"
    assert [o.label for o in form.options("delivery")] == ["邮寄", "自取"]


def test_form_options_from_the_backend(step, kiosk, executor, session) -> None:
    kiosk.backend.options_by_source["bills"] = (Option("B1", "水费 2026-10", 4321),)
    form = step(BILL_PAYMENT, 1)
    assert form.state is FormState.LOADING
    executor.run_all()
    assert form.state is FormState.EDITING and form.options("bill")[0].value == "B1"
    form.set_value("bill", "B1")
    assert form.submit()
    assert session.data.picked["bill"].amount_fen == 4321


def test_form_options_unreachable_then_retry(step, kiosk, executor) -> None:
    kiosk.backend.down.add("options")
    kiosk.backend.options_by_source["bills"] = ()
    form = step(BILL_PAYMENT, 1)
    executor.run_all()
    assert form.state is FormState.FAILED and form.error.message_key == "error.backend.unreachable"
    kiosk.backend.down.clear()
    form.retry()
    executor.run_all()
    assert form.state is FormState.EDITING


def _place_face(camera, clock) -> None:  # type: ignore[no-untyped-def]
    for _ in range(4):
        camera.show(width=0.33)
        clock.advance(0.4)
    camera.show(width=0.33)


def test_photo_taken_by_itself_then_retaken_shreds_the_old_one(
    step, kiosk, executor, session, clock
) -> None:
    photo = step(ELDERLY_CARD, 3)
    kiosk.face_camera.show(width=0.5)
    assert photo.guidance is Guidance.MOVE_BACK and photo.state is CapturePhotoState.GUIDING
    _place_face(kiosk.face_camera, clock)
    executor.run_all()
    assert photo.state is CapturePhotoState.PREVIEW
    first = photo.photo
    photo.retake()
    assert photo.state is CapturePhotoState.GUIDING
    photo.capture()  # the button takes it at once
    executor.run_all()
    assert photo.state is CapturePhotoState.PREVIEW and not first.exists()
    photo.accept()
    assert photo.done and session.data.photos["elderly_card_photo"].read_bytes() == b"JPEG face #2"


def test_photo_failing_a_check_says_which_and_guidance_goes_on(
    step, kiosk, executor, clock
) -> None:
    photo = step(ELDERLY_CARD, 3)
    kiosk.face_camera.photo_problems = ("background",)
    _place_face(kiosk.face_camera, clock)
    executor.run_all()
    assert photo.state is CapturePhotoState.REJECTED
    assert photo.error.message_key == "photo.problem.background"
    clock.advance(5)
    _place_face(kiosk.face_camera, clock)
    executor.run_all()
    assert photo.state is CapturePhotoState.PREVIEW and photo.photo is not None


def test_scan_pages_min_max_retake_delete(step, kiosk, executor, session) -> None:
    scan = step(ELDERLY_CARD, 4)
    assert not scan.finish() and scan.error.message_key == "scan.too_few_pages"
    for _ in range(3):
        scan.capture_page("hukou")
        executor.run_all()
    assert len(scan.pages["hukou"]) == 2 and scan.error.message_key == "scan.too_many_pages"
    scan.retake_page("hukou", 0)
    executor.run_all()
    assert b"page #3" in scan.pages["hukou"][0].read_bytes()
    scan.delete_page("hukou", 1)
    kiosk.document_camera.fail_next = MediaError("jam", code="JAM")
    scan.capture_page("hukou")
    executor.run_all()
    assert scan.state is ScanState.FAILED and len(scan.pages["hukou"]) == 1
    assert scan.finish()
    executor.run_all()  # the document's PDF is made on the worker
    assert scan.done and session.data.pages["hukou"] == scan.pages["hukou"]
    assert session.data.documents["hukou"].read_bytes().startswith(b"%PDF-")


def test_review_masks_personal_data(step, session) -> None:
    session.data.fields.update({"name": "张伟", "phone": "13800138000", "delivery": "post"})
    review = step(ELDERLY_CARD, 5)
    assert isinstance(review, ReviewController)
    shown = {item.key: item.value for item in review.items}
    assert shown["person.name"] == "张*" and shown["person.id_number"] == "1101************30"
    assert shown["field.name"] == "张*" and shown["field.phone"] == "138****8000"
    assert shown["field.delivery"] == "邮寄"
    review.confirm()
    assert review.done


def test_certificate_issued_then_printed(step, kiosk, executor, session) -> None:
    submit = step(CERTIFICATE, 1)
    executor.run_all()
    assert submit.state is SubmitState.DONE and submit.committed
    printer = step(CERTIFICATE, 2)
    executor.run_all()
    assert printer.state is PrintState.PRINTED
    assert kiosk.a4_printer.printed == [session.data.certificate]


def test_certificate_unreachable_fails_clearly_no_outbox(step, kiosk, executor) -> None:
    kiosk.backend.down.add("issue_certificate")
    submit = step(CERTIFICATE, 1)
    executor.run_all()
    assert submit.state is SubmitState.FAILED and submit.error.message_key == "submit.unreachable"
    assert kiosk.outbox.queued == []
    kiosk.backend.down.clear()
    submit.retry()
    executor.run_all()
    assert submit.done
    keys = {r.idempotency_key for r in kiosk.backend.submissions}
    assert len(keys) == 1


def test_appointment_unreachable_is_not_queued(step, kiosk, executor) -> None:
    kiosk.backend.down.add("book_appointment")
    submit = step(APPOINTMENT, 1)
    executor.run_all()
    assert submit.state is SubmitState.FAILED and kiosk.outbox.queued == []


def test_bill_settlement_waits_in_the_outbox(step, kiosk, executor, session) -> None:
    session.data.payment = PaymentOrder("P1", PaymentState.PAID, 4321)
    kiosk.backend.down.add("pay_bill")
    submit = step(BILL_PAYMENT, 4)
    executor.run_all()
    assert submit.state is SubmitState.QUEUED and submit.done
    assert kiosk.outbox.queued[0].payment_order_id == "P1"


def test_receipt_print_failure_after_payment_offers_staff_reprint(step, kiosk, executor,
                                                                  session) -> None:
    session.data.payment = PaymentOrder("P1", PaymentState.PAID, 1000)
    kiosk.receipt_printer.fail_next = MediaError("paper out", code="DLE_EOT_PAPER_OUT")
    printer = step(ELDERLY_CARD, 8)
    executor.run_all()
    assert printer.state is PrintState.FAILED and not printer.done
    assert printer.error.message_key == "print.failed_after_payment" and printer.staff_reprint
    printer.retry()
    executor.run_all()
    assert printer.state is PrintState.PRINTED
    assert kiosk.receipt_printer.printed[0].order_id == "P1"



from __future__ import annotations

from kiosk.flow.ports import IdentityVerdict
from kiosk.flow.steps.identify import IdentifyController, IdentifyState
from kiosk_base.errors import DeviceOfflineError

from .fakes import LI_NA_EXPIRED, WANG_FANG_CARD, ZHANG_WEI
from .services import APPOINTMENT, CERTIFICATE, TOPUP


def identify(make_context, service=CERTIFICATE) -> IdentifyController:  # type: ignore[no-untyped-def]
    controller = IdentifyController(make_context(service), service.steps[0])
    controller.start()
    return controller


def test_id_card_insert_reads_checks_and_identifies(make_context, kiosk, executor, session) -> None:
    step = identify(make_context)
    assert step.state is IdentifyState.WAITING
    kiosk.id_reader.insert(ZHANG_WEI)
    assert step.state is IdentifyState.READING  # nothing ran on the caller's thread
    executor.run_all()
    assert step.state is IdentifyState.IDENTIFIED and step.done
    assert session.person == ZHANG_WEI
    assert kiosk.backend.calls == ["check_identity"]
    assert kiosk.id_reader.listeners == 0  # stopped listening once identified


def test_a_card_already_inserted_is_read_at_start(make_context, kiosk, executor) -> None:
    kiosk.id_reader.insert(ZHANG_WEI)
    step = identify(make_context)
    executor.run_all()
    assert step.done


def test_card_pulled_mid_read_asks_to_reinsert_then_reads_again(
    make_context, kiosk, executor
) -> None:
    step = identify(make_context)
    kiosk.id_reader.pull_out_mid_read = True
    kiosk.id_reader.insert(ZHANG_WEI)
    executor.run_all()
    assert step.state is IdentifyState.REINSERT
    assert step.error is not None and step.error.message_key == "identify.reinsert"
    kiosk.id_reader.insert(ZHANG_WEI)
    executor.run_all()
    assert step.done and kiosk.id_reader.reads == 2


def test_expired_card_is_refused_with_its_own_key(make_context, kiosk, executor, session) -> None:
    step = identify(make_context)
    kiosk.id_reader.insert(LI_NA_EXPIRED)
    executor.run_all()
    assert step.state is IdentifyState.FAILED
    assert step.error is not None and step.error.message_key == "identify.card_expired"
    assert session.person is None


def test_unknown_person_and_unreachable_backend(make_context, kiosk, executor) -> None:
    kiosk.backend.verdicts[ZHANG_WEI.id_number] = IdentityVerdict.MISMATCH
    step = identify(make_context)
    kiosk.id_reader.insert(ZHANG_WEI)
    executor.run_all()
    assert step.error is not None and step.error.message_key == "identify.not_recognised"
    kiosk.backend.verdicts[ZHANG_WEI.id_number] = IdentityVerdict.VERIFIED
    kiosk.backend.down.add("check_identity")
    step.retry()
    kiosk.id_reader.insert(ZHANG_WEI)
    executor.run_all()
    assert step.error is not None and step.error.message_key == "error.backend.unreachable"


def test_citizen_card_tap_and_blocked_card(make_context, kiosk, executor, session) -> None:
    step = identify(make_context, TOPUP)
    kiosk.citizen_card.blocked = True
    kiosk.citizen_card.insert(WANG_FANG_CARD)
    executor.run_all()
    # blocked, not "removed": the card is still there, so its own message shows
    assert step.error is not None and step.error.message_key == "error.card.blocked"
    kiosk.citizen_card.blocked = False
    kiosk.citizen_card.insert(WANG_FANG_CARD)
    executor.run_all()
    assert step.done and session.person is not None
    assert session.person.card_number == "C44030500"


def test_qr_login_polls_until_confirmed(make_context, kiosk, executor, clock, session) -> None:
    step = identify(make_context, APPOINTMENT)
    step.start_qr_login()
    executor.run_one()
    assert step.state is IdentifyState.QR_SHOWN and step.login_code is not None
    executor.run_all()
    assert step.done and session.person is not None and session.person.source == "qr_login"
    assert kiosk.backend.calls.count("poll_login_code") == 2
    assert clock.waits == [2.0, 2.0]


def test_qr_login_expires(make_context, kiosk, executor, settings) -> None:
    kiosk.backend.login_confirms_after = None
    step = identify(make_context, APPOINTMENT)
    step.start_qr_login()
    executor.run_all()
    assert step.state is IdentifyState.FAILED
    assert step.error is not None and step.error.message_key == "identify.qr_expired"
    assert kiosk.backend.calls.count("poll_login_code") == settings.qr_login_s / 2
    step.start_qr_login()  # a new code
    assert step.state is IdentifyState.QR_CREATING


def test_cancel_stops_qr_polling(make_context, kiosk, executor, session) -> None:
    kiosk.backend.login_confirms_after = None
    step = identify(make_context, APPOINTMENT)
    step.start_qr_login()
    executor.run_one()
    executor.run_one()
    step.cancel()
    executor.run_all()
    assert not step.done and session.person is None
    assert kiosk.backend.calls.count("poll_login_code") == 1


def test_reader_error_is_shown(make_context, kiosk, executor) -> None:
    step = identify(make_context)
    kiosk.id_reader.read = lambda: (_ for _ in ()).throw(  # type: ignore[method-assign]
        DeviceOfflineError("gone", device="id_card_reader"))
    kiosk.id_reader.insert(ZHANG_WEI)
    executor.run_all()
    assert step.state is IdentifyState.FAILED
    assert step.error is not None and step.error.message_key == "error.device.unavailable"

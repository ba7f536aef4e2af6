from __future__ import annotations

from drivers.status import DeviceState, DeviceStatus
from kiosk.flow.availability import identify_methods, required_roles, unavailability

from .services import APPOINTMENT, CERTIFICATE, ELDERLY_CARD, IDENTIFY, TOPUP, service

ONLINE = DeviceStatus(DeviceState.ONLINE)
ROLES = ("id_card_reader", "card_reader", "face_camera", "document_camera", "scanner",
         "a4_printer", "receipt_printer")


def all_online() -> dict[str, DeviceStatus]:
    return {role: ONLINE for role in ROLES}


def test_everything_online_means_available() -> None:
    for svc in (ELDERLY_CARD, CERTIFICATE, TOPUP, APPOINTMENT):
        assert unavailability(svc, all_online(), backend_reachable=True) is None


def test_backend_down_makes_every_service_unavailable() -> None:
    reason = unavailability(CERTIFICATE, all_online(), backend_reachable=False)
    assert reason is not None
    assert reason.message_key == "service.unavailable.backend"
    assert reason.missing == ("backend",)


def test_required_roles_follow_the_steps() -> None:
    assert required_roles(ELDERLY_CARD) == (
        "face_camera", "document_camera", "receipt_printer"
    )
    assert required_roles(CERTIFICATE) == ("a4_printer",)
    assert required_roles(TOPUP) == ("receipt_printer", "card_reader")


def test_a_device_down_makes_its_services_unavailable_up_front() -> None:
    statuses = all_online()
    statuses["a4_printer"] = DeviceStatus(DeviceState.HARDWARE_ERROR)
    reason = unavailability(CERTIFICATE, statuses, backend_reachable=True)
    assert reason is not None
    assert reason.message_key == "service.unavailable.device"
    assert reason.missing == ("a4_printer",)
    assert unavailability(ELDERLY_CARD, statuses, backend_reachable=True) is None


def test_a_face_camera_gone_says_so_and_comes_back() -> None:
    statuses = all_online()
    statuses["face_camera"] = DeviceStatus(DeviceState.NO_DEVICE)
    reason = unavailability(ELDERLY_CARD, statuses, backend_reachable=True)
    assert reason is not None
    assert reason.message_key == "service.unavailable.face_camera"
    assert reason.missing == ("face_camera",)
    assert unavailability(CERTIFICATE, statuses, backend_reachable=True) is None
    statuses["receipt_printer"] = DeviceStatus(DeviceState.OFFLINE)  # two devices: general
    reason = unavailability(ELDERLY_CARD, statuses, backend_reachable=True)
    assert reason is not None and reason.message_key == "service.unavailable.device"
    statuses = all_online()
    assert unavailability(ELDERLY_CARD, statuses, backend_reachable=True) is None


def test_pay_needs_receipt_paper_even_without_a_print_step() -> None:
    paid = service("paid", [IDENTIFY, {"type": "pay", "amount_fen": 100,
                                       "description": {"zh": "费", "en": "Fee"}}])
    statuses = all_online()
    statuses["receipt_printer"] = ONLINE.with_changes(detail={"paper": "out"})
    reason = unavailability(paid, statuses, backend_reachable=True)
    assert reason is not None and reason.missing == ("receipt_printer",)
    statuses["receipt_printer"] = ONLINE.with_changes(detail={"paper": "low"})
    assert unavailability(paid, statuses, backend_reachable=True) is None


def test_a4_without_toner_or_missing_status_is_unusable() -> None:
    statuses = all_online()
    statuses["a4_printer"] = ONLINE.with_changes(detail={"toner": "out"})
    assert unavailability(CERTIFICATE, statuses, backend_reachable=True) is not None
    del statuses["a4_printer"]
    assert unavailability(CERTIFICATE, statuses, backend_reachable=True) is not None


def test_busy_devices_are_usable() -> None:
    statuses = all_online()
    statuses["a4_printer"] = DeviceStatus(DeviceState.BUSY)
    assert unavailability(CERTIFICATE, statuses, backend_reachable=True) is None


def test_identify_needs_any_one_of_its_methods() -> None:
    statuses = all_online()
    statuses["id_card_reader"] = DeviceStatus(DeviceState.NO_DEVICE)
    step = CERTIFICATE.steps[0]
    assert identify_methods(step, statuses, True) == ("citizen_card", "qr_login")  # type: ignore[arg-type]
    # qr_login needs only the backend, so identify still works without any reader
    statuses["card_reader"] = DeviceStatus(DeviceState.OFFLINE)
    assert unavailability(CERTIFICATE, statuses, backend_reachable=True) is None
    # a top-up identifies by citizen card only
    reason = unavailability(TOPUP, statuses, backend_reachable=True)
    assert reason is not None and "card_reader" in reason.missing


def test_scan_step_needs_its_own_device() -> None:
    scanner_service = service("scan", [IDENTIFY, {"type": "scan_documents", "device": "scanner",
        "documents": [{"id": "d", "label": {"zh": "件", "en": "Doc"}}]}])
    statuses = all_online()
    statuses["scanner"] = DeviceStatus(DeviceState.OFFLINE)
    reason = unavailability(scanner_service, statuses, backend_reachable=True)
    assert reason is not None and reason.missing == ("scanner",)
    statuses["scanner"] = ONLINE
    statuses["document_camera"] = DeviceStatus(DeviceState.OFFLINE)
    assert unavailability(scanner_service, statuses, backend_reachable=True) is None

"""Service definitions the flow tests run (the shapes the backend's catalog serves)."""

from __future__ import annotations

from typing import Any

from backend_client.service_definition import ServiceDefinition


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def service(service_id: str, steps: list[dict[str, Any]], fee_fen: int = 0) -> ServiceDefinition:
    return ServiceDefinition.model_validate(
        {
            "id": service_id,
            "topic": "test",
            "title": _t("测试服务", "Test service"),
            "description": _t("说明", "Description"),
            "fee_fen": fee_fen,
            "steps": steps,
        }
    )


IDENTIFY: dict[str, Any] = {"type": "identify"}

ELDERLY_FORM: dict[str, Any] = {
    "type": "form",
    "title": _t("申请信息", "Application"),
    "fields": [
        {"name": "name", "type": "text", "label": _t("姓名", "Name"), "prefill": "person.name"},
        {"name": "phone", "type": "phone", "label": _t("电话", "Phone"),
         "prefill": "person.phone"},
        {"name": "address", "type": "address", "label": _t("地址", "Address"),
         "prefill": "person.address"},
        {"name": "delivery", "type": "choice", "label": _t("领取方式", "Delivery"),
         "choices": [{"value": "post", "label": _t("邮寄", "By post")},
                     {"value": "collect", "label": _t("自取", "Collect")}]},
    ],
}

#: The longest service: every step type that a paid application uses.
ELDERLY_CARD = service(
    "elderly_card",
    [
        IDENTIFY,
        {"type": "verify_face"},
        ELDERLY_FORM,
        {"type": "capture_photo", "title": _t("拍照", "Photo"), "purpose": "elderly_card_photo"},
        {"type": "scan_documents", "documents": [
            {"id": "hukou", "label": _t("户口簿", "Household register"), "min_pages": 1,
             "max_pages": 2}]},
        {"type": "review"},
        {"type": "pay", "amount_fen": 1000, "description": _t("工本费", "Card fee")},
        {"type": "submit", "action": "application", "kind": "elderly_card"},
        {"type": "print_receipt"},
    ],
    fee_fen=1000,
)

CERTIFICATE = service(
    "social_insurance_certificate",
    [
        IDENTIFY,
        {"type": "submit", "action": "certificate", "kind": "social_insurance_record"},
        {"type": "print_certificate"},
    ],
)

BILL_PAYMENT = service(
    "utility_bill",
    [
        IDENTIFY,
        {"type": "form", "title": _t("账单", "Bill"), "fields": [
            {"name": "bill", "type": "choice", "label": _t("账单", "Bill"),
             "options_from": "bills"}]},
        {"type": "review"},
        {"type": "pay", "amount_from": "bill", "description": _t("水电费", "Utility bill")},
        {"type": "submit", "action": "bill_payment"},
        {"type": "print_receipt"},
    ],
)

TOPUP = service(
    "card_topup",
    [
        {"type": "identify", "methods": ["citizen_card"]},
        {"type": "form", "title": _t("金额", "Amount"), "fields": [
            {"name": "amount_fen", "type": "number", "label": _t("金额（分）", "Amount (fen)"),
             "min": 100, "max": 100000}]},
        {"type": "pay", "amount_from": "amount_fen", "description": _t("圈存", "Top-up")},
        {"type": "submit", "action": "card_topup"},
        {"type": "print_receipt"},
    ],
)

APPOINTMENT = service(
    "appointment",
    [
        {"type": "identify", "methods": ["id_card", "qr_login"]},
        {"type": "submit", "action": "appointment"},
    ],
)

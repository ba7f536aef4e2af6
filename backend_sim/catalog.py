"""The reference backend's service catalog: the services as data (zh and en).

Each entry validates against backend_client.service_definition; the kiosk's flow engine
runs them without knowing any of them in advance.
"""

from __future__ import annotations

from typing import Any

from backend_client.service_definition import Catalog


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


_IDENTIFY: dict[str, Any] = {"type": "identify"}
_FACE: dict[str, Any] = {"type": "verify_face"}
_REVIEW: dict[str, Any] = {"type": "review"}
_RECEIPT: dict[str, Any] = {"type": "print_receipt"}

TOPICS = [
    {"id": "social_insurance", "title": _t("社会保险", "Social insurance")},
    {"id": "household", "title": _t("户籍", "Household registration")},
    {"id": "elderly", "title": _t("老年人服务", "Services for the elderly")},
    {"id": "payments", "title": _t("缴费充值", "Payments and top-up")},
    {"id": "social_assistance", "title": _t("社会救助", "Social assistance")},
    {"id": "appointments", "title": _t("预约", "Appointments")},
    {"id": "queries", "title": _t("办件查询", "Application status")},
    {"id": "real_estate", "title": _t("不动产登记", "Real estate registration")},
]

SERVICES: list[dict[str, Any]] = [
    {
        "id": "social_insurance_certificate", "topic": "social_insurance",
        "title": _t("社会保险参保缴费证明", "Social insurance contribution certificate"),
        "description": _t("打印本人历年社会保险缴费记录证明。",
                          "Print a certificate of your social insurance contributions."),
        "steps": [_IDENTIFY, _FACE,
                  {"type": "submit", "action": "certificate", "kind": "social_insurance_record"},
                  {"type": "print_certificate"}],
    },
    {
        "id": "household_certificate", "topic": "household",
        "title": _t("户籍证明", "Household registration certificate"),
        "description": _t("打印本人户籍信息证明。",
                          "Print a certificate of your household registration."),
        "steps": [_IDENTIFY, _FACE,
                  {"type": "submit", "action": "certificate", "kind": "household_registration"},
                  {"type": "print_certificate"}],
    },
    {
        "id": "elderly_card", "topic": "elderly",
        "title": _t("老年人优待卡申领", "Elderly card application"),
        "description": _t("年满60周岁可申领，需现场拍照。",
                          "For residents aged 60 or over; a photo is taken here."),
        "steps": [
            {"type": "identify", "methods": ["id_card"]}, _FACE,
            {"type": "form", "title": _t("联系方式", "Contact details"), "fields": [
                {"name": "phone", "type": "phone", "label": _t("手机号码", "Mobile number"),
                 "prefill": "person.phone"},
                {"name": "address", "type": "address", "label": _t("邮寄地址", "Postal address"),
                 "prefill": "person.address", "max_length": 80},
                {"name": "contact_id_number", "type": "id_number", "required": False,
                 "label": _t("紧急联系人身份证号（选填）",
                             "Emergency contact's ID number (optional)")},
            ]},
            {"type": "capture_photo", "title": _t("拍摄证件照", "Take your card photo"),
             "purpose": "elderly_card_photo"},
            {"type": "delivery", "pickup_place": _t("街道政务服务中心 1号窗口",
                                                     "Sub-district service centre, window 1")},
            _REVIEW,
            {"type": "submit", "action": "application", "kind": "elderly_card"},
            _RECEIPT,
        ],
    },
    {
        "id": "utility_bill_payment", "topic": "payments",
        "title": _t("水电燃气缴费", "Utility bill payment"),
        "description": _t("查询并缴纳水费、电费、燃气费。",
                          "Look up and pay water, electricity and gas bills."),
        "steps": [
            _IDENTIFY,
            {"type": "form", "title": _t("选择账单", "Choose a bill"), "fields": [
                {"name": "bill", "type": "choice", "label": _t("待缴账单", "Unpaid bills"),
                 "options_from": "bills",
                 "hint": _t("请选择要缴纳的账单，金额随账单显示。",
                            "Choose the bill to pay; its amount is shown with it.")},
            ]},
            _REVIEW,
            {"type": "pay", "amount_from": "bill", "description": _t("缴纳账单", "Bill payment"),
             "methods": ["qr", "card_purse"]},
            {"type": "submit", "action": "bill_payment"},
            _RECEIPT,
        ],
    },
    {
        "id": "citizen_card_topup", "topic": "payments",
        "title": _t("市民卡充值（圈存）", "Citizen card top-up"),
        "description": _t("扫码支付后将金额写入市民卡电子钱包。",
                          "Pay by QR code, then the amount is loaded onto your card."),
        "steps": [
            {"type": "identify", "methods": ["citizen_card"]},
            {"type": "form", "title": _t("充值金额", "Top-up amount"), "fields": [
                {"name": "amount_fen", "type": "choice", "label": _t("金额", "Amount"),
                 "choices": [
                     {"value": "5000", "label": _t("50元", "CNY 50")},
                     {"value": "10000", "label": _t("100元", "CNY 100")},
                     {"value": "20000", "label": _t("200元", "CNY 200")},
                 ]},
            ]},
            _REVIEW,
            {"type": "pay", "amount_from": "amount_fen",
             "description": _t("市民卡充值", "Citizen card top-up")},
            {"type": "submit", "action": "card_topup"},
            _RECEIPT,
        ],
    },
    {
        "id": "subsidy_documents", "topic": "social_assistance",
        "title": _t("低保补贴申请材料提交", "Subsidy application: submit documents"),
        "description": _t("填写家庭情况并扫描户口簿和收入证明。",
                          "Describe your household and scan the household book and income proof."),
        "steps": [
            _IDENTIFY, _FACE,
            {"type": "form", "title": _t("家庭情况", "Your household"), "fields": [
                {"name": "household_size", "type": "number",
                 "label": _t("家庭人口", "People in the household"), "min": 1, "max": 20},
                {"name": "monthly_income", "type": "number",
                 "label": _t("家庭月收入（元）", "Monthly household income (CNY)"),
                 "min": 0, "max": 1_000_000},
            ]},
            {"type": "scan_documents", "device": "any", "documents": [
                {"id": "hukou_book", "label": _t("户口簿", "Household register book"),
                 "min_pages": 1, "max_pages": 4},
                {"id": "income_proof", "label": _t("收入证明", "Proof of income"),
                 "min_pages": 1, "max_pages": 3},
            ]},
            {"type": "sign", "title": _t("申请人签名", "Applicant's signature"),
             "statement": _t("本人承诺以上家庭人口和收入情况真实，如有虚报愿承担相应责任。",
                             "I declare that the household and income details above are "
                             "true, and accept responsibility for any false statement.")},
            _REVIEW,
            {"type": "submit", "action": "application", "kind": "subsidy"},
            _RECEIPT,
        ],
    },
    {
        "id": "appointment_booking", "topic": "appointments",
        "title": _t("窗口业务预约", "Book an appointment"),
        "description": _t("预约政务服务中心窗口办理时间。",
                          "Book a time at a service centre counter."),
        "steps": [
            _IDENTIFY,
            {"type": "form", "title": _t("选择时间", "Choose a time"), "fields": [
                {"name": "slot", "type": "choice", "label": _t("可预约时段", "Free times"),
                 "options_from": "appointment_slots"},
            ]},
            _REVIEW,
            {"type": "submit", "action": "appointment"},
            _RECEIPT,
        ],
    },
    {
        "id": "application_status", "topic": "queries",
        "title": _t("办件进度查询", "Application status"),
        "description": _t("查询本人申请的办理进度。", "See how your applications are going."),
        "steps": [_IDENTIFY, {"type": "submit", "action": "status_query"}],
    },
    {
        "id": "payment_voucher", "topic": "payments",
        "title": _t("缴费凭证打印", "Print a payment voucher"),
        "description": _t("打印已缴账单的缴费凭证。", "Print a voucher for a paid bill."),
        "steps": [
            _IDENTIFY,
            {"type": "form", "title": _t("选择已缴账单", "Choose a paid bill"), "fields": [
                {"name": "voucher_order", "type": "choice",
                 "label": _t("已缴账单", "Paid bills"), "options_from": "paid_bills"},
            ]},
            {"type": "submit", "action": "certificate", "kind": "payment_voucher"},
            {"type": "print_certificate"},
        ],
    },
    {
        # A certificate with a fee: paid by QR code before it is issued (the backend issues
        # it only against the paid order, which the issue uses up), printed, then the receipt.
        "id": "real_estate_record", "topic": "real_estate",
        "title": _t("不动产登记信息查询证明", "Real estate registration record"),
        "description": _t("打印本人名下不动产登记信息的查询结果证明，工本费5元。",
                          "Print the register's record of real estate in your name; fee CNY 5."),
        "fee_fen": 500,
        "steps": [_IDENTIFY, _FACE, _REVIEW,
                  {"type": "pay", "amount_fen": 500,
                   "description": _t("不动产登记信息查询证明工本费",
                                     "Real estate record certificate fee")},
                  {"type": "submit", "action": "certificate", "kind": "real_estate_record"},
                  {"type": "print_certificate"}, _RECEIPT],
    },
]


def build_catalog() -> Catalog:
    """The catalog, validated (a broken entry fails the backend's start, not a kiosk)."""
    return Catalog.model_validate({"topics": TOPICS, "services": SERVICES})

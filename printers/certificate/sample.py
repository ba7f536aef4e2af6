"""A complete sample certificate (for ``kiosk-diag certificate-sample``, tests and bench)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

from printers.certificate.data import CertificateData
from printers.certificate.seal import draw_seal

_ISSUER = {
    "zh": "北京市社会保险事业管理中心",
    "en": "Beijing Social Insurance Administration Centre",
}


def _months(count: int) -> list[str]:
    year, month = 2026, 10
    out = []
    for _ in range(count):
        out.append(f"{year}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def sample_certificate_json(
    lang: str = "zh", months: int = 36, seal: bool = True
) -> dict[str, Any]:
    """The JSON a backend would return for a social-insurance record (test data only)."""
    number = "SB-2026-00000123"
    zh = lang == "zh"
    rows = []
    for i, month in enumerate(_months(months)):
        base = 8000 + 500 * (i // 12)
        rows.append([month, f"{base:.2f}", f"{base * 0.08:.2f}", f"{base * 0.16:.2f}"])
    issued = datetime(2026, 11, 21, 10, 15, tzinfo=timezone(timedelta(hours=8)))
    return {
        "number": number,
        "template": "social_insurance_record",
        "language": lang,
        "title": "社会保险参保缴费证明" if zh else "Certificate of Social Insurance Contributions",
        "issuer": _ISSUER["zh" if zh else "en"],
        "issued_at": issued.isoformat(),
        "holder": {"name": "张伟" if zh else "ZHANG Wei", "id_number": "110101195803070230"},
        "fields": [
            {"label": "参保状态" if zh else "Status", "value": "正常参保" if zh else "Insured"},
            {
                "label": "参保险种" if zh else "Schemes",
                "value": "基本养老保险、基本医疗保险、失业保险"
                if zh
                else "Basic pension, basic medical, unemployment insurance",
            },
            {"label": "首次参保" if zh else "First insured", "value": "2003-07"},
            {"label": "累计缴费月数" if zh else "Months paid", "value": str(months + 243)},
            {
                "label": "参保单位" if zh else "Employer",
                "value": "北京市东城区示例科技有限公司" if zh else "Example Technology Co., Ltd.",
            },
        ],
        "table": {
            "columns": ["月份", "缴费基数", "个人缴费", "单位缴费"]
            if zh
            else ["Month", "Contribution base", "Personal", "Employer"],
            "rows": rows,
        },
        "notes": [
            "本证明仅证明参保人在本市的参保缴费情况，不作其他用途。"
            if zh
            else "This certificate attests contributions paid in this city only.",
            "本证明自出具之日起三个月内有效，可扫描二维码核验真伪。"
            if zh
            else "Valid for three months from the date of issue; scan the QR code to verify it.",
        ],
        "verification_url": f"https://verify.gov.example.cn/c/{number}?k=7Qm2xZ",
        "seal_png_base64": base64.b64encode(draw_seal(_ISSUER["zh"])).decode() if seal else None,
        "signing_key_id": "ref-2026-1",
        "signature": "",
    }


def sample_certificate(lang: str = "zh", months: int = 36, seal: bool = True) -> CertificateData:
    return CertificateData.from_json(sample_certificate_json(lang, months, seal))


__all__ = ["sample_certificate", "sample_certificate_json"]

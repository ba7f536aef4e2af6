"""The fixed words on a certificate in each language (the data brings the rest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class CertificateLabels:
    number: str
    holder_name: str
    holder_id: str
    details: str
    notes: str
    issuer: str
    issued_on: str
    verify: str
    verify_hint: str
    page: str  # format with page= and total=
    continued: str
    colon: str

    def date(self, when: datetime) -> str:
        raise NotImplementedError


class _ZhLabels(CertificateLabels):
    def date(self, when: datetime) -> str:
        return f"{when.year}年{when.month}月{when.day}日"


class _EnLabels(CertificateLabels):
    def date(self, when: datetime) -> str:
        return f"{when.day} {_MONTHS_EN[when.month - 1]} {when.year}"


LABELS: dict[str, CertificateLabels] = {
    "zh": _ZhLabels(
        number="证明编号",
        holder_name="姓　　名",
        holder_id="公民身份号码",
        details="证明事项",
        notes="说明",
        issuer="出具机构",
        issued_on="出具日期",
        verify="扫码核验",
        verify_hint="扫描二维码或访问以下网址核验本证明真伪：",
        page="第 {page} 页 / 共 {total} 页",
        continued="（续）",
        colon="：",
    ),
    "en": _EnLabels(
        number="Certificate No.",
        holder_name="Name",
        holder_id="ID number",
        details="Particulars",
        notes="Notes",
        issuer="Issued by",
        issued_on="Date of issue",
        verify="Scan to verify",
        verify_hint="Scan the QR code or visit this address to verify this certificate:",
        page="Page {page} of {total}",
        continued="(continued)",
        colon=": ",
    ),
}

"""The social-security application (MOHRSS SSSE): EF05 card data, EF06 holder data.

Records are TLV with the record number as tag; they are read by SFI with Le = 00 so a
T=0 card answers 6Cxx with the real length (handled in :func:`card.apdu.exchange`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from card.apdu import CommandApdu, Transmit, run
from card.errors import CardFormatError
from card.nations import nation_name, sex_name

#: "sx1.sh.社会保障" in GBK.
SSSE_NAME = b"sx1.sh." + "社会保障".encode("gbk")
EF05_SFI = 0x05
EF06_SFI = 0x06
EF05_RECORDS = range(0x01, 0x08)
EF06_RECORDS = range(0x08, 0x0E)


def select_ssse() -> CommandApdu:
    return CommandApdu(0x00, 0xA4, 0x04, 0x00, SSSE_NAME, le=None)


def read_record(record: int, sfi: int, le: int = 0) -> CommandApdu:
    return CommandApdu(0x00, 0xB2, record, (sfi << 3) | 4, le=le or 256)


def parse_record(record: int, raw: bytes) -> bytes:
    """The value of one TLV record whose tag must be the record number."""
    if len(raw) < 2 or raw[0] != record or raw[1] != len(raw) - 2:
        raise CardFormatError(f"record {record:02X} is not a TLV of its own tag", code="EF_TLV")
    return bytes(raw[2:])


def bcd_date(raw: bytes, what: str) -> date | None:
    """A 4-byte BCD YYYYMMDD; all zeros means absent."""
    if raw in (b"", bytes(4)):
        return None
    text = raw.hex()
    if len(raw) != 4 or not text.isdigit():
        raise CardFormatError(f"{what} is not BCD YYYYMMDD", code="EF_DATE")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CardFormatError(f"{what} is not a calendar date", code="EF_DATE") from None


@dataclass(frozen=True, repr=False)
class SocialSecurityRecord:
    ssn: str
    name: str
    sex: str
    nation: str
    birth_date: date | None
    card_number: str
    issue_date: date | None
    expiry_date: date | None

    def __repr__(self) -> str:
        return "SocialSecurityRecord(<personal data>)"


def _text(raw: bytes, encoding: str, what: str) -> str:
    try:
        return raw.decode(encoding).replace("\x00", " ").strip()
    except UnicodeDecodeError:
        raise CardFormatError(f"{what} is not {encoding} text", code="EF_TEXT") from None


def read_social_security(transmit: Transmit) -> SocialSecurityRecord:
    """SELECT the SSSE and read EF05 and EF06. Errors are typed (see card.apdu.check)."""
    run(transmit, select_ssse(), "SELECT SSSE")
    ef05 = {r: parse_record(r, run(transmit, read_record(r, EF05_SFI), f"READ EF05/{r:02X}"))
            for r in EF05_RECORDS}
    ef06 = {r: parse_record(r, run(transmit, read_record(r, EF06_SFI), f"READ EF06/{r:02X}"))
            for r in EF06_RECORDS}
    nation_raw = ef06[0x0B].hex()
    if not nation_raw.isdigit():
        raise CardFormatError("nation is not BCD", code="EF_TEXT")
    return SocialSecurityRecord(
        ssn=_text(ef06[0x08], "ascii", "social security number"),
        name=_text(ef06[0x09], "gbk", "name"),
        sex=sex_name(_text(ef06[0x0A], "ascii", "sex")),
        nation=nation_name(int(nation_raw)) if nation_raw else "",
        birth_date=bcd_date(ef06[0x0D], "birth date"),
        card_number=_text(ef05[0x07], "ascii", "card number"),
        issue_date=bcd_date(ef05[0x05], "issue date"),
        expiry_date=bcd_date(ef05[0x06], "expiry date"),
    )

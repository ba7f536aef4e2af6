"""The social-security application (MOHRSS SSSE): EF05 card data, EF06 holder data.

Records are TLV with the record number as tag. Their lengths are fixed by the card
specification (:data:`RECORD_LENGTHS`), so each is read with its own Le: one APDU, not
an Le = 00 that a T=0 card answers with 6Cxx and a second round trip (a card that does
answer 6Cxx is still followed, in :func:`card.apdu.exchange`). The identify screen needs
only the holder (:data:`HOLDER_RECORDS`): :func:`read_holder` reads just those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from card.apdu import CommandApdu, ResponseApdu, Transmit, check, run
from card.errors import CardFormatError
from card.nations import nation_name, sex_name

#: "sx1.sh.社会保障" in GBK.
SSSE_NAME = b"sx1.sh." + "社会保障".encode("gbk")
EF05_SFI = 0x05
EF06_SFI = 0x06
EF05_RECORDS = range(0x01, 0x08)
EF06_RECORDS = range(0x08, 0x0E)
#: Record (tag) -> TLV length (tag + length byte + value) of EF05 (01-07) and EF06 (08-0D).
RECORD_LENGTHS = {
    0x01: 18, 0x02: 3, 0x03: 6, 0x04: 14, 0x05: 6, 0x06: 6, 0x07: 11,
    0x08: 20, 0x09: 32, 0x0A: 3, 0x0B: 3, 0x0C: 5, 0x0D: 6,
}
#: What the identify screen shows: expiry, card number; SSN, name, sex, birth date.
HOLDER_RECORDS = ((EF05_SFI, 0x06), (EF05_SFI, 0x07), (EF06_SFI, 0x08), (EF06_SFI, 0x09),
                  (EF06_SFI, 0x0A), (EF06_SFI, 0x0D))
#: SELECT P2: return no FCI (ISO 7816-4); the reader uses none of it.
P2_NO_FCI = 0x0C


@cache
def select_ssse(*, fci: bool = True) -> CommandApdu:
    return CommandApdu(0x00, 0xA4, 0x04, 0x00 if fci else P2_NO_FCI, SSSE_NAME, le=None)


@cache  # the same commands for every card: made (and encoded) once
def read_record(record: int, sfi: int, le: int = 0) -> CommandApdu:
    return CommandApdu(0x00, 0xB2, record, (sfi << 3) | 4,
                       le=le or RECORD_LENGTHS.get(record, 256))


def select_without_fci(transmit: Transmit, command: CommandApdu, what: str) -> None:
    """Send a SELECT whose answer is unused: one APDU. A card that ignores P2 = 0C and
    answers 61xx (FCI waiting) has selected the file; its FCI is simply not fetched."""
    response = ResponseApdu.parse(transmit(command.to_bytes()))
    if response.sw1 != 0x61:
        check(response, what)


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


def _read(transmit: Transmit, sfi: int, record: int) -> bytes:
    raw = run(transmit, read_record(record, sfi), f"READ EF{sfi:02X}/{record:02X}")
    return parse_record(record, raw)


def _record(values: dict[int, bytes]) -> SocialSecurityRecord:
    """The holder from the records read; one not read is empty (no date, no text)."""
    nation_raw = values.get(0x0B, b"").hex()
    if not nation_raw.isdigit() and nation_raw:
        raise CardFormatError("nation is not BCD", code="EF_TEXT")
    return SocialSecurityRecord(
        ssn=_text(values[0x08], "ascii", "social security number"),
        name=_text(values[0x09], "gbk", "name"),
        sex=sex_name(_text(values[0x0A], "ascii", "sex")),
        nation=nation_name(int(nation_raw)) if nation_raw else "",
        birth_date=bcd_date(values[0x0D], "birth date"),
        card_number=_text(values[0x07], "ascii", "card number"),
        issue_date=bcd_date(values.get(0x05, b""), "issue date"),
        expiry_date=bcd_date(values[0x06], "expiry date"),
    )


def read_holder(transmit: Transmit) -> SocialSecurityRecord:
    """SELECT the SSSE (no FCI) and read only :data:`HOLDER_RECORDS`: 7 APDUs. Nation
    and issue date are left empty (the identify screen shows neither)."""
    select_without_fci(transmit, select_ssse(fci=False), "SELECT SSSE")
    return _record({r: _read(transmit, sfi, r) for sfi, r in HOLDER_RECORDS})


def read_social_security(transmit: Transmit) -> SocialSecurityRecord:
    """SELECT the SSSE and read all of EF05 and EF06 (kiosk-diag, a full read). Errors
    are typed (see card.apdu.check)."""
    run(transmit, select_ssse(), "SELECT SSSE")
    values = {r: _read(transmit, EF05_SFI, r) for r in EF05_RECORDS}
    values.update({r: _read(transmit, EF06_SFI, r) for r in EF06_RECORDS})
    if not values[0x0B].hex().isdigit():
        raise CardFormatError("nation is not BCD", code="EF_TEXT")
    return _record(values)

"""The data on an identity card read through a GA/T 467 reader, and its 256-byte text
block for the three layouts: resident ID card, foreign permanent residence card (type
I) and Hong Kong / Macao / Taiwan residence permit (type J).

Text is UCS-2 little-endian, each field padded with spaces. Offsets are in
``RESIDENT_FIELDS`` / ``FOREIGN_FIELDS`` / ``HMT_FIELDS``; the type flag sits at byte 248.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from card import idnumber
from card.errors import CardFormatError
from card.nations import nation_code, nation_name, sex_code, sex_name
from card.photo import WltPhoto
from kiosk_base.masking import mask_address, mask_date, mask_id_number, mask_name

TEXT_SIZE = 256
LONG_TERM = "长期"


class IdCardType(StrEnum):
    RESIDENT_ID = "resident_id"
    FOREIGN_PERMANENT = "foreign_permanent"
    HMT_PERMIT = "hmt_permit"


#: field -> (offset, length in bytes)
RESIDENT_FIELDS: dict[str, tuple[int, int]] = {
    "name": (0, 30), "sex": (30, 2), "nation": (32, 4), "birth": (36, 16),
    "address": (52, 70), "id_number": (122, 36), "issuer": (158, 30),
    "valid_from": (188, 16), "valid_until": (204, 16), "type_flag": (248, 2),
}
FOREIGN_FIELDS: dict[str, tuple[int, int]] = {
    "name_en": (0, 120), "sex": (120, 2), "id_number": (122, 30), "nationality": (152, 6),
    "name": (158, 30), "valid_from": (188, 16), "valid_until": (204, 16), "birth": (220, 16),
    "version": (236, 4), "issuer": (240, 8), "type_flag": (248, 2),
}
HMT_FIELDS: dict[str, tuple[int, int]] = {
    **RESIDENT_FIELDS, "permit_number": (220, 18), "issue_count": (238, 4),
}


@dataclass(frozen=True, repr=False)
class IdCardData:
    """One identity card as read. ``repr`` is masked so a log line never leaks it."""

    card_type: IdCardType
    name: str
    sex: str
    nation: str
    birth_date: date
    address: str
    id_number: str
    issuer: str
    valid_from: date
    #: None means long-term (长期).
    valid_until: date | None
    photo: WltPhoto
    fingerprint: bytes = b""
    name_en: str = ""
    nationality: str = ""
    permit_number: str = ""
    issue_count: int | None = None

    @property
    def long_term(self) -> bool:
        return self.valid_until is None

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and self.valid_until < today

    def to_dict(self, *, unmask: bool = False) -> dict[str, object]:
        """The JSON object of ``kiosk-diag idcard``; masked unless ``unmask``."""
        until = LONG_TERM_JSON if self.valid_until is None else self.valid_until.isoformat()
        out: dict[str, object] = {
            "card_type": self.card_type.value,
            "name": self.name,
            "sex": self.sex,
            "nation": self.nation,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "issuer": self.issuer,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": until,
            "photo_bytes": len(self.photo),
            "fingerprint_bytes": len(self.fingerprint),
        }
        if self.card_type is IdCardType.FOREIGN_PERMANENT:
            out["name_en"] = self.name_en
            out["nationality"] = self.nationality
        if self.card_type is IdCardType.HMT_PERMIT:
            out["permit_number"] = self.permit_number
            out["issue_count"] = self.issue_count
        return out if unmask else masked_dict(out)

    def masked(self) -> dict[str, object]:
        return self.to_dict(unmask=False)

    def __repr__(self) -> str:
        return f"IdCardData({self.masked()})"


LONG_TERM_JSON = "long-term"


def masked_dict(values: dict[str, object]) -> dict[str, object]:
    """Mask the personal fields of a card's JSON object (shared by ID and citizen cards)."""
    out = dict(values)
    for key in ("name", "name_en"):
        if isinstance(out.get(key), str):
            out[key] = mask_name(str(out[key]))
    for key in ("id_number", "permit_number", "ssn", "card_number"):
        if isinstance(out.get(key), str):
            out[key] = mask_id_number(str(out[key]))
    if isinstance(out.get("address"), str):
        out["address"] = mask_address(str(out["address"]))
    if isinstance(out.get("birth_date"), str):
        out["birth_date"] = mask_date(str(out["birth_date"]))
    return out


# -- decoding -----------------------------------------------------------------------


def _field(text: bytes, spec: tuple[int, int]) -> str:
    offset, length = spec
    try:
        value = text[offset : offset + length].decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardFormatError("text block is not UCS-2", code="TEXT") from None
    return value.replace("\x00", " ").strip()


def _date(value: str, what: str) -> date:
    if len(value) != 8 or not idnumber.ascii_digits(value):
        raise CardFormatError(f"{what} is not a YYYYMMDD date", code="TEXT")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardFormatError(f"{what} is not a calendar date", code="TEXT") from None


def _until(value: str) -> date | None:
    return None if value == LONG_TERM else _date(value, "validity end")


def card_type_of(text: bytes) -> IdCardType:
    flag = _field(text, RESIDENT_FIELDS["type_flag"])
    if flag == "I":
        return IdCardType.FOREIGN_PERMANENT
    if flag == "J":
        return IdCardType.HMT_PERMIT
    return IdCardType.RESIDENT_ID


def decode_text(text: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> IdCardData:
    """Decode the 256-byte text block; CardFormatError / IdNumberError when it is wrong."""
    if len(text) != TEXT_SIZE:
        raise CardFormatError(f"text block of {len(text)} bytes", code="TEXT")
    kind = card_type_of(text)
    if kind is IdCardType.FOREIGN_PERMANENT:
        f = {k: _field(text, v) for k, v in FOREIGN_FIELDS.items()}
        number = f["id_number"]
        letters, digits = number[:3], number[3:]
        if len(number) != 15 or not (letters.isascii() and letters.isalpha()) \
                or not idnumber.ascii_digits(digits):
            raise CardFormatError("foreign card number is not 3 letters and 12 digits",
                                  code="TEXT")
        return IdCardData(
            card_type=kind, name=f["name"], sex=sex_name(f["sex"]), nation="",
            birth_date=_date(f["birth"], "birth date"), address="", id_number=number,
            issuer=f["issuer"], valid_from=_date(f["valid_from"], "validity start"),
            valid_until=_until(f["valid_until"]), photo=WltPhoto(bytes(photo)),
            fingerprint=bytes(fingerprint), name_en=f["name_en"], nationality=f["nationality"],
        )
    fields = HMT_FIELDS if kind is IdCardType.HMT_PERMIT else RESIDENT_FIELDS
    f = {k: _field(text, v) for k, v in fields.items()}
    birth = _date(f["birth"], "birth date")
    number = idnumber.validate(f["id_number"], birth_date=birth)
    nation = ""
    if kind is IdCardType.RESIDENT_ID:
        if not idnumber.ascii_digits(f["nation"]):
            raise CardFormatError("nation code is not numeric", code="TEXT")
        nation = nation_name(int(f["nation"]))
    issue_count = None
    if kind is IdCardType.HMT_PERMIT:
        if not idnumber.ascii_digits(f["issue_count"]):
            raise CardFormatError("issue count is not numeric", code="TEXT")
        issue_count = int(f["issue_count"])
    return IdCardData(
        card_type=kind, name=f["name"], sex=sex_name(f["sex"]), nation=nation,
        birth_date=birth, address=f["address"], id_number=number, issuer=f["issuer"],
        valid_from=_date(f["valid_from"], "validity start"),
        valid_until=_until(f["valid_until"]), photo=WltPhoto(bytes(photo)),
        fingerprint=bytes(fingerprint), permit_number=f.get("permit_number", ""),
        issue_count=issue_count,
    )


# -- encoding (for the simulator and tests) ----------------------------------------------


def _put(buf: bytearray, spec: tuple[int, int], value: str) -> None:
    offset, length = spec
    raw = value.encode("utf-16-le")
    if len(raw) > length:
        raise ValueError(f"{value!r} does not fit in {length} bytes")
    buf[offset : offset + length] = raw + " ".encode("utf-16-le") * ((length - len(raw)) // 2)


def _ymd(d: date) -> str:
    return d.strftime("%Y%m%d")


def encode_text(card: IdCardData) -> bytes:
    """The 256-byte text block for ``card`` (inverse of :func:`decode_text`)."""
    buf = bytearray(" ".encode("utf-16-le") * (TEXT_SIZE // 2))
    until = LONG_TERM if card.valid_until is None else _ymd(card.valid_until)
    if card.card_type is IdCardType.FOREIGN_PERMANENT:
        values = {
            "name_en": card.name_en, "sex": sex_code(card.sex), "id_number": card.id_number,
            "nationality": card.nationality, "name": card.name,
            "valid_from": _ymd(card.valid_from), "valid_until": until,
            "birth": _ymd(card.birth_date), "version": "20", "issuer": card.issuer,
            "type_flag": "I",
        }
        fields = FOREIGN_FIELDS
    else:
        values = {
            "name": card.name, "sex": sex_code(card.sex),
            "nation": f"{nation_code(card.nation):02d}" if card.nation else "",
            "birth": _ymd(card.birth_date), "address": card.address,
            "id_number": card.id_number, "issuer": card.issuer,
            "valid_from": _ymd(card.valid_from), "valid_until": until, "type_flag": "",
        }
        fields = RESIDENT_FIELDS
        if card.card_type is IdCardType.HMT_PERMIT:
            fields = HMT_FIELDS
            values.update(permit_number=card.permit_number,
                          issue_count=f"{card.issue_count or 0:02d}", type_flag="J")
    for key, value in values.items():
        _put(buf, fields[key], value)
    return bytes(buf)

"""Validation of form fields: raw text from the on-screen keyboard in, a typed value out.

:func:`validate_field` returns the field's value (``str``, ``int``, ``Decimal``, ``date``
or None for an empty optional field) or raises :class:`FieldInvalid`, a
:class:`~kiosk_base.errors.UserFacingError` whose message key the form shows under the
field (``validation.required``, ``validation.phone``...; :data:`MESSAGE_KEYS` lists them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from backend_client.service_definition import FormField
from card.idnumber import is_valid as id_number_is_valid
from kiosk_base.errors import UserFacingError

FieldValue = str | int | Decimal | date | None

MESSAGE_KEYS = (
    "validation.required",
    "validation.text.too_short",
    "validation.text.too_long",
    "validation.number",
    "validation.number.range",
    "validation.date",
    "validation.phone",
    "validation.choice",
    "validation.address",
    "validation.id_number.format",
    "validation.id_number.birth_date",
    "validation.id_number.check",
)

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code 010, 02x or 0xxx, then a 7- or 8-digit number, optional extension.
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))-?([2-9]\d{6,7})(?:-(\d{1,6}))?")
_ID18 = re.compile(r"[1-9]\d{16}[\dX]")
# Foreign permanent residence card, 2004 format: nationality letters, 12 digits.
_FOREIGN15 = re.compile(r"[A-Z]{3}(\d{6})\d{6}")
_ADDRESS_CHARS = re.compile(r"[\w\u4e00-\u9fff\s\-#,.，、()（）/]+")
_EARLIEST_BIRTH = date(1900, 1, 1)


class FieldInvalid(UserFacingError):
    """A field's input that the form refuses; ``field`` names the field."""

    def __init__(self, field: str, message_key: str, **params: str) -> None:
        super().__init__(message_key, params)
        self.field = field


def validate_field(
    field: FormField,
    raw: str | None,
    *,
    options: Sequence[str] = (),
    today: date | None = None,
) -> FieldValue:
    """Check ``raw`` against ``field``; ``options`` are the allowed choice values.

    Surrounding whitespace is ignored. Raises FieldInvalid.
    """
    text = (raw or "").strip()
    if not text:
        if field.required:
            raise FieldInvalid(field.name, "validation.required")
        return None
    today = today or date.today()
    match field.type:
        case "text":
            return _text(field, text)
        case "address":
            if not _ADDRESS_CHARS.fullmatch(text):
                raise FieldInvalid(field.name, "validation.address")
            return _text(field, text)
        case "number":
            return _number(field, text)
        case "date":
            return _date(field, text)
        case "phone":
            return _phone(field, text)
        case "choice":
            allowed = tuple(options) or tuple(c.value for c in field.choices)
            if text not in allowed:
                raise FieldInvalid(field.name, "validation.choice")
            return text
        case "id_number":
            return _id_number(field.name, text, today)
    raise AssertionError(f"unhandled field type {field.type}")


def _text(field: FormField, text: str) -> str:
    limit = field.max_length if field.max_length is not None else field.max
    if limit is not None and len(text) > limit:
        raise FieldInvalid(field.name, "validation.text.too_long", max=str(int(limit)))
    if field.min is not None and len(text) < field.min:
        raise FieldInvalid(field.name, "validation.text.too_short", min=str(int(field.min)))
    return text


def _number(field: FormField, text: str) -> int | Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise FieldInvalid(field.name, "validation.number") from None
    if not value.is_finite():
        raise FieldInvalid(field.name, "validation.number")
    low = Decimal(str(field.min)) if field.min is not None else None
    high = Decimal(str(field.max)) if field.max is not None else None
    if (low is not None and value < low) or (high is not None and value > high):
        raise FieldInvalid(
            field.name,
            "validation.number.range",
            min=_plain(low),
            max=_plain(high),
        )
    return int(value) if value == value.to_integral_value() else value


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else str(value)


def _date(field: FormField, text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise FieldInvalid(field.name, "validation.date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldInvalid(field.name, "validation.date") from None


def _phone(field: FormField, text: str) -> str:
    compact = re.sub(r"[\s()]", "", text)
    compact = re.sub(r"^(?:\+86|0086)-?", "", compact)
    if _MOBILE.fullmatch(compact):
        return compact
    landline = _LANDLINE.fullmatch(compact)
    if landline:
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise FieldInvalid(field.name, "validation.phone")


def birth_date_of(number: str) -> date | None:
    """The birth date encoded in an 18-digit or 15-character ID number, if it is a date."""
    if len(number) == 18:
        digits = number[6:14]
    elif (foreign := _FOREIGN15.fullmatch(number)) is not None:
        yymmdd = foreign.group(1)
        digits = "19" + yymmdd if int(yymmdd[:2]) > 30 else "20" + yymmdd
    else:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _id_number(name: str, text: str, today: date) -> str:
    number = text.upper().replace(" ", "")
    if not (_ID18.fullmatch(number) or _FOREIGN15.fullmatch(number)):
        raise FieldInvalid(name, "validation.id_number.format")
    born = birth_date_of(number)
    if born is None or not _EARLIEST_BIRTH <= born <= today:
        raise FieldInvalid(name, "validation.id_number.birth_date")
    # Format and birth date are checked above: what is left is the check character.
    if len(number) == 18 and not id_number_is_valid(number):
        raise FieldInvalid(name, "validation.id_number.check")
    return number

"""Resident ID numbers (GB 11643-1999): check character and birth date."""

from __future__ import annotations

from datetime import date

from card.errors import IdNumberError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def ascii_digits(text: str) -> bool:
    """True for a non-empty run of 0-9 only. ``str.isdigit`` also accepts "²", "①" or
    Arabic-Indic digits, which ``int`` then refuses (or reads as other numbers)."""
    return text.isascii() and text.isdigit()


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    if len(first17) != 17 or not ascii_digits(first17):
        raise IdNumberError("need exactly 17 digits", code="ID_NUMBER")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def birth_date_of(id_number: str) -> date:
    """The birth date encoded in digits 7-14."""
    text = id_number[6:14]
    if len(text) != 8 or not ascii_digits(text):
        raise IdNumberError("ID number holds no valid birth date", code="ID_NUMBER")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise IdNumberError("ID number holds no valid birth date", code="ID_NUMBER") from None


def validate(id_number: str, *, birth_date: date | None = None) -> str:
    """Return the normalised number (upper-case X) or raise IdNumberError.

    When ``birth_date`` is given (from the card's own field), it must match the number.
    The message never contains the number itself (it ends up in logs).
    """
    number = id_number.strip().upper()
    if len(number) != 18 or not ascii_digits(number[:17]):
        raise IdNumberError("ID number must be 17 digits and a check character",
                            code="ID_NUMBER")
    if check_character(number[:17]) != number[17]:
        raise IdNumberError("ID number check character is wrong", code="ID_NUMBER")
    encoded = birth_date_of(number)
    if birth_date is not None and birth_date != encoded:
        raise IdNumberError("birth date on the card does not match the ID number",
                            code="ID_NUMBER")
    return number


def is_valid(id_number: str) -> bool:
    try:
        validate(id_number)
    except IdNumberError:
        return False
    return True

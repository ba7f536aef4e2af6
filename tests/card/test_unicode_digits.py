"""Regression cases found by fuzzing: Unicode digits ("²", "①", Arabic-Indic) pass
``str.isdigit`` but not ``int``; every card parser must raise its declared CardError."""

from __future__ import annotations

import pytest

from card import idnumber
from card.errors import CardError, IdNumberError
from card.idcard import FOREIGN_FIELDS, HMT_FIELDS, RESIDENT_FIELDS, decode_text, encode_text
from card.profiles import load_profile

DIGITS = ["²", "①", "٣", "𝟘"]


def _patched(profile: str, fields: dict[str, tuple[int, int]], key: str, char: str) -> bytes:
    card = load_profile(profile).id_card
    assert card is not None
    text = bytearray(encode_text(card))
    offset, _length = fields[key]
    text[offset : offset + 2] = char.encode("utf-16-le")[:2].ljust(2, b"\0")
    return bytes(text)


@pytest.mark.parametrize("char", DIGITS)
def test_unicode_digit_in_id_number(char: str) -> None:
    number = "11010119580307023" + "0"
    for pos in (0, 8, 16):
        bad = number[:pos] + char + number[pos + 1:]
        with pytest.raises(IdNumberError):
            idnumber.validate(bad)
        with pytest.raises(IdNumberError):
            idnumber.check_character(bad[:17])
    assert not idnumber.is_valid(number[:6] + char * 8 + number[14:])


@pytest.mark.parametrize("char", ["²", "①", "٣"])
def test_unicode_digit_in_the_nation_field(char: str) -> None:
    with pytest.raises(CardError):
        decode_text(_patched("zhang_wei", RESIDENT_FIELDS, "nation", char))


@pytest.mark.parametrize("char", ["²", "①", "٣"])
def test_unicode_digit_in_the_issue_count(char: str) -> None:
    with pytest.raises(CardError):
        decode_text(_patched("hmt_permit", HMT_FIELDS, "issue_count", char))


@pytest.mark.parametrize("key", ["birth", "valid_from", "id_number"])
def test_unicode_digit_in_dates_and_numbers(key: str) -> None:
    with pytest.raises(CardError):
        decode_text(_patched("zhang_wei", RESIDENT_FIELDS, key, "²"))
    with pytest.raises(CardError):
        decode_text(_patched("foreign_permanent", FOREIGN_FIELDS,
                             "id_number" if key == "id_number" else key, "①"))


def test_ascii_digits_helper() -> None:
    assert idnumber.ascii_digits("0123456789")
    assert not any(idnumber.ascii_digits(c) for c in DIGITS)
    assert not idnumber.ascii_digits("")

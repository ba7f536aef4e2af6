from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_client.service_definition import FormField
from kiosk.flow.validation import MESSAGE_KEYS, FieldInvalid, validate_field

TODAY = date(2026, 11, 21)


def field(kind: str, **extra: Any) -> FormField:
    if kind == "choice" and "choices" not in extra:
        extra["choices"] = [{"value": "a", "label": {"zh": "甲", "en": "A"}}]
    return FormField.model_validate(
        {"name": "f", "type": kind, "label": {"zh": "字段", "en": "Field"}, **extra}
    )


def refused(f: FormField, raw: str, **kw: Any) -> str:
    with pytest.raises(FieldInvalid) as info:
        validate_field(f, raw, today=TODAY, **kw)
    assert info.value.field == "f"
    assert info.value.message_key in MESSAGE_KEYS
    return info.value.message_key


def test_required_and_optional() -> None:
    assert refused(field("text"), "   ") == "validation.required"
    assert validate_field(field("text", required=False), "", today=TODAY) is None


def test_text_length() -> None:
    assert validate_field(field("text", max_length=4), " abcd ") == "abcd"
    assert refused(field("text", max_length=4), "abcde") == "validation.text.too_long"
    assert refused(field("text", min=2), "a") == "validation.text.too_short"


@pytest.mark.parametrize(
    ("raw", "expected"), [("42", 42), ("1,000", 1000), ("3.50", Decimal("3.50")), ("-1", -1)]
)
def test_number_parses(raw: str, expected: object) -> None:
    assert validate_field(field("number"), raw) == expected


def test_number_refusals() -> None:
    assert refused(field("number"), "twelve") == "validation.number"
    assert refused(field("number"), "NaN") == "validation.number"
    f = field("number", min=100, max=100000)
    with pytest.raises(FieldInvalid) as info:
        validate_field(f, "99")
    assert info.value.message_key == "validation.number.range"
    assert info.value.params == {"min": "100", "max": "100000"}
    assert validate_field(f, "100000") == 100000


def test_date() -> None:
    assert validate_field(field("date"), "2026-02-28") == date(2026, 2, 28)
    for raw in ("2026-02-30", "2026/02/28", "26-2-28", "tomorrow"):
        assert refused(field("date"), raw) == "validation.date"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("010-65123456", "010-65123456"),
        ("0755 26543210", "0755-26543210"),
        ("02161234567", "021-61234567"),
        ("010-65123456-801", "010-65123456-801"),
    ],
)
def test_phone_accepts_mobiles_and_landlines(raw: str, expected: str) -> None:
    assert validate_field(field("phone"), raw) == expected


@pytest.mark.parametrize("raw", ["12800138000", "1380013800", "65123456", "010-0123456", "abc"])
def test_phone_refusals(raw: str) -> None:
    assert refused(field("phone"), raw) == "validation.phone"


def test_choice_fixed_and_from_options() -> None:
    assert validate_field(field("choice"), "a") == "a"
    assert refused(field("choice"), "b") == "validation.choice"
    bills = field("choice", choices=[], options_from="bills")
    assert validate_field(bills, "B2", options=("B1", "B2")) == "B2"
    assert refused(bills, "B3", options=("B1", "B2")) == "validation.choice"


def test_address() -> None:
    assert validate_field(field("address"), "北京市东城区景山前街4号") == "北京市东城区景山前街4号"
    assert refused(field("address"), "<script>") == "validation.address"


@pytest.mark.parametrize(
    "number",
    ["110101195803070230", "310104198506120465", "81000019880705004x", "440305194209150287"],
)
def test_id_numbers_of_the_shared_people_pass(number: str) -> None:
    assert validate_field(field("id_number"), number, today=TODAY) == number.upper()


def test_id_number_refusals() -> None:
    f = field("id_number")
    assert refused(f, "110101195803070231") == "validation.id_number.check"
    assert refused(f, "11010119580307023") == "validation.id_number.format"
    assert refused(f, "110101195802300236") == "validation.id_number.birth_date"
    assert refused(f, "110101203001010230") == "validation.id_number.birth_date"  # future
    assert refused(f, "1101011958030702301") == "validation.id_number.format"


def test_foreign_permanent_card_number() -> None:
    f = field("id_number")
    assert validate_field(f, "USA650812010016", today=TODAY) == "USA650812010016"
    assert refused(f, "USA651312010016") == "validation.id_number.birth_date"


@given(st.text(max_size=30))
def test_any_input_gives_a_value_or_a_known_key(raw: str) -> None:
    for kind in ("text", "number", "date", "phone", "address", "id_number", "choice"):
        try:
            validate_field(field(kind), raw, today=TODAY)
        except FieldInvalid as exc:
            assert exc.message_key in MESSAGE_KEYS

"""Random and mutated frames / APDU responses: a typed error or a result, never anything
else, never a hang."""

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from card.apdu import CommandApdu, exchange
from card.citizen_reader import read_citizen_card
from card.emulation.citizen_card import CitizenCardEmulator
from card.errors import CardError
from card.profiles import load_profile
from fuzz.run import inputs
from fuzz.targets import targets
from kiosk_base.errors import DeviceError

#: The fuzz targets (fuzz/targets.py, ``make fuzz``) that read card and reader bytes, run
#: here on fewer cases of the same inputs: random bytes and mutations of valid seeds.
CARD_TARGETS = {t.name: t for t in targets() if t.name in ("gat467_frames", "id_text",
                                                              "apdu_tlv")}


@pytest.mark.parametrize("name", sorted(CARD_TARGETS))
def test_card_fuzz_target(name: str) -> None:
    target = CARD_TARGETS[name]

    @settings(max_examples=300, deadline=None)
    @given(inputs(target))
    def case(data: bytes) -> None:
        target.run(data)

    case()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_card_responses(data: st.DataObject) -> None:
    profile = load_profile("wang_fang").citizen_card
    assert profile is not None
    card = CitizenCardEmulator(profile)
    victim = data.draw(st.integers(0, 40))
    replacement = data.draw(st.binary(max_size=40))
    count = 0

    def transmit(raw: bytes) -> bytes:
        nonlocal count
        count += 1
        answer = card.process(raw)
        return replacement if count == victim else answer

    with contextlib.suppress(DeviceError):
        read_citizen_card(transmit)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=40, max_size=40))
def test_endless_61xx_is_bounded(answers: list[bytes]) -> None:
    it = iter([b"\x61\x01"] * 100)
    with contextlib.suppress(CardError):
        exchange(lambda _raw: next(it), CommandApdu(0, 0xB2, 1, 4, le=1))

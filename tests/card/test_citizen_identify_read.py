"""The identify read of a citizen card: holder and balance in few APDUs, each sent once."""

from __future__ import annotations

from card.apdu import CommandApdu
from card.citizen import CitizenCardType
from card.citizen_reader import read_citizen_card
from card.emulation.citizen_card import CitizenCardEmulator
from card.profiles import load_profile


def recording(key: str) -> tuple[CitizenCardEmulator, list[CommandApdu], list[bytes]]:
    profile = load_profile(key).citizen_card
    assert profile is not None
    card = CitizenCardEmulator(profile)
    sent: list[CommandApdu] = []
    answers: list[bytes] = []
    process = card.process

    def transmit(raw: bytes) -> bytes:
        sent.append(CommandApdu.parse(raw))
        answers.append(process(raw))
        return answers[-1]

    card.process = transmit  # type: ignore[method-assign]
    return card, sent, answers


def test_holder_and_balance_in_at_most_11_apdus_without_retries() -> None:
    card, sent, answers = recording("wang_fang")
    data = read_citizen_card(card.process)
    d = data.to_dict(unmask=True)
    assert data.card_type is CitizenCardType.CITIZEN_CARD
    assert (d["name"], d["ssn"], d["sex"], d["birth_date"]) == (
        "王芳", "440305194209150287", "女", "1942-09-15")
    assert (d["card_number"], d["expiry_date"]) == ("C44030500", "2029-05-20")
    assert d["purse"] == {"balance": 5000}
    assert len(sent) <= 11
    # No wrong-length round trip, no GET RESPONSE of an FCI nobody reads.
    assert not any(a[-2] == 0x6C for a in answers)
    assert not any(c.ins == 0xC0 for c in sent)
    # SELECTs ask for no FCI; the purse's public info and log are not read.
    assert all(c.p2 == 0x0C for c in sent if c.ins == 0xA4)
    assert not any(c.ins == 0xB0 for c in sent)
    assert not any(c.ins == 0xB2 and c.p2 >> 3 == 0x18 for c in sent)


def test_identify_read_matches_the_full_read_where_the_screen_needs_it() -> None:
    for key in ("wang_fang", "chen_jie_ss"):
        quick = read_citizen_card(recording(key)[0].process).to_dict(unmask=True)
        full = read_citizen_card(recording(key)[0].process, full=True).to_dict(unmask=True)
        for field in ("card_type", "ssn", "name", "sex", "birth_date", "card_number",
                      "expiry_date", "purse"):
            assert quick[field] == full[field], (key, field)


def test_a_card_answering_6cxx_is_still_read() -> None:
    # A card whose record is longer than the specification says: 6Cxx, then re-sent.
    card, sent, _ = recording("chen_jie_ss")
    card._records[(6, 9)] = card._records[(6, 9)][:1] + bytes((31,)) + \
        card._records[(6, 9)][2:] + b" "
    data = read_citizen_card(card.process)
    assert data.name == "陈杰"
    assert sum(1 for c in sent if c.ins == 0xB2 and c.p1 == 9) == 2

from datetime import datetime

import pytest

from card import apdu, pboc, purse
from card.citizen import CitizenCardType
from card.citizen_reader import read_citizen_card
from card.emulation.citizen_card import CitizenCardEmulator
from card.emulation.psam import PsamEmulator
from card.errors import CardBlockedError, PurseError, SecurityError
from card.profiles import load_profile
from card.tlv import encode_ber, encode_simple, parse_ber, parse_simple


def emulator(key: str) -> CitizenCardEmulator:
    profile = load_profile(key).citizen_card
    assert profile is not None
    return CitizenCardEmulator(profile)


def test_t0_61xx_and_6cxx_are_followed() -> None:
    sent: list[bytes] = []
    answers = iter([b"\x6c\x03", b"\x61\x02", b"\xaa\xbb\x90\x00"])

    def transmit(raw: bytes) -> bytes:
        sent.append(raw)
        return next(answers)

    r = apdu.exchange(transmit, apdu.CommandApdu(0, 0xB2, 1, 0x2C, le=256))
    assert r.ok and r.data == b"\xaa\xbb"
    assert sent[1][-1] == 3 and sent[2] == bytes.fromhex("00C0000002")


def test_wang_fang_reads_with_purse() -> None:
    card = read_citizen_card(emulator("wang_fang").process, full=True)
    d = card.to_dict(unmask=True)
    assert card.card_type is CitizenCardType.CITIZEN_CARD
    assert d["name"] == "王芳" and d["card_number"] == "C44030500"
    assert d["purse"] == {"balance": 5000}
    assert card.purse is not None and len(card.purse.transactions) == 2
    assert card.to_dict()["ssn"] == "4403************87"


def test_social_security_only_and_blocked() -> None:
    ss = read_citizen_card(emulator("chen_jie_ss").process)
    assert ss.card_type is CitizenCardType.SOCIAL_SECURITY and ss.purse is None
    with pytest.raises(CardBlockedError) as info:
        read_citizen_card(emulator("liu_yang_blocked").process)
    assert info.value.code == "SW_6A81" and info.value.message_key == "error.card.blocked"


def test_load_with_backend_side_mac2() -> None:
    card = emulator("wang_fang")
    purse.select_purse(card.process)
    serial, _, _ = purse.read_public_info(card.process)
    term = bytes.fromhex("440305000001")
    req = purse.initialize_load(card.process, serial, 2500, term)
    # what the backend does with the shared functions
    dlk = pboc.diversify(pboc.TEST_MLK, serial[2:])
    ses = pboc.load_session_key(dlk, req.card_random, req.online_seq.to_bytes(2, "big"))
    assert pboc.load_mac1(ses, req.old_balance, 2500, pboc.TX_EP_LOAD, term) == req.mac1
    when = datetime(2026, 11, 21, 10, 15)
    result = purse.credit_load(card.process, req,
                               pboc.load_mac2(ses, 2500, pboc.TX_EP_LOAD, term, when), when)
    dtk = pboc.diversify(pboc.TEST_MTK, serial[2:])
    assert result.tac == pboc.load_tac(dtk, 7500, req.online_seq.to_bytes(2, "big"), 2500,
                                       pboc.TX_EP_LOAD, term, when)
    assert purse.get_balance(card.process) == 7500


def test_load_with_wrong_mac2_changes_nothing() -> None:
    card = emulator("wang_fang")
    purse.select_purse(card.process)
    serial, _, _ = purse.read_public_info(card.process)
    req = purse.initialize_load(card.process, serial, 100, bytes(6))
    with pytest.raises(SecurityError):
        purse.credit_load(card.process, req, b"\x00\x00\x00\x00", datetime(2026, 1, 1))
    assert purse.get_balance(card.process) == 5000


def test_purchase_through_psam_and_insufficient_funds() -> None:
    card, psam = emulator("wang_fang"), PsamEmulator()
    purse.select_purse(card.process)
    serial, _, _ = purse.read_public_info(card.process)
    result = purse.purchase(card.process, psam.process, serial, 300, datetime(2026, 5, 1, 9))
    assert result.new_balance == 4700 == purse.get_balance(card.process)
    with pytest.raises(PurseError):
        purse.purchase(card.process, psam.process, serial, 999_999, datetime(2026, 5, 1, 9))


def test_tlv_round_trips() -> None:
    raw = encode_ber(0x6F, encode_ber(0x84, b"abc") + encode_ber(0x9F0C, b"\x01"))
    (top,) = parse_ber(raw)
    assert top.find(0x84) is not None and top.find(0x9F0C) is not None
    assert parse_simple(encode_simple(1, b"x" * 300)) == [(1, b"x" * 300)]

from datetime import date

import pytest

from card import gat467, idnumber
from card.errors import CardFormatError, FrameChecksumError, IdNumberError
from card.idcard import IdCardType, decode_text, encode_text
from card.profiles import id_card_profiles, load_profile


@pytest.mark.parametrize("key", id_card_profiles())
def test_profiles_round_trip_through_the_text_block(key: str) -> None:
    card = load_profile(key).id_card
    assert card is not None
    assert decode_text(encode_text(card), card.photo.blob, card.fingerprint) == card


def test_resident_fields() -> None:
    card = load_profile("zhang_wei").id_card
    assert card is not None
    d = decode_text(encode_text(card)).to_dict(unmask=True)
    assert d["name"] == "张伟" and d["sex"] == "男" and d["nation"] == "汉"
    assert d["valid_until"] == "long-term" and d["birth_date"] == "1958-03-07"
    masked = card.to_dict()
    assert masked["name"] == "张*"
    assert masked["id_number"] == "1101************30"
    assert masked["address"] == "北京市东城区****"
    assert "110101195803070230" not in repr(card)


def test_type_i_and_j() -> None:
    fp = load_profile("foreign_permanent").id_card
    hmt = load_profile("hmt_permit").id_card
    assert fp is not None and hmt is not None
    assert decode_text(encode_text(fp)).card_type is IdCardType.FOREIGN_PERMANENT
    j = decode_text(encode_text(hmt))
    assert j.card_type is IdCardType.HMT_PERMIT and j.issue_count == 1
    assert j.permit_number == "H60000001"
    assert fp.to_dict()["name_en"] == "S***"


def test_id_number_rules() -> None:
    assert idnumber.validate("81000019880705004x") == "81000019880705004X"
    with pytest.raises(IdNumberError):
        idnumber.validate("110101195803070231")
    with pytest.raises(IdNumberError):
        idnumber.validate("110101195803070230", birth_date=date(1958, 3, 8))
    with pytest.raises(IdNumberError):
        idnumber.validate("110101195802300230")


def test_wrong_check_digit_in_text_block_is_typed() -> None:
    card = load_profile("li_na_expired").id_card
    assert card is not None
    text = bytearray(encode_text(card))
    text[122 + 34] = ord("9")  # last character of the ID number
    with pytest.raises(IdNumberError):
        decode_text(bytes(text))


def test_published_request_frames() -> None:
    assert gat467.encode_request(gat467.Command.FIND_CARD).hex() == "aaaaaa9669000320012" + "2"
    assert gat467.encode_request(gat467.Command.READ_SAM_ID).hex().endswith("12ffee")


def test_decoder_resyncs_after_noise_and_reports_checksum() -> None:
    good = gat467.encode_response(0x9F, bytes(4))
    bad = good[:-1] + bytes((good[-1] ^ 1,))
    dec = gat467.FrameDecoder()
    dec.feed(b"\x00\xaa\xaa\x13" + bad + b"\xaa\xaa\xaa\x96" + good)
    with pytest.raises(FrameChecksumError):
        dec.next_body()
    body = dec.next_body()  # the partial preamble before the good frame is skipped
    assert body == bytes((0, 0, 0x9F)) + bytes(4)


def test_read_payload_length_mismatch() -> None:
    with pytest.raises(CardFormatError):
        gat467.ReadPayload.parse(b"\x01\x00\x04\x00" + bytes(10), with_fingerprint=False)

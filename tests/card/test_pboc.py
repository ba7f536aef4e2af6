from datetime import datetime

import pytest

from card import pboc


def test_des_published_example() -> None:
    # The classic worked DES example (key 133457799BBCDFF1).
    out = pboc.des_encrypt(bytes.fromhex("133457799BBCDFF1"), bytes.fromhex("0123456789ABCDEF"))
    assert out.hex().upper() == "85E813540F0AB405"


def test_3des_with_equal_halves_is_single_des() -> None:
    k = bytes.fromhex("133457799BBCDFF1")
    assert pboc.des_encrypt(k + k, bytes(8)) == pboc.des_encrypt(k, bytes(8))


def test_padding_always_adds() -> None:
    assert pboc.pad80(b"") == b"\x80" + bytes(7)
    assert len(pboc.pad80(bytes(8))) == 16


def test_retail_mac_equals_3des_of_last_block() -> None:
    # ISO 9797-1 alg 3 for a single block == 3DES-EDE of the padded block.
    key = pboc.TEST_MLK
    data = bytes.fromhex("0102030405")
    assert pboc.pboc_mac(key, data) == pboc.des_encrypt(key, pboc.pad80(data))[:4]


def test_diversify_shape_and_halves() -> None:
    s8 = bytes.fromhex("0000000000000001")
    key = pboc.diversify(pboc.TEST_MLK, s8)
    assert len(key) == 16
    assert key[:8] == pboc.des_encrypt(pboc.TEST_MLK, s8)
    assert key[8:] == pboc.des_encrypt(pboc.TEST_MLK, bytes(b ^ 0xFF for b in s8))


def test_load_mac_round_trip_detects_changes() -> None:
    dlk = pboc.diversify(pboc.TEST_MLK, bytes(range(8)))
    ses = pboc.load_session_key(dlk, b"\x01\x02\x03\x04", b"\x00\x05")
    term = bytes.fromhex("000000000001")
    when = datetime(2026, 11, 21, 10, 15, 0)
    mac2 = pboc.load_mac2(ses, 1000, pboc.TX_EP_LOAD, term, when)
    assert mac2 != pboc.load_mac2(ses, 1001, pboc.TX_EP_LOAD, term, when)
    assert mac2 != pboc.load_mac2(ses, 1000, pboc.TX_EP_LOAD, term, when.replace(second=1))
    assert pboc.load_mac1(ses, 5000, 1000, 2, term) != pboc.load_mac1(ses, 5001, 1000, 2, term)


def test_bad_sizes_are_value_errors() -> None:
    with pytest.raises(ValueError):
        pboc.load_session_key(bytes(16), b"\x01", b"\x00\x00")
    with pytest.raises(ValueError):
        pboc.pboc_mac(bytes(5), b"")

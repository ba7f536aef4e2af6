"""PBOC electronic purse cryptography (JR/T 0025 family): key diversification, session
keys, MACs and TAC.

Shared with the backend (it verifies MAC1 and makes MAC2 with the same functions); the
signatures are fixed by the project's shared specs. DES comes from pycryptodome; 3DES is
composed from single DES so test keys with equal halves work too.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

TX_EP_LOAD = 0x02
TX_EP_PURCHASE = 0x06
TX_ED_LOAD = 0x01
TX_ED_PURCHASE = 0x05


@cache
def _des() -> Any:
    """pycryptodome's DES, imported at the first MAC rather than with the card reader's
    driver: it loads its C parts through cffi's C parser (~60 ms of start-up), and
    reading a holder and balance needs no MAC."""
    from Crypto.Cipher import DES

    return DES


def _des_ecb(key8: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
    des = _des()
    cipher = des.new(key8, des.MODE_ECB)
    out: bytes = cipher.decrypt(block) if decrypt else cipher.encrypt(block)
    return out


def des_encrypt(key: bytes, data: bytes) -> bytes:
    """DES (8-byte key) or 2-key 3DES EDE (16-byte key) in ECB mode over whole blocks."""
    if len(data) % 8:
        raise ValueError("data must be whole 8-byte blocks")
    if len(key) == 8:
        return b"".join(_des_ecb(key, data[i : i + 8]) for i in range(0, len(data), 8))
    if len(key) != 16:
        raise ValueError("key must be 8 or 16 bytes")
    k1, k2 = key[:8], key[8:]
    out = bytearray()
    for i in range(0, len(data), 8):
        block = _des_ecb(k1, data[i : i + 8])
        block = _des_ecb(k2, block, decrypt=True)
        out += _des_ecb(k1, block)
    return bytes(out)


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def pad80(data: bytes) -> bytes:
    """ISO 9797-1 method 2: 80 then 00 up to a whole block (always adds at least 1 byte)."""
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % 8)


def diversify(master_key: bytes, serial8: bytes) -> bytes:
    """Per-card 16-byte key: 3DES(MK, S8) || 3DES(MK, S8 XOR FF..FF)."""
    if len(master_key) != 16 or len(serial8) != 8:
        raise ValueError("need a 16-byte master key and an 8-byte serial")
    inverted = bytes(b ^ 0xFF for b in serial8)
    return des_encrypt(master_key, serial8) + des_encrypt(master_key, inverted)


def load_session_key(dlk: bytes, card_random: bytes, online_seq: bytes) -> bytes:
    """SESLK = 3DES(DLK, random(4) || online seq(2) || 80 00)."""
    if len(card_random) != 4 or len(online_seq) != 2:
        raise ValueError("need a 4-byte random and a 2-byte online sequence")
    return des_encrypt(dlk, card_random + online_seq + b"\x80\x00")


def purchase_session_key(
    dpk: bytes, card_random: bytes, offline_seq: bytes, terminal_seq: bytes
) -> bytes:
    """SESPK = 3DES(DPK, random(4) || offline seq(2) || last 2 bytes of terminal seq)."""
    if len(card_random) != 4 or len(offline_seq) != 2 or len(terminal_seq) != 4:
        raise ValueError("need random(4), offline seq(2) and terminal seq(4)")
    return des_encrypt(dpk, card_random + offline_seq + terminal_seq[2:])


def pboc_mac(key: bytes, data: bytes) -> bytes:
    """4-byte MAC, zero IV, 80 00.. padding: single-DES CBC-MAC with an 8-byte key, the
    ISO 9797-1 algorithm 3 retail MAC with a 16-byte key."""
    if len(key) not in (8, 16):
        raise ValueError("MAC key must be 8 or 16 bytes")
    k1 = key[:8]
    state = bytes(8)
    padded = pad80(data)
    for i in range(0, len(padded), 8):
        state = _des_ecb(k1, _xor(state, padded[i : i + 8]))
    if len(key) == 16:
        state = _des_ecb(k1, _des_ecb(key[8:], state, decrypt=True))
    return state[:4]


def bcd_datetime(when: datetime) -> tuple[bytes, bytes]:
    """Date (YYYYMMDD, 4 bytes BCD) and time (hhmmss, 3 bytes BCD)."""
    return bytes.fromhex(when.strftime("%Y%m%d")), bytes.fromhex(when.strftime("%H%M%S"))


def _terminal(terminal_id: bytes) -> bytes:
    if len(terminal_id) != 6:
        raise ValueError("terminal id must be 6 bytes")
    return terminal_id


def load_mac1(
    ses_key: bytes, old_balance: int, amount: int, tx_type: int, terminal_id: bytes
) -> bytes:
    """MAC1 of INITIALIZE FOR LOAD: old balance || amount || type || terminal."""
    data = (old_balance.to_bytes(4, "big") + amount.to_bytes(4, "big") + bytes((tx_type,))
            + _terminal(terminal_id))
    return pboc_mac(ses_key, data)


def load_mac2(
    ses_key: bytes, amount: int, tx_type: int, terminal_id: bytes, when: datetime
) -> bytes:
    """MAC2 of CREDIT FOR LOAD: amount || type || terminal || date || time."""
    day, time = bcd_datetime(when)
    data = amount.to_bytes(4, "big") + bytes((tx_type,)) + _terminal(terminal_id) + day + time
    return pboc_mac(ses_key, data)


def purchase_mac1(
    ses_key: bytes, amount: int, tx_type: int, terminal_id: bytes, when: datetime
) -> bytes:
    """MAC1 of DEBIT FOR PURCHASE (made by the PSAM): amount || type || terminal ||
    date || time."""
    return load_mac2(ses_key, amount, tx_type, terminal_id, when)


def purchase_mac2(ses_key: bytes, amount: int) -> bytes:
    """MAC2 of DEBIT FOR PURCHASE (made by the card, checked by the PSAM): amount."""
    return pboc_mac(ses_key, amount.to_bytes(4, "big"))


def tac_key(dtk: bytes) -> bytes:
    """The TAC is computed with the two halves of the diversified TAC key XORed."""
    if len(dtk) != 16:
        raise ValueError("TAC key must be 16 bytes")
    return _xor(dtk[:8], dtk[8:])


def load_tac(
    dtk: bytes, new_balance: int, online_seq: bytes, amount: int, tx_type: int,
    terminal_id: bytes, when: datetime,
) -> bytes:
    """TAC of a load: new balance || online seq (before +1) || amount || type ||
    terminal || date || time."""
    day, time = bcd_datetime(when)
    data = (new_balance.to_bytes(4, "big") + online_seq + amount.to_bytes(4, "big")
            + bytes((tx_type,)) + _terminal(terminal_id) + day + time)
    return pboc_mac(tac_key(dtk), data)


def purchase_tac(
    dtk: bytes, amount: int, tx_type: int, terminal_id: bytes, terminal_seq: bytes,
    when: datetime,
) -> bytes:
    """TAC of a purchase: amount || type || terminal || terminal seq || date || time."""
    day, time = bcd_datetime(when)
    data = (amount.to_bytes(4, "big") + bytes((tx_type,)) + _terminal(terminal_id)
            + terminal_seq + day + time)
    return pboc_mac(tac_key(dtk), data)


#: The issuer's test master keys (published in the repository as test keys).
TEST_MLK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
TEST_MPK = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
TEST_MTK = bytes.fromhex("A1A2A3A4A5A6A7A8B1B2B3B4B5B6B7B8")

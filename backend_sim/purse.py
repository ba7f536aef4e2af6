"""The backend's side of the PBOC load (圈存): verify MAC1, make MAC2, check the TAC.

Uses the published TEST master keys of the simulated cards (a real platform keeps its
keys in an HSM). The cryptography is card/pboc.py's, shared with the card emulator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend_client.models import CardLoadRequest
from card import pboc

#: Test keys, published in the repository as such (see the shared specs).
MASTER_LOAD_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
MASTER_TAC_KEY = bytes.fromhex("A1A2A3A4A5A6A7A8B1B2B3B4B5B6B7B8")


def _serial8(card_serial: str) -> bytes:
    return bytes.fromhex(card_serial)[-8:]


def _session_key(card_serial: str, card_random: str, online_seq: str) -> bytes:
    dlk = pboc.diversify(MASTER_LOAD_KEY, _serial8(card_serial))
    return pboc.load_session_key(dlk, bytes.fromhex(card_random), bytes.fromhex(online_seq))


def verify_mac1(req: CardLoadRequest) -> bool:
    ses = _session_key(req.card_serial, req.card_random, req.online_seq)
    mac1 = pboc.load_mac1(ses, req.old_balance_fen, req.amount_fen, req.tx_type,
                          bytes.fromhex(req.terminal_number))
    return mac1.hex().upper() == req.mac1.upper()


def make_mac2(req: CardLoadRequest, when: datetime) -> str:
    ses = _session_key(req.card_serial, req.card_random, req.online_seq)
    mac2 = pboc.load_mac2(ses, req.amount_fen, req.tx_type, bytes.fromhex(req.terminal_number),
                          when)
    return mac2.hex().upper()


def verify_load_tac(row: Any, tac: str) -> bool:
    """Check the card's TAC over the credited load (row: a card_topups row)."""
    dtk = pboc.diversify(MASTER_TAC_KEY, _serial8(row.card_serial))
    when = datetime.strptime(row.host_datetime, "%Y%m%d%H%M%S")
    expected = pboc.load_tac(
        dtk, row.old_balance_fen + row.amount_fen, bytes.fromhex(row.online_seq),
        row.amount_fen, row.tx_type, bytes.fromhex(row.terminal_number), when,
    )
    return expected.hex().upper() == tac.upper()


def verify_purchase_tac(card_serial: str, amount_fen: int, terminal_number: str,
                        terminal_seq: str, tx_datetime: str, tac: str) -> bool:
    """Check the card's TAC over a purse purchase (the issuer's proof of the debit)."""
    dtk = pboc.diversify(MASTER_TAC_KEY, _serial8(card_serial))
    try:
        when = datetime.strptime(tx_datetime, "%Y%m%d%H%M%S")
    except ValueError:
        return False  # not a date: no card made this TAC
    expected = pboc.purchase_tac(dtk, amount_fen, pboc.TX_EP_PURCHASE,
                                 bytes.fromhex(terminal_number), bytes.fromhex(terminal_seq),
                                 when)
    return expected.hex().upper() == tac.upper()

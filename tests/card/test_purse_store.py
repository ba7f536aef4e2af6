"""The citizen card emulator's purse on disk, and GET TRANSACTION PROOF, driven through
card/purse.py's real APDUs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from card import pboc, purse
from card.emulation.citizen_card import CitizenCardEmulator
from card.emulation.psam import PsamEmulator
from card.profiles import load_profile

TERMINAL = bytes.fromhex("440305000777")
WHEN = datetime(2026, 12, 1, 10, 0, 0)


def _card(store: Path | None) -> CitizenCardEmulator:
    profile = load_profile("wang_fang").citizen_card
    assert profile is not None
    return CitizenCardEmulator(profile, store=store)


def _mac2(card: CitizenCardEmulator, req: purse.LoadRequest) -> bytes:
    dlk = pboc.diversify(pboc.TEST_MLK, req.card_serial[2:])
    ses = pboc.load_session_key(dlk, req.card_random, req.online_seq.to_bytes(2, "big"))
    return pboc.load_mac2(ses, req.amount, pboc.TX_EP_LOAD, TERMINAL, WHEN)


def test_a_load_survives_a_new_emulator_on_the_same_store(tmp_path: Path) -> None:
    card = _card(tmp_path)
    purse.select_purse(card.process)
    serial, _i, _p = purse.read_public_info(card.process)
    req = purse.initialize_load(card.process, serial, 1000, TERMINAL)
    assert purse.transaction_proof(card.process, pboc.TX_EP_LOAD, req.online_seq) is None
    result = purse.credit_load(card.process, req, _mac2(card, req), WHEN)
    again = _card(tmp_path)  # the process died; the card is read again
    info = purse.read_purse(again.process)
    assert info.balance == 5000 + 1000 == result.new_balance
    assert info.transactions[0].amount == 1000 and info.transactions[0].tx_type == 2
    # the lost answer to CREDIT FOR LOAD is recovered from the card itself
    assert purse.transaction_proof(again.process, pboc.TX_EP_LOAD, req.online_seq) == result.tac
    assert purse.transaction_proof(again.process, pboc.TX_EP_LOAD, req.online_seq + 1) is None


def test_without_a_store_nothing_is_kept(tmp_path: Path) -> None:
    card = _card(None)
    purse.select_purse(card.process)
    serial, _i, _p = purse.read_public_info(card.process)
    req = purse.initialize_load(card.process, serial, 1000, TERMINAL)
    purse.credit_load(card.process, req, _mac2(card, req), WHEN)
    assert purse.read_purse(_card(None).process).balance == 5000
    assert list(tmp_path.iterdir()) == []


def test_purchase_proof_gives_tac_and_mac2(tmp_path: Path) -> None:
    card, psam = _card(tmp_path), PsamEmulator(TERMINAL)
    purse.select_purse(card.process)
    serial, _i, _p = purse.read_public_info(card.process)
    before = purse.get_balance(card.process)
    result = purse.purchase(card.process, psam.process, serial, 300, WHEN)
    again = _card(tmp_path)
    purse.select_purse(again.process)
    assert purse.get_balance(again.process) == before - 300
    proof = purse.transaction_proof(again.process, pboc.TX_EP_PURCHASE, result.offline_seq - 1)
    assert proof == result.tac + result.mac2

"""The purse purchase (消费) APDU by APDU, the card emulator against the PSAM emulator:
INITIALIZE FOR PURCHASE, INIT SAM FOR PURCHASE (MAC1), DEBIT FOR PURCHASE (TAC + MAC2),
CREDIT SAM FOR PURCHASE (MAC2 checked), GET TRANSACTION PROOF; and what each refuses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from backend_sim.purse import verify_purchase_tac
from card import pboc, purse
from card.emulation.citizen_card import CitizenCardEmulator
from card.emulation.psam import PsamEmulator
from card.errors import PurseError, SecurityError
from card.profiles import load_profile

WHEN = datetime(2026, 12, 2, 9, 30, 15)


def card(store: Path | None = None) -> CitizenCardEmulator:
    profile = load_profile("wang_fang").citizen_card
    assert profile is not None
    return CitizenCardEmulator(profile, store=store)


class Recorder:
    """A Transmit that logs (slot, INS, SW) of every exchange."""

    def __init__(self, log: list[tuple[str, int, str]], slot: str,
                 target: CitizenCardEmulator | PsamEmulator) -> None:
        self.log, self.slot, self.target = log, slot, target

    def __call__(self, apdu: bytes) -> bytes:
        response = self.target.process(apdu)
        self.log.append((self.slot, apdu[1], response[-2:].hex().upper()))
        return response


def test_the_purchase_apdu_sequence_and_its_proofs() -> None:
    c, sam = card(), PsamEmulator()
    log: list[tuple[str, int, str]] = []
    tx_card, tx_sam = Recorder(log, "card", c), Recorder(log, "psam", sam)
    purse.select_purse(tx_card)
    serial, _, _ = purse.read_public_info(tx_card)
    terminal = purse.psam_terminal_id(tx_sam)
    assert terminal == sam.terminal_id
    log.clear()
    init = purse.initialize_purchase(tx_card, 2350, terminal)
    assert init.balance == 5000
    terminal_seq, mac1 = purse.psam_mac1(tx_sam, init, serial, 2350, WHEN)
    tac, mac2 = purse.debit_purchase(tx_card, terminal_seq, mac1, WHEN)
    assert purse.psam_verify_mac2(tx_sam, mac2)
    # INITIALIZE (61xx + GET RESPONSE), INIT SAM (61xx + GET RESPONSE), DEBIT, CREDIT SAM
    assert [(s, ins) for s, ins, _ in log] == [
        ("card", 0x50), ("card", 0xC0), ("psam", 0x70), ("psam", 0xC0),
        ("card", 0x54), ("card", 0xC0), ("psam", 0x72)]
    assert log[-1][2] == "9000"
    assert purse.get_balance(tx_card) == 5000 - 2350
    # The issuer checks the TAC with its own key: the backend's check.
    assert verify_purchase_tac(serial.hex(), 2350, terminal.hex(), terminal_seq.hex(),
                               WHEN.strftime("%Y%m%d%H%M%S"), tac.hex())
    assert not verify_purchase_tac(serial.hex(), 2351, terminal.hex(), terminal_seq.hex(),
                                   WHEN.strftime("%Y%m%d%H%M%S"), tac.hex())
    # A terminal that lost DEBIT's answer asks the card for it by the offline sequence.
    seq = int.from_bytes(init.offline_seq, "big")
    assert purse.transaction_proof(tx_card, pboc.TX_EP_PURCHASE, seq) == tac + mac2
    assert purse.transaction_proof(tx_card, pboc.TX_EP_PURCHASE, seq + 1) is None


def test_a_wrong_mac1_or_too_little_money_debits_nothing() -> None:
    c, sam = card(), PsamEmulator()
    purse.select_purse(c.process)
    serial, _, _ = purse.read_public_info(c.process)
    init = purse.initialize_purchase(c.process, 100, sam.terminal_id)
    terminal_seq, _mac1 = purse.psam_mac1(sam.process, init, serial, 100, WHEN)
    with pytest.raises(SecurityError):
        purse.debit_purchase(c.process, terminal_seq, b"\x00\x00\x00\x00", WHEN)
    seq = int.from_bytes(init.offline_seq, "big")
    assert purse.transaction_proof(c.process, pboc.TX_EP_PURCHASE, seq) is None
    with pytest.raises(PurseError) as funds:
        purse.initialize_purchase(c.process, 5001, sam.terminal_id)
    assert funds.value.sw == 0x9401
    assert purse.get_balance(c.process) == 5000


def test_the_psam_rejects_a_forged_mac2() -> None:
    c, sam = card(), PsamEmulator()
    purse.select_purse(c.process)
    serial, _, _ = purse.read_public_info(c.process)
    init = purse.initialize_purchase(c.process, 100, sam.terminal_id)
    terminal_seq, mac1 = purse.psam_mac1(sam.process, init, serial, 100, WHEN)
    _tac, mac2 = purse.debit_purchase(c.process, terminal_seq, mac1, WHEN)
    assert not purse.psam_verify_mac2(sam.process, bytes(b ^ 0xFF for b in mac2))


def test_purse_and_psam_counters_survive_a_restart(tmp_path: Path) -> None:
    c, sam = card(tmp_path), PsamEmulator(store=tmp_path)
    purse.select_purse(c.process)
    serial, _, _ = purse.read_public_info(c.process)
    first = purse.purchase(c.process, sam.process, serial, 300, WHEN)
    c2, sam2 = card(tmp_path), PsamEmulator(store=tmp_path)  # the kiosk restarted
    purse.select_purse(c2.process)
    assert purse.get_balance(c2.process) == 4700
    second = purse.purchase(c2.process, sam2.process, serial, 300, WHEN)
    assert second.terminal_seq == first.terminal_seq + 1  # never reused
    assert second.offline_seq == first.offline_seq + 1
    # The proof of the last purchase is on the card's "EEPROM" too.
    c3 = card(tmp_path)
    purse.select_purse(c3.process)
    assert purse.transaction_proof(c3.process, pboc.TX_EP_PURCHASE,
                                   second.offline_seq - 1) == second.tac + second.mac2

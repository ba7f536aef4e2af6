"""A purchase left in doubt is settled from what the card's sequence proves, never from a
later purchase's proof: two attempts that got the same offline sequence cannot both have
debited, and only the later one can have."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from kiosk.flow.purse_ports import PurchaseEntry, PurchasePhase
from kiosk.flow.steps.purchase import MemoryPurchaseLedger, current_purchase, resolve_purchase
from kiosk_base.errors import UserFacingError

from .backend_fakes import Kiosk

P = PurchasePhase


def _entry(key: str, phase: PurchasePhase, seq: int, serial: str = "3101000012345678"
           ) -> PurchaseEntry:
    return PurchaseEntry(key=key, order_id=key.split("/")[0], phase=phase, amount_fen=395,
                         card_serial=serial, old_balance_fen=5000, offline_seq=seq,
                         terminal_number="000000000001", terminal_seq="00000007",
                         tx_datetime="20261202120000")


def _await(future: Any, **_kw: Any) -> Any:
    return future.result(timeout=5)


def _ports(ledger: MemoryPurchaseLedger) -> Any:
    # No card port: a resolution that needed the card would raise.
    return replace(Kiosk().ports(), purchase_ledger=ledger, card_purse=None)


def test_a_debit_whose_sequence_was_used_again_never_happened() -> None:
    ledger = MemoryPurchaseLedger()
    first = _entry("order-a/1", P.DEBITING, seq=5)
    ledger.record_purchase(first)
    ledger.record_purchase(_entry("order-b/1", P.RECORDED, seq=5))
    assert resolve_purchase(_ports(ledger), first, _await) is None
    settled = current_purchase(ledger, first)
    assert settled is not None and settled.phase is P.NOT_DEBITED


def test_only_the_card_can_tell_without_a_later_purchase_at_that_sequence() -> None:
    ledger = MemoryPurchaseLedger()
    ledger.record_purchase(_entry("order-b/1", P.RECORDED, seq=5))  # earlier, same seq
    ledger.record_purchase(_entry("order-c/1", P.RECORDED, seq=6, serial="3101000099999999"))
    first = _entry("order-a/1", P.DEBITING, seq=5)
    ledger.record_purchase(first)
    with pytest.raises(UserFacingError):  # the card must be asked: no card port here
        resolve_purchase(_ports(ledger), first, _await)
    settled = current_purchase(ledger, first)
    assert settled is not None and settled.phase is P.DEBITING

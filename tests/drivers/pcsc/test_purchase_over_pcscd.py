"""The purse purchase (消费), and its refund loaded back onto the card, through the real
app over the real PC/SC stack: the card in "Virtual PCD 00 00" and the PSAM in "Virtual
PCD 00 01", both served to pcscd through vpcd (run under ``flock /tmp/pcscd.lock``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drivers.pcsc.daemon import PcscDaemon, pcscd_running
from tests.e2e.test_purse_scenarios import (
    check_paid_from_purse,
    check_refunded_to_card,
    no_errors,
    run,
)

pytestmark = pytest.mark.skipif(
    not (pcscd_running() or PcscDaemon.can_start()) or shutil.which("pcscd") is None,
    reason="needs pcscd (root to start one)")


def test_purchase_over_pcscd_and_vpcd(tmp_path: Path) -> None:
    state = run(tmp_path, "purse_purchase", transport="pcscd")
    no_errors(state)
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert "in-process card transport" not in log
    assert "card_reader: purchase debited" in log
    check_paid_from_purse(state, recovered=False)


def test_card_pulled_mid_debit_over_pcscd(tmp_path: Path) -> None:
    state = run(tmp_path, "purse_card_pulled", transport="pcscd")
    no_errors(state)
    check_paid_from_purse(state, recovered=True)


def test_refund_back_to_the_card_over_pcscd(tmp_path: Path) -> None:
    state = run(tmp_path, "purse_refund", transport="pcscd")
    no_errors(state)
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert "in-process card transport" not in log
    check_refunded_to_card(state)

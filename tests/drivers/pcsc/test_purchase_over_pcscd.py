"""The purse purchase (消费), and its refund loaded back onto the card, through the real
app over the real PC/SC stack: the card in "Virtual PCD 00 00" and the PSAM in "Virtual
PCD 00 01", both served to pcscd through vpcd (run under ``flock /tmp/pcscd.lock``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drivers.pcsc.daemon import PcscDaemon, pcscd_running
from drivers.pcsc.sim import SimulatedCardReader
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
    diag = [sys.executable, "-m", "kiosk.diag.cli", "--config", str(tmp_path / "kiosk.toml"),
            "payments"]
    # kiosk-diag payments lists the refund load with what the card's record says ...
    out = subprocess.run([*diag, "--all", "--offline"], capture_output=True, text=True,
                         timeout=90, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    (refund,) = [e for e in json.loads(out.stdout)["entries"] if e["kind"] == "refund_load"]
    assert refund["state"] == "delivered"
    assert refund["card"][0]["phase"] == "refund_confirmed"
    assert refund["card"][0]["card_number"] == "4403************0001"
    # ... and reads the card's own transaction log live, beside the journal
    dev = SimulatedCardReader("card", SimulatedCardReader.Settings(
        profile="wang_fang", transport="pcscd", purse_dir=state / "card-sim"))
    dev.open()
    try:
        deadline = time.monotonic() + 30
        while not dev.simulator.card_connected and time.monotonic() < deadline:
            time.sleep(0.1)
        out = subprocess.run([*diag, "--card-log", "--reader", "Virtual PCD 00 00"],
                             capture_output=True, text=True, timeout=90, check=False)
    finally:
        dev.close()
    assert out.returncode == 0, out.stdout + out.stderr
    report = json.loads(out.stdout)
    assert report["balance_fen"] == 5000 and "44030500000000000001" not in out.stdout
    loaded, bought = report["records"][:2]  # newest first: the refund, then the purchase
    assert (loaded["type"], loaded["amount_fen"]) == ("load", 2350)
    assert loaded["journal"]["kind"] == "refund_load"
    assert (bought["type"], bought["amount_fen"]) == ("purchase", 2350)
    assert bought["journal"]["kind"] == "purchase"

"""The citizen-card top-up through the real app over the real PC/SC stack: the kiosk's
card emulator served to pcscd through vpcd (run under ``flock /tmp/pcscd.lock``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drivers.pcsc.daemon import PcscDaemon, pcscd_running
from tests.e2e.test_purse_scenarios import backend_rows, no_errors, purse_balance, run

pytestmark = pytest.mark.skipif(
    not (pcscd_running() or PcscDaemon.can_start()) or shutil.which("pcscd") is None,
    reason="needs pcscd (root to start one)")


def test_topup_over_pcscd_and_vpcd(tmp_path: Path) -> None:
    state = run(tmp_path, "citizen_card_topup", transport="pcscd")
    no_errors(state)
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert "in-process card transport" not in log
    assert "card_reader: load complete" in log
    assert purse_balance(state) == 10000
    assert backend_rows(state, "SELECT status FROM card_topups") == [("confirmed",)]

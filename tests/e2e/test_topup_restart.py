"""A top-up cut off by SIGKILL of the real kiosk process, at every phase the purse
ledger can be left in (kiosk/flow/ports.LoadPhase minus the final ones), then a restart
on the same state dir with the card in the reader: the card's own record and the
backend's agree, with exactly one load or a full refund.

Phases and how the test holds the kiosk there:
* requested  - the MAC2 request is held at the backend (latency fault on /v1/cards/topups)
* crediting  - CREDIT FOR LOAD held before the card sees it (never credited) or after the
               card executed it (credited, answer lost): card faults hold_command/hold_answer
* authorised - written just before crediting with no action in between: a kill there
               resolves as "requested with the MAC2 known" (void + refund), covered by the
               flow tests (tests/flow/test_topup_resolution.py).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from kiosk.flow.ports import LOAD_FINAL, LoadPhase
from tests.e2e.test_purse_scenarios import (
    ROOT,
    SCENARIOS,
    backend_rows,
    kiosk_cmd,
    no_errors,
    purse_balance,
    run,
    write_config,
)

pytestmark = pytest.mark.e2e

CASES = {
    # fault, the ledger phase to kill at, card credited before the kill?
    "requested": ("backend latency delay_s=150 path=/v1/cards/topups", LoadPhase.REQUESTED,
                  False),
    "crediting-not-credited": ("card_reader hold_command ins=52 seconds=150",
                               LoadPhase.CREDITING, False),
    "crediting-credited": ("card_reader hold_answer ins=52 seconds=150",
                           LoadPhase.CREDITING, True),
}


def test_every_open_phase_is_a_case() -> None:
    open_phases = set(LoadPhase) - LOAD_FINAL - {LoadPhase.AUTHORISED}
    assert {phase for _f, phase, _c in CASES.values()} == open_phases


def _ledger_phase(state: Path) -> str:
    path = state / "payments.sqlite"
    if not path.exists():
        return ""
    try:
        with sqlite3.connect(path) as conn:
            row = conn.execute("SELECT state FROM topups ORDER BY rowid DESC").fetchone()
    except sqlite3.Error:
        return ""
    return str(row[0]) if row else ""


@pytest.mark.parametrize("case", sorted(CASES))
def test_sigkill_mid_topup_then_restart_settles_it(tmp_path: Path, case: str) -> None:
    fault, phase, credited = CASES[case]
    state = tmp_path / "state"
    scenario = tmp_path / "held.yaml"
    scenario.write_text((SCENARIOS / "topup_held.yaml").read_text("utf-8")
                        .replace("@FAULT@", fault), encoding="utf-8")
    config = write_config(tmp_path, state)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(kiosk_cmd(config, scenario, tmp_path / "out1"), cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while _ledger_phase(state) != phase.value:
            assert proc.poll() is None, "the kiosk ended before the kill point"
            assert time.monotonic() < deadline, f"never reached {phase}"
            time.sleep(0.2)
        if credited:  # the card executes, then holds its answer: wait for its EEPROM write
            while purse_balance(state) != 10000:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        else:
            time.sleep(1.0)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
    assert purse_balance(state) == (10000 if credited else 5000)

    run(tmp_path, "topup_reinsert", state=state, out="out2")
    no_errors(state)
    orders = backend_rows(state, "SELECT status, refunded_fen, used_by IS NOT NULL "
                                 "FROM payment_orders")
    topups = backend_rows(state, "SELECT status FROM card_topups")
    if credited:
        assert purse_balance(state) == 10000  # loaded once
        assert orders == [("paid", 0, 1)] and topups == [("confirmed",)]
    else:
        assert purse_balance(state) == 5000  # never loaded
        assert orders == [("refunded", 5000, 0)]  # and fully refunded
        assert topups == [("failed",)]
    assert _ledger_phase(state) in ("confirmed", "refunded")
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert "purse recovery: top-up of order" in log
    assert json.dumps("440305194209150287") not in log

"""End to end, the purse and receipt parts of issue 10: the real kiosk process, the
shipped catalog, the embedded reference backend, the citizen card over the in-process
card transport (the pcscd + vpcd run is tests/drivers/pcsc/test_purse_over_pcscd.py)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIOS = Path(__file__).with_name("scenarios")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e

CONFIG = """
terminal_id = "KIOSK-SIM-0001"
state_dir = "{state}"
[timeouts]
goodbye_s = 3
status_poll_s = 1
[devices.card_reader]
impl = "sim"
transport = "{transport}"
[devices.receipt_printer]
impl = "sim"
printer_model = "{printer_model}"
"""


def kiosk_cmd(config: Path, scenario: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config",
            str(config), "--speech-engine", "mock", "--scenario", str(scenario),
            "--out", str(out)]


def write_config(tmp_path: Path, state: Path, printer_model: str = "answers_gs_h",
                 transport: str = "in-process") -> Path:
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(state=state, printer_model=printer_model,
                                    transport=transport), encoding="utf-8")
    return config


def run(tmp_path: Path, name: str, *, printer_model: str = "answers_gs_h",
        state: Path | None = None, out: str = "out", transport: str = "in-process") -> Path:
    state = state or tmp_path / "state"
    config = write_config(tmp_path, state, printer_model, transport)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(kiosk_cmd(config, SCENARIOS / f"{name}.yaml", tmp_path / out),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    transcript = [json.loads(line) for line in
                  (tmp_path / out / "transcript.jsonl").read_text(encoding="utf-8").splitlines()]
    if proc.returncode != 0:
        print(proc.stderr[-6000:])
        pytest.fail(f"{name}: exit {proc.returncode}; "
                    f"failed: {[t for t in transcript if t.get('ok') is False]}", pytrace=False)
    assert transcript[-1]["ok"] is True
    return state


def no_errors(state: Path) -> None:
    entries = [json.loads(line) for line in
               (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8").splitlines()]
    bad = [e for e in entries if e["level"] in ("ERROR", "CRITICAL")]
    assert not bad, bad


def backend_rows(state: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(state / "reference-backend.sqlite") as conn:
        return list(conn.execute(sql).fetchall())


def purse_balance(state: Path, serial: str = "44030500000000000001") -> int:
    raw = json.loads((state / "card-sim" / f"purse-{serial}.json").read_text("utf-8"))
    return int(raw["balance"])


def test_citizen_card_topup_loads_the_card_and_shows_the_balance(tmp_path: Path) -> None:
    state = run(tmp_path, "citizen_card_topup")
    no_errors(state)
    assert purse_balance(state) == 5000 + 5000  # on the card (kept on disk by the sim)
    assert backend_rows(state, "SELECT status, amount_fen, new_balance_fen FROM card_topups"
                        ) == [("confirmed", 5000, 10000)]
    assert backend_rows(state, "SELECT status, used_by IS NOT NULL FROM payment_orders "
                        "WHERE order_id NOT LIKE 'ord-seed-%'"
                        ) == [("paid", 1)]


def test_receipt_without_gs_h_and_paper_out_before_money(tmp_path: Path) -> None:
    state = run(tmp_path, "receipt_without_gs_h", printer_model="ignores_gs_h")
    no_errors(state)
    # one order only: the one paid before the paper ran out
    assert backend_rows(state, "SELECT status FROM payment_orders "
                        "WHERE order_id NOT LIKE 'ord-seed-%'") == [("paid",)]
    with sqlite3.connect(state / "print-journal.sqlite") as conn:
        states = [r[0] for r in conn.execute("SELECT * FROM sqlite_master").fetchall()]
    assert states  # the print journal exists
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert "real-time status after the cut" in log


# -- purse purchase (消费) -----------------------------------------------------------


def purchase_phases(state: Path) -> list[str]:
    with sqlite3.connect(state / "payments.sqlite") as conn:
        return [r[0] for r in conn.execute(
            "SELECT new FROM transitions WHERE order_id LIKE 'purchase:%' AND new LIKE "
            "'purchase_%' ORDER BY id")]


def receipt_payloads(state: Path) -> str:
    with sqlite3.connect(state / "print-journal.sqlite") as conn:
        return "\n".join(str(r[0]) for r in conn.execute(
            "SELECT payload FROM print_jobs WHERE kind='receipt'"))


def check_paid_from_purse(state: Path, *, recovered: bool) -> None:
    assert purse_balance(state) == 5000 - 2350  # on the card, kept on disk by the sim
    rows = backend_rows(state, "SELECT p.amount_fen, p.recovered, o.status, o.used_by, p.tac "
                        "FROM card_purchases p JOIN payment_orders o USING (order_id)")
    assert [r[:4] for r in rows] == [(2350, int(recovered), "paid", "bill:bill-w4403-2026-10")]
    assert backend_rows(state, "SELECT status FROM bills WHERE bill_id='bill-w4403-2026-10'"
                        ) == [("paid",)]
    receipt = receipt_payloads(state)
    assert "市民卡电子钱包" in receipt and str(rows[0][4]) in receipt  # the TAC
    assert "44030500000000000001" not in receipt  # the card number is masked


@pytest.mark.parametrize(("scenario", "recovered"), [
    pytest.param("purse_purchase", False, id="bill_paid_from_the_card_purse"),
    pytest.param("purse_card_pulled", True, id="card_pulled_mid_debit_recovered_on_reinsert"),
])
def test_bill_paid_from_the_card_purse(scenario: str, recovered: bool, tmp_path: Path) -> None:
    state = run(tmp_path, scenario)
    no_errors(state)
    check_paid_from_purse(state, recovered=recovered)
    assert purchase_phases(state) == ["purchase_intent", "purchase_debiting",
                                      "purchase_debited", "purchase_recorded"]


def test_purse_unavailable_offers_the_qr_code(tmp_path: Path) -> None:
    state = run(tmp_path, "purse_unavailable")
    no_errors(state)
    assert purse_balance(state) == 5000  # nothing taken from the card
    assert backend_rows(state, "SELECT count(*) FROM card_purchases") == [(0,)]
    assert backend_rows(state, "SELECT status FROM bills WHERE bill_id='bill-g-2026-10'"
                        ) == [("paid",)]


def test_refund_of_a_purse_paid_bill_goes_back_to_the_card(tmp_path: Path) -> None:
    state = run(tmp_path, "purse_refund")
    no_errors(state)
    check_refunded_to_card(state)


def check_refunded_to_card(state: Path) -> None:
    assert purse_balance(state) == 5000  # debited 23.50, then loaded back
    assert backend_rows(state, "SELECT o.status, o.refunded_fen FROM card_purchases p "
                        "JOIN payment_orders o USING (order_id)") == [("refunded", 2350)]
    assert backend_rows(state, "SELECT status, amount_fen, new_balance_fen, loads "
                        "FROM card_refunds") == [("credited", 2350, 5000, 1)]
    assert backend_rows(state, "SELECT status FROM bills WHERE bill_id='bill-w4403-2026-10'"
                        ) == [("unpaid",)]
    with sqlite3.connect(state / "payments.sqlite") as conn:
        phases = [r[0] for r in conn.execute(
            "SELECT new FROM transitions WHERE order_id LIKE 'refund:%' AND new LIKE "
            "'refund_%' ORDER BY id")]
    assert phases == ["refund_intent", "refund_requested", "refund_crediting",
                      "refund_credited", "refund_confirmed"]
    receipt = receipt_payloads(state)
    assert "退款已退回市民卡" in receipt and "44030500000000000001" not in receipt

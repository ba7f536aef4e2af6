"""What a resident meets at the pay screen, through the real kiosk and a separate backend.

* The pay screen shows the amount, the payee and a countdown.
* Paid, the settlement fails, the resident cancels: told the money is being refunded,
  a refund receipt is printed, the backend refunded in full.
* The settlement call's connection drops: the settlement waits in the outbox AS a
  settlement; the next start flushes it; the bill is paid once, no application appears.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.e2e.payment_harness import BIN, Kiosk, ReferenceBackend, money_agrees
from tests.e2e.test_payment_crash import AFTER_RESTART, TO_PAY

pytestmark = pytest.mark.e2e


def _write(path: Path, steps: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps(steps, ensure_ascii=False), encoding="utf-8")
    return path


def _print_jobs(kiosk: Kiosk) -> list[tuple[str, str]]:
    with sqlite3.connect(kiosk.state / "print-journal.sqlite") as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT title, state FROM print_jobs")]


def test_cancel_after_paying_refunds_and_prints_a_refund_receipt(tmp_path: Path) -> None:
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-OUTCOME-01")
        backend.fault("http_5xx", path="/v1/bills/", status=503)
        steps = [*TO_PAY["bill"],
                 {"expect_text": "收款方：市公用事业缴费中心"},
                 {"expect_text": "秒内完成支付"},
                 {"screenshot": "pay-countdown"},
                 {"phone_pay": None},
                 {"expect_text": "提交未成功。", "timeout": 60},
                 {"tap": "cancel"},
                 {"expect_screen": "result", "timeout": 60},
                 {"expect_text": "已全额退款，退款凭条正在打印。"},
                 {"screenshot": "refunded"},
                 {"tap": "finish"}, {"expect_screen": "goodbye"}]
        run = kiosk.run(_write(tmp_path / "s.json", steps), "out")
        assert run.returncode == 0, run.stderr[-3000:]
        (entry,) = kiosk.journal()
        assert entry["state"] == "refunded" and entry["receipt"] == "printed"
        (order,) = backend.ledger(kiosk.terminal)
        assert order["status"] == "refunded" and order["refunded_fen"] == order["amount_fen"]
        assert any("退款凭条" in title and state == "completed"
                   for title, state in _print_jobs(kiosk))
        assert not money_agrees(backend, kiosk)
        assert not kiosk.errors(), kiosk.errors()
    finally:
        backend.stop()


def test_a_dropped_settlement_is_delivered_once_from_the_outbox(tmp_path: Path) -> None:
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-OUTCOME-02")
        backend.fault("drop_connection", path="/v1/bills/", count=20)
        steps = [*TO_PAY["bill"], {"phone_pay": None}, {"expect_screen": "result", "timeout": 60},
                 {"screenshot": "queued"}, {"tap": "finish"}, {"expect_screen": "goodbye"}]
        run = kiosk.run(_write(tmp_path / "s.json", steps), "out")
        assert run.returncode == 0, run.stderr[-3000:]
        with sqlite3.connect(kiosk.state / "outbox.sqlite") as conn:
            kinds = [r[0] for r in conn.execute("SELECT kind FROM outbox")]
        assert kinds == ["bill_settlement"]
        backend.clear()
        again = kiosk.run(_write(tmp_path / "after.json", AFTER_RESTART), "after")
        assert again.returncode == 0, again.stderr[-3000:]
        (entry,) = kiosk.journal()
        assert entry["state"] == "delivered", entry
        assert not money_agrees(backend, kiosk), money_agrees(backend, kiosk)
        with sqlite3.connect(backend.db) as conn:
            apps = conn.execute("SELECT COUNT(*) FROM applications WHERE terminal_id=?",
                                (kiosk.terminal,)).fetchone()[0]
        assert apps == 0  # never sent as an application
        assert not kiosk.errors(), kiosk.errors()
    finally:
        backend.stop()


def test_staff_see_and_resolve_a_payment_that_needs_a_person(tmp_path: Path) -> None:
    from backend_client.journal import JournalState, PaymentJournal

    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-OUTCOME-03")
        journal = PaymentJournal(kiosk.state / "payments.sqlite")
        journal.begin("KIOSK-OUTCOME-03-STUCK", "stuck-key-0001", "{}", 4650,
                      service_id="utility_bill_payment", purpose="bill")
        journal.transition("KIOSK-OUTCOME-03-STUCK", JournalState.NEEDS_STAFF,
                           actor="reconcile", note="rejected: bill_already_paid")
        journal.close()
        pin = [{"tap": f"pin {d}"} for d in "246810"]
        steps = [{"expect_screen": "attract"}, {"long_press": "help"}, {"expect_screen": "staff"},
                 *pin, {"tap": "pin ok"}, {"tap": "payments needing staff"},
                 {"expect_screen": "staff_payments"},
                 {"expect_text": "KIOSK-OUTCOME-03-STUCK · ¥46.50 · needs_staff"},
                 {"screenshot": "staff-payments"},
                 {"tap": "resolve KIOSK-OUTCOME-03-STUCK"},
                 {"expect_text": "已记录：resolve → resolved"},
                 {"expect_text": "没有需要处理的支付。"},
                 {"tap": "back"}, {"expect_screen": "staff"}]
        run = kiosk.run(_write(tmp_path / "s.json", steps), "out")
        assert run.returncode == 0, run.stderr[-3000:]
        (entry,) = kiosk.journal()
        assert entry["state"] == "resolved"
        last = kiosk.transitions()[-1]
        assert last[1:] == ("needs_staff", "resolved")
        with sqlite3.connect(kiosk.state / "payments.sqlite") as conn:
            actor = conn.execute("SELECT actor FROM transitions ORDER BY id DESC").fetchone()[0]
        assert actor == "staff:kiosk-pin"
        diag = subprocess.run(
            [str(BIN / "kiosk-diag"), "--config", str(kiosk.config), "payments", "--all"],
            capture_output=True, text=True, timeout=60, check=False)
        assert diag.returncode == 0, diag.stdout + diag.stderr
        listed = json.loads(diag.stdout)["entries"]
        assert listed[0]["state"] == "resolved" and listed[0]["history"][-1]["by"] == \
            "staff:kiosk-pin"
        assert listed[0]["backend"]["message_key"]  # the backend does not know this order
        assert not kiosk.errors(), kiosk.errors()
    finally:
        backend.stop()

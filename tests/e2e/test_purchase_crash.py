"""SIGKILL the real kiosk at every phase of a citizen-card purse purchase (消费), and of
the load that gives its refund back to the card (退款圈存), then restart it on the same
state dir with the card in the reader.

A utility bill (¥23.50) paid from wang_fang's purse (¥50.00) with the PSAM in the
reader's second slot; the reference backend in its own process outlives the kiosk. The
kill points are the purchase phases the kiosk commits on the way
(:class:`PurchasePhase`: ``GOVKIOSK_CRASH_AFTER=<phase>`` kills it right after the
commit). After the restart (reconciliation, the purse recovery on the card's insert) the
backend's ledger, the card's balance and the journal agree: debited once and the bill
settled once, or never debited and nothing charged.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.flow.purse_ports import PURCHASE_FINAL, REFUND_FINAL, PurchasePhase, RefundPhase
from tests.e2e.payment_harness import Kiosk, ReferenceBackend, killed, money_agrees

# Long (a few minutes): make test runs it in its parallel pass (see the Makefile).
pytestmark = [pytest.mark.e2e, pytest.mark.parallel]
SERIAL, BEFORE, BILL, AMOUNT = "44030500000000000001", 5000, "bill-w4403-2026-10", 2350
Ops = list[dict[str, object]]

PURCHASE: Ops = [
    {"tap": "start"}, {"insert_card": "wang_fang"}, {"expect_screen": "menu"},
    {"tap": "utility_bill_payment"}, {"expect_screen": "step:form"},
    {"tap": f"option {BILL}"}, {"tap": "next"}, {"expect_screen": "step:review"},
    {"tap": "confirm"}, {"expect_screen": "step:pay"}, {"expect_text": "¥50.00"},
    {"tap": "pay from card purse"}, {"expect_screen": "result", "timeout": 60},
    {"tap": "finish"}, {"expect_screen": "goodbye"}]
RESTART: Ops = [{"insert_card": "wang_fang"}, {"expect_screen": "menu", "timeout": 30},
                {"expect_no_text": "正在核对未完成的支付", "timeout": 90},
                {"wait": 150, "timeout": 200}]
#: Phases only the resolution (or a refusal) commits: checked as outcomes after restart.
NOT_ON_THE_WAY = {PurchasePhase.NOT_DEBITED, PurchasePhase.NEEDS_STAFF}
POINTS = [p.value for p in PurchasePhase if p not in NOT_ON_THE_WAY]
#: Whether the card paid (debited once, the bill settled once) after the restart.
DEBITED = {PurchasePhase.DEBITED.value, PurchasePhase.RECORDED.value}


def test_every_phase_is_a_kill_point_or_an_outcome() -> None:
    assert set(POINTS) | {p.value for p in NOT_ON_THE_WAY} == {p.value for p in PurchasePhase}
    assert NOT_ON_THE_WAY <= PURCHASE_FINAL


def _settled(kiosk: Kiosk) -> bool:
    try:
        entries = kiosk.journal()
    except sqlite3.Error:
        return False
    return bool(entries) and all(e["state"] in ("delivered", "closed", "refunded")
                                 for e in entries)


def _kill_then_settle(kiosk: Kiosk, backend: ReferenceBackend, ops: Ops, restart_ops: Ops,
                      point: str, tmp_path: Path, detail: Callable[[], object]) -> None:
    """Run ``ops`` until SIGKILL at ``point``, restart on ``restart_ops`` and wait (bounded)
    until the journal is settled and the money agrees; ``detail`` explains a timeout."""
    first_s, restart_s = tmp_path / "first.json", tmp_path / "restart.json"
    first_s.write_text(json.dumps(ops, ensure_ascii=False), "utf-8")
    restart_s.write_text(json.dumps(restart_ops, ensure_ascii=False), "utf-8")
    first = kiosk.run(first_s, "first", crash_after=point)
    assert killed(first), f"not killed at {point}: {first.returncode}\n" \
        + first.stderr[-3000:]
    restart = kiosk.start(restart_s, "second")
    try:
        deadline = time.monotonic() + 150
        while not (_settled(kiosk) and not money_agrees(backend, kiosk)):
            assert restart.poll() is None, "the restarted kiosk ended"
            assert time.monotonic() < deadline, detail()
            time.sleep(0.5)
    finally:
        restart.terminate()
        restart.wait(timeout=30)


@pytest.mark.timeout(420)
@pytest.mark.parametrize("point", [
    pytest.param(p, id=f"purchase-{p}") for p in POINTS])
def test_sigkill_mid_purchase_then_restart_settles_it(point: str, tmp_path: Path) -> None:
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-PURSE-0001")
        _kill_then_settle(kiosk, backend, PURCHASE, RESTART, point, tmp_path,
                          lambda: (money_agrees(backend, kiosk), kiosk.journal()))
        balance = kiosk.purse_balance(SERIAL)
        bill = backend.bills()[BILL]
        orders = backend.ledger(kiosk.terminal)
        if point in DEBITED and bill["status"] == "paid":
            assert balance == BEFORE - AMOUNT  # debited once
            paid = [o for o in orders if o["status"] == "paid"]
            if bill["status"] == "paid":  # and the bill settled once, by its order
                (order,) = paid
                assert order["used_by"] == f"bill:{BILL}"
                assert bill["paid_order"] == order["order_id"]
            else:  # or the order the card paid refunded in full, back on the card
                assert not paid and any(o["status"] == "refunded" for o in orders), orders
                assert kiosk.purse_balance(SERIAL) == BEFORE
        else:
            assert balance == BEFORE  # never debited
            assert bill["status"] == "unpaid"
            assert all(o["status"] in ("closed", "refunded") for o in orders)
        assert not kiosk.errors(), kiosk.errors()
    finally:
        backend.stop()


# -- the refund of a purse-paid bill, loaded back onto the card -------------------------

#: The bill cannot be settled (503), the resident gives up: the order is refunded and the
#: refund loaded onto the card still in the reader; killed at each refund-load phase.
REFUND: Ops = [
    *PURCHASE[:11], {"inject": "backend http_5xx path=/v1/bills/ status=503"},
    {"tap": "pay from card purse"}, {"expect_text": "提交未成功。", "timeout": 60},
    {"tap": "cancel"}, {"expect_text": "退款已退回您的市民卡", "timeout": 60},
    {"tap": "finish"}, {"expect_screen": "goodbye"}]
REFUND_RESTART: Ops = [{"clear": "backend"}, {"insert_card": "wang_fang"},
                       {"expect_screen": "menu", "timeout": 30}, {"wait": 150, "timeout": 200}]
#: Phases only a resolution (or a refusal) commits: outcomes, not kill points.
REFUND_OUTCOMES = {RefundPhase.VOIDED, RefundPhase.NEEDS_STAFF}
REFUND_POINTS = [p.value for p in RefundPhase if p not in REFUND_OUTCOMES]


def test_every_refund_phase_is_a_kill_point_or_an_outcome() -> None:
    assert set(REFUND_POINTS) | {p.value for p in REFUND_OUTCOMES} == \
        {p.value for p in RefundPhase}
    assert REFUND_OUTCOMES <= REFUND_FINAL


@pytest.mark.timeout(420)
@pytest.mark.parametrize("point", [pytest.param(p, id=f"refund-{p}") for p in REFUND_POINTS])
def test_sigkill_mid_refund_load_then_restart_credits_it_once(point: str,
                                                              tmp_path: Path) -> None:
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-PURSE-0002")
        _kill_then_settle(kiosk, backend, REFUND, REFUND_RESTART, point, tmp_path,
                          lambda: (money_agrees(backend, kiosk), kiosk.journal(),
                                   backend.card_refunds()))
        assert kiosk.purse_balance(SERIAL) == BEFORE  # debited once, credited back once
        (refund,) = backend.card_refunds()
        assert (refund["status"], refund["amount_fen"]) == ("credited", AMOUNT)
        # a second MAC2 only after the first load was voided (killed before the credit)
        assert refund["loads"] == (2 if point == "refund_crediting" else 1)
        assert backend.bills()[BILL]["status"] == "unpaid"
        assert [o["status"] for o in backend.ledger(kiosk.terminal)] == ["refunded"]
        assert not kiosk.errors(), kiosk.errors()
    finally:
        backend.stop()

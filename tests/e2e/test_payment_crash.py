"""SIGKILL the real kiosk right after it commits each journal state of a QR money flow.

The reference backend runs in its own process (``kiosk-backend-sim``) and outlives the
kiosk. The kiosk (simulated devices, enrolled against that backend) kills itself with
``GOVKIOSK_CRASH_AFTER=<state>`` right after committing its first move into that state;
then it is started again on the same state dir, its start-up reconciliation runs before
paid services are offered, and the backend's ledger and the journal must agree: exactly
one charge and one delivery, or no charge, or a full refund; nothing left open.

The kill points are every :class:`JournalState` the kiosk's own flows commit, each on a
flow that passes through it (plus "shown" with the resident paying while the kiosk is
down); the states only reconciliation or staff commit are asserted unreachable here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend_client.journal import JournalState
from tests.e2e.payment_harness import Kiosk, ReferenceBackend, killed, money_agrees

pytestmark = pytest.mark.e2e
S = JournalState

_TO_PAY = [
    {"tap": "start"}, {"insert_id_card": "zhang_wei"}, {"expect_screen": "menu"},
    {"tap": "utility_bill_payment"}, {"expect_screen": "step:form"},
    {"tap_first_option": "bill"}, {"tap": "next"}, {"expect_screen": "step:review"},
    {"tap": "confirm"}, {"expect_screen": "step:pay"},
]
SCENARIOS: dict[str, list[dict[str, object]]] = {
    # pay the bill on the phone; the kiosk settles it and prints the receipt
    "bill_paid": [*_TO_PAY, {"phone_pay": None},
                  {"expect_screen": "result", "timeout": 60}, {"tap": "finish"},
                  {"expect_screen": "goodbye"}],
    # the resident walks away from the QR code: the order is closed
    "bill_cancelled": [*_TO_PAY, {"expect_text": "请用微信、支付宝或云闪付扫描二维码完成支付。"},
                       {"tap": "cancel"}, {"expect_screen": "menu", "timeout": 60},
                       {"tap": "finish"}, {"expect_screen": "goodbye"}],
    # paid, but the settlement fails (5xx) and the resident cancels: refunded
    "bill_refunded": [*_TO_PAY, {"phone_pay": None},
                      {"expect_text": "提交未成功。", "timeout": 60}, {"tap": "cancel"},
                      {"expect_screen": "result", "timeout": 60}, {"tap": "finish"},
                      {"expect_screen": "goodbye"}],
}
#: The journal states each flow commits, in order (checked against the journal too).
PATHS: dict[str, list[JournalState]] = {
    "bill_paid": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.PAID, S.DELIVERING, S.DELIVERED],
    "bill_cancelled": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.CLOSING, S.CLOSED],
    "bill_refunded": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.PAID, S.DELIVERING,
                      S.REFUNDING, S.REFUNDED],
}
#: Only reconciliation (needs_staff) or a person (resolved) commits these.
NOT_KIOSK_FLOW = {S.NEEDS_STAFF, S.RESOLVED}
AFTER_RESTART = [
    {"tap": "start"}, {"insert_id_card": "zhang_wei"}, {"expect_screen": "menu"},
    {"expect_no_text": "正在核对未完成的支付", "timeout": 90},
    {"tap": "finish"}, {"expect_screen": "goodbye"},
]


def kill_points() -> list[tuple[str, str, bool]]:
    """(flow, state, pay while the kiosk is down) for every state the flows commit."""
    points: list[tuple[str, str, bool]] = []
    for state in JournalState:
        flow = next((f for f, path in PATHS.items() if state in path), None)
        if flow is None:
            assert state in NOT_KIOSK_FLOW, f"{state}: no flow commits it"
            continue
        points.append((flow, state.value, False))
        if state is S.SHOWN:
            points.append((flow, state.value, True))
    return points


def test_every_kiosk_state_is_a_kill_point() -> None:
    covered = {state for _, state, _ in kill_points()}
    assert covered | {s.value for s in NOT_KIOSK_FLOW} == {s.value for s in JournalState}


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-scenarios")
    for name, steps in {**SCENARIOS, "after_restart": AFTER_RESTART}.items():
        (root / f"{name}.json").write_text(json.dumps(steps, ensure_ascii=False), "utf-8")
    return root


@pytest.mark.parametrize(("flow", "state", "pay_while_down"), kill_points(),
                         ids=lambda v: str(v))
def test_sigkill_then_restart_settles_the_money(
    flow: str, state: str, pay_while_down: bool, scenario_dir: Path, tmp_path: Path
) -> None:
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-CRASH-0001")
        if flow == "bill_refunded":
            backend.fault("http_5xx", path="/v1/bills/", status=503)
        first = kiosk.run(scenario_dir / f"{flow}.json", "first", crash_after=state)
        assert killed(first), f"the kiosk was not killed at {state}: {first.returncode}\n" \
            + first.stderr[-3000:]
        moves = [new for _, _, new in kiosk.transitions()]
        assert moves[-1] == state, moves
        assert moves == [s.value for s in PATHS[flow][: len(moves)]], moves
        backend.clear()
        if pay_while_down:  # the resident's phone pays the QR code the dead kiosk showed
            (entry,) = kiosk.journal()
            backend.sim("POST", f"/payments/{entry['order_id']}/pay")
        second = kiosk.run(scenario_dir / "after_restart.json", "second")
        assert second.returncode == 0, second.stderr[-3000:]
        problems = money_agrees(backend, kiosk)
        assert not problems, problems
        (entry,) = kiosk.journal()
        assert entry["state"] in ("delivered", "closed", "refunded"), entry
        if pay_while_down or state in ("paid", "delivering", "delivered"):
            assert entry["state"] == "delivered", entry  # the bill settlement is idempotent
        if flow == "bill_refunded" and state in ("refunding", "refunded"):
            assert entry["state"] == "refunded", entry
        if entry["state"] in ("delivered", "refunded"):  # the resident's proof, even so
            assert entry["receipt"] == "printed", entry
        assert not kiosk.errors(), kiosk.errors()
    finally:
        backend.stop()

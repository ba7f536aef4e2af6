"""SIGKILL the real kiosk right after it commits each journal state of the QR money flows.

Two money flows of the shipped catalog: a QR-paid utility bill (``utility_bill_payment``:
pay, settle the bill, receipt) and a paid certificate (``real_estate_record``, ¥5.00:
face check, pay, issue, print, receipt). The reference backend runs in its own process
(``kiosk-backend-sim --simulation``) and outlives the kiosk, which is enrolled against it
with the operator's one-time code. The kiosk kills itself with
``GOVKIOSK_CRASH_AFTER=<state>`` right after committing its first move into that state;
then it is started again on the same state dir, its start-up reconciliation runs before
paid services are offered, and the backend's ledger and the journal must agree: exactly
one charge and one delivery, or no charge, or a full refund; nothing left open.

The kill points are every :class:`JournalState` each flow's kiosk code commits, each on a
path of that flow that passes through it (the resident pays / walks away from the QR
code / pays and the delivery fails, so the money goes back), plus "shown" with the
resident paying while the kiosk is down. The states only reconciliation or staff commit
are asserted unreachable here. The top-up is tests/e2e/test_topup_restart.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend_client.journal import JournalState
from tests.e2e.payment_harness import Kiosk, ReferenceBackend, killed, money_agrees

# Long (a few minutes): make test runs it in its parallel pass (see the Makefile).
pytestmark = [pytest.mark.e2e, pytest.mark.parallel]
S = JournalState
Ops = list[dict[str, object]]

_LOGIN: Ops = [{"tap": "start"}, {"insert_id_card": "zhang_wei"}, {"expect_screen": "menu"}]
#: Up to the QR code, per money flow.
TO_PAY: dict[str, Ops] = {
    "bill": [*_LOGIN, {"tap": "utility_bill_payment"}, {"expect_screen": "step:form"},
             {"tap_first_option": "bill"}, {"tap": "next"}, {"expect_screen": "step:review"},
             {"tap": "confirm"}, {"expect_screen": "step:pay"}],
    "certificate": [*_LOGIN, {"tap": "real_estate_record"},
                    {"expect_screen": "step:verify_face"}, {"present_person": "zhang_wei"},
                    {"follow_challenge": None, "timeout": 20},
                    {"expect_screen": "step:review", "timeout": 30},
                    {"tap": "confirm"}, {"expect_screen": "step:pay"}],
}
#: What the resident does at the QR code, per path.
AT_PAY: dict[str, Ops] = {
    # pays on the phone; the kiosk delivers (settles the bill / issues and prints)
    "paid": [{"phone_pay": None}, {"expect_screen": "result", "timeout": 60},
             {"tap": "finish"}, {"expect_screen": "goodbye"}],
    # walks away from the QR code: the order is closed
    "cancelled": [{"expect_text": "请用微信、支付宝或云闪付扫描二维码完成支付。"},
                  {"tap": "cancel"}, {"expect_screen": "menu", "timeout": 60},
                  {"tap": "finish"}, {"expect_screen": "goodbye"}],
    # pays, the delivery fails (5xx) and the resident gives up: refunded
    "refunded": [{"phone_pay": None}, {"expect_text": "提交未成功。", "timeout": 60},
                 {"tap": "cancel"}, {"expect_screen": "result", "timeout": 60},
                 {"tap": "finish"}, {"expect_screen": "goodbye"}],
}
#: The backend path the "refunded" path's delivery fails on.
DELIVERY_PATH = {"bill": "/v1/bills/", "certificate": "/v1/certificates"}
#: The journal states each path commits, in order (checked against the journal too).
PATHS: dict[str, list[JournalState]] = {
    "paid": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.PAID, S.DELIVERING, S.DELIVERED],
    "cancelled": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.CLOSING, S.CLOSED],
    "refunded": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.PAID, S.DELIVERING,
                 S.REFUNDING, S.REFUNDED],
}
#: Only reconciliation (needs_staff) or a person (resolved) commits these.
NOT_KIOSK_FLOW = {S.NEEDS_STAFF, S.RESOLVED}
AFTER_RESTART: Ops = [*_LOGIN, {"expect_no_text": "正在核对未完成的支付", "timeout": 90},
                      {"tap": "finish"}, {"expect_screen": "goodbye"}]


def kill_points() -> list[tuple[str, str, str, bool]]:
    """(flow, path, state, pay while the kiosk is down): every state of every flow."""
    points: list[tuple[str, str, str, bool]] = []
    for flow in TO_PAY:
        for state in JournalState:
            path = next((p for p, states in PATHS.items() if state in states), None)
            if path is None:
                assert state in NOT_KIOSK_FLOW, f"{state}: no path commits it"
                continue
            points.append((flow, path, state.value, False))
            if state is S.SHOWN:
                points.append((flow, path, state.value, True))
    return points


def _id(point: tuple[str, str, str, bool]) -> str:
    flow, _path, state, pay_while_down = point
    return f"{flow}-{state}" + ("-paid_while_down" if pay_while_down else "")


POINTS = kill_points()


def test_every_kiosk_state_is_a_kill_point_of_every_flow() -> None:
    for flow in TO_PAY:
        covered = {state for f, _, state, _ in POINTS if f == flow}
        assert covered | {s.value for s in NOT_KIOSK_FLOW} == {s.value for s in JournalState}


def expected_outcome(flow: str, path: str, state: str, pay_while_down: bool) -> set[str]:
    """How the entry must end after the restart."""
    if path == "refunded" and state in ("refunding", "refunded"):
        return {"refunded"}
    if state == "delivered":
        return {"delivered"}
    if pay_while_down or state in ("paid", "delivering"):
        # A bill settlement is idempotent and keyed by the order: delivered after the
        # restart. A certificate is the resident's, who has left: refunded.
        return {"delivered"} if flow == "bill" else {"refunded"}
    if state in ("closing", "closed"):
        return {"closed", "refunded"}  # refunded: a payment slipped in before the close
    return {"closed"}


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crash-scenarios")
    for flow, ops in TO_PAY.items():
        for path, rest in AT_PAY.items():
            (root / f"{flow}_{path}.json").write_text(
                json.dumps([*ops, *rest], ensure_ascii=False), "utf-8")
    (root / "after_restart.json").write_text(json.dumps(AFTER_RESTART, ensure_ascii=False),
                                             "utf-8")
    return root


@pytest.mark.parametrize(("flow", "path", "state", "pay_while_down"), POINTS,
                         ids=[_id(p) for p in POINTS])
def test_sigkill_then_restart_settles_the_money(
    flow: str, path: str, state: str, pay_while_down: bool, scenario_dir: Path,
    tmp_path: Path
) -> None:
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-CRASH-0001")
        if path == "refunded":
            backend.fault("http_5xx", path=DELIVERY_PATH[flow], status=503)
        first = kiosk.run(scenario_dir / f"{flow}_{path}.json", "first", crash_after=state)
        assert killed(first), f"the kiosk was not killed at {state}: {first.returncode}\n" \
            + first.stderr[-3000:]
        moves = [new for _, _, new in kiosk.transitions()]
        assert moves[-1] == state, moves
        assert moves == [s.value for s in PATHS[path][: len(moves)]], moves
        backend.clear()
        if pay_while_down:  # the resident's phone pays the QR code the dead kiosk showed
            (entry,) = kiosk.journal()
            backend.sim("POST", f"/payments/{entry['order_id']}/pay")
        second = kiosk.run(scenario_dir / "after_restart.json", "second")
        assert second.returncode == 0, second.stderr[-3000:]
        problems = money_agrees(backend, kiosk)
        assert not problems, problems
        (entry,) = kiosk.journal()
        assert entry["state"] in expected_outcome(flow, path, state, pay_while_down), entry
        if entry["state"] in ("delivered", "refunded"):  # the resident's proof, even so
            assert entry["receipt"] == "printed", entry
        if flow == "certificate" and entry["state"] == "delivered":
            (order,) = backend.ledger(kiosk.terminal)
            assert order["used_by"].startswith("certificate:BDC-"), order
        assert not kiosk.errors(), kiosk.errors()
    finally:
        backend.stop()

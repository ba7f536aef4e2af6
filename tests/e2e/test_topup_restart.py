"""SIGKILL the real kiosk at every step of a citizen-card top-up (圈存), then restart it on
the same state dir with the card in the reader.

The reference backend runs in its own process (``kiosk-backend-sim --simulation``) and
outlives the kiosk, enrolled against it; the card simulator keeps its purse on disk, so
the card's balance after the restart is the card's own. The kill points are enumerated
from the journal's states (:class:`JournalState`, the payment entry of the QR order that
pays the load) and the load phases (:class:`LoadPhase`, the ``topups`` row committed
before each card / backend action): ``GOVKIOSK_CRASH_AFTER=<state>`` or ``load:<phase>``
kills the kiosk right after the commit. One more point: CREDIT FOR LOAD executed by the
card but its answer lost (the card simulator holds the answer; the test kills the kiosk
once the card's EEPROM shows the new balance).

After the restart (start-up reconciliation, then the purse recovery on the card's insert)
the backend's ledger, the card's balance and the journal agree: loaded once and charged
once, or never loaded and nothing charged / fully refunded.
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

from backend_client.journal import JournalState
from kiosk.flow.purse_ports import LoadPhase
from tests.e2e.payment_harness import BIN, Kiosk, ReferenceBackend, killed, money_agrees

# Long (a few minutes): make test runs it in its parallel pass (see the Makefile).
pytestmark = [pytest.mark.e2e, pytest.mark.parallel]
S = JournalState
L = LoadPhase
SERIAL = "44030500000000000001"  # wang_fang's citizen card, ¥50.00 in its purse
BEFORE, AMOUNT = 5000, 5000
Ops = list[dict[str, object]]

TO_PAY: Ops = [
    {"tap": "start"}, {"insert_card": "wang_fang"}, {"expect_screen": "menu"},
    {"tap": "citizen_card_topup"}, {"expect_screen": "step:form"},
    {"tap_first_option": "amount_fen"}, {"tap": "next"}, {"expect_screen": "step:review"},
    {"tap": "confirm"}, {"expect_screen": "step:pay"}, {"expect_text": "¥"},
]
SCENARIOS: dict[str, Ops] = {
    "paid": [*TO_PAY, {"phone_pay": None}, {"expect_screen": "result", "timeout": 60},
             {"tap": "finish"}, {"expect_screen": "goodbye"}],
    "cancelled": [*TO_PAY, {"expect_text": "请用微信、支付宝或云闪付扫描二维码完成支付。"},
                  {"tap": "cancel"}, {"expect_screen": "menu", "timeout": 60},
                  {"tap": "finish"}, {"expect_screen": "goodbye"}],
    # the card executes CREDIT FOR LOAD and keeps its answer: the kiosk dies meanwhile
    "held": [*TO_PAY, {"inject": "card_reader hold_answer ins=52 seconds=150"},
             {"phone_pay": None}, {"wait": 200}],
    # the restart: the resident's card is (still / again) in the reader
    "restart": [{"insert_card": "wang_fang"}, {"expect_screen": "menu", "timeout": 30},
                {"expect_no_text": "正在核对未完成的支付", "timeout": 90},
                {"wait": 150, "timeout": 200}],
}
#: The payment entry's states on each path, in order.
PATHS: dict[str, list[JournalState]] = {
    "paid": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.PAID, S.DELIVERING, S.DELIVERED],
    "cancelled": [S.INTENT, S.ORDER_CREATED, S.SHOWN, S.CLOSING, S.CLOSED],
}
#: The load phases of the paid path, in order.
LOAD_PATH = [L.REQUESTED, L.AUTHORISED, L.CREDITING, L.CONFIRMED]
#: States and phases no kiosk step of a top-up commits on its way: reached only by the
#: resolution after a restart (or by staff), whose outcomes every case below checks.
NOT_ON_THE_WAY = {S.REFUNDING: "the pay step's refund: the bill / certificate crash test",
                  S.REFUNDED: "the outcome of the resolution, checked after each restart",
                  S.NEEDS_STAFF: "reconciliation only", S.RESOLVED: "staff only",
                  L.CANCELLED: "the resolution voids the load (checked after restart)",
                  L.REFUNDED: "the resolution refunds the order (checked after restart)"}


def kill_points() -> list[tuple[str, str]]:
    """(scenario, kill point) for every journal state and load phase on the way."""
    points: list[tuple[str, str]] = []
    for state in JournalState:
        path = next((p for p, states in PATHS.items() if state in states), None)
        if path is None:
            assert state in NOT_ON_THE_WAY, state
            continue
        points.append((path, state.value))
        if state is S.SHOWN:
            points.append((path, "shown+paid_while_down"))
    for phase in LoadPhase:
        if phase not in LOAD_PATH:
            assert phase in NOT_ON_THE_WAY, phase
            continue
        points.append(("paid", f"load:{phase.value}"))
    points.append(("held", "load:crediting+card_credited"))
    return points


POINTS = kill_points()
#: Whether the card ends loaded (charged once) after the restart; else never loaded and
#: nothing charged (closed) or fully refunded.
LOADED = {"delivered", "load:confirmed", "load:crediting+card_credited"}


def test_every_state_and_phase_is_a_kill_point() -> None:
    names = {point for _, point in POINTS}
    assert {s.value for s in JournalState} - {s.value for s in NOT_ON_THE_WAY
                                               if isinstance(s, JournalState)} <= names
    assert {f"load:{p.value}" for p in LoadPhase if p not in NOT_ON_THE_WAY} <= names


def _load_phase(kiosk: Kiosk) -> str:
    path = kiosk.state / "payments.sqlite"
    if not path.exists():
        return ""
    try:
        with sqlite3.connect(path) as conn:
            row = conn.execute("SELECT state FROM topups ORDER BY rowid DESC").fetchone()
    except sqlite3.Error:
        return ""
    return str(row[0]) if row else ""


def _balance(kiosk: Kiosk) -> int | None:
    try:
        return kiosk.purse_balance(SERIAL)
    except (OSError, ValueError):  # not written yet, or being written
        return None


def _settled(kiosk: Kiosk) -> bool:
    try:
        entries = kiosk.journal()
    except sqlite3.Error:
        return False
    return bool(entries) and all(e["state"] in ("delivered", "closed", "refunded")
                                 for e in entries)


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("topup-scenarios")
    for name, ops in SCENARIOS.items():
        (root / f"{name}.json").write_text(json.dumps(ops, ensure_ascii=False), "utf-8")
    return root


@pytest.mark.timeout(420)
@pytest.mark.parametrize(("path", "point"), POINTS, ids=[f"topup-{p}" for _, p in POINTS])
def test_sigkill_mid_topup_then_restart_settles_it(
    path: str, point: str, scenario_dir: Path, tmp_path: Path
) -> None:
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-TOPUP-0001")
        if path == "held":
            _kill_with_the_card_credited(kiosk, scenario_dir)
        else:
            state = point.removesuffix("+paid_while_down")
            first = kiosk.run(scenario_dir / f"{path}.json", "first", crash_after=state)
            assert killed(first), f"not killed at {point}: {first.returncode}\n" \
                + first.stderr[-3000:]
            if not state.startswith("load:"):
                moves = [new for oid, _, new in kiosk.transitions()
                         if not oid.startswith("topup:")]
                assert moves == [s.value for s in PATHS[path][: len(moves)]], moves
            if point.endswith("+paid_while_down"):  # the phone pays the QR code shown
                (entry,) = kiosk.journal()
                backend.sim("POST", f"/payments/{entry['order_id']}/pay")
        loaded_before = kiosk.purse_balance(SERIAL) == BEFORE + AMOUNT

        restart = kiosk.start(scenario_dir / "restart.json", "second")
        try:
            deadline = time.monotonic() + 150
            while not (_settled(kiosk) and not money_agrees(backend, kiosk)):
                assert restart.poll() is None, "the restarted kiosk ended"
                assert time.monotonic() < deadline, money_agrees(backend, kiosk)
                time.sleep(0.5)
        finally:
            restart.terminate()
            restart.wait(timeout=30)
        balance = kiosk.purse_balance(SERIAL)
        payment = next(e for e in kiosk.journal() if e["kind"] == "payment")
        if point in LOADED:
            assert loaded_before
            assert balance == BEFORE + AMOUNT  # loaded once
            assert payment["state"] == "delivered"
        else:
            assert balance == BEFORE  # never loaded
            assert payment["state"] in ("closed", "refunded")
            orders = backend.ledger(kiosk.terminal)
            assert all(o["status"] in ("closed", "refunded") for o in orders), orders
        assert not kiosk.errors(), kiosk.errors()
        log = (kiosk.state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
        assert "440305194209150287" not in log  # wang_fang's ID number, never unmasked
    finally:
        backend.stop()


def _kill_with_the_card_credited(kiosk: Kiosk, scenario_dir: Path) -> None:
    proc = kiosk.start(scenario_dir / "held.json", "first")
    try:
        deadline = time.monotonic() + 150
        while _load_phase(kiosk) != L.CREDITING.value or _balance(kiosk) != BEFORE + AMOUNT:
            assert proc.poll() is None, "the kiosk ended before the kill point"
            assert time.monotonic() < deadline, "never reached the card's credit"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def _diag(kiosk: Kiosk, *args: str) -> tuple[int, dict[str, object]]:
    done = subprocess.run([str(BIN / "kiosk-diag"), "--config", str(kiosk.config),
                           "payments", *args], capture_output=True, text=True, timeout=60,
                          check=False)
    assert SERIAL not in done.stdout + done.stderr  # the card number only masked
    return done.returncode, json.loads(done.stdout)


def test_staff_see_an_open_card_load_with_the_cards_facts_and_act_on_it(
    scenario_dir: Path, tmp_path: Path
) -> None:
    """Through the real ``kiosk-diag payments``: a load the card may hold is listed with
    the card's facts and is never refunded; a load the card never got is voided and
    refunded; every action is journaled with the staff actor and audited."""
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    try:
        unsure = Kiosk(backend, tmp_path / "a", "KIOSK-STAFF-0001")
        never = Kiosk(backend, tmp_path / "b", "KIOSK-STAFF-0002")
        for kiosk, point in ((unsure, "load:crediting"), (never, "load:authorised")):
            assert killed(kiosk.run(scenario_dir / "paid.json", "first", crash_after=point))

        code, listed = _diag(unsure, "--stuck-after", "0")
        assert code == 0, listed
        entries = {e["kind"]: e for e in listed["entries"]}  # type: ignore[attr-defined]
        load, payment = entries["topup"], entries["payment"]
        (card,) = load["card"]
        assert card["card_number"] == "4403************0001"
        assert card["balance_before_fen"] == BEFORE and card["phase"] == "crediting"
        assert "only the card" in card["card_record"]
        assert payment["state"] == "delivering" and payment["card"] == load["card"]
        assert payment["backend"]["status"] == "paid"
        assert payment["backend"]["used_by"].startswith("topup:")
        assert payment["backend"]["topups"][0]["status"] == "pending"
        code, refused = _diag(unsure, "--refund", load["order_id"], "--staff", "S-07")
        assert code == 1 and "card may hold" in str(refused["error"])
        code, refused = _diag(unsure, "--refund", payment["order_id"], "--staff", "S-07")
        assert code == 1 and "still open" in str(refused["error"])
        code, done = _diag(unsure, "--resolve", load["order_id"], "--staff", "S-07",
                           "--note", "card checked at the counter: loaded")
        assert code == 0 and done["state"] == "resolved"

        code, listed = _diag(never, "--stuck-after", "0")
        (load,) = [e for e in listed["entries"] if e["kind"] == "topup"]  # type: ignore[attr-defined]
        assert load["card"][0]["phase"] == "authorised"
        code, done = _diag(never, "--refund", load["order_id"], "--staff", "S-07")
        assert code == 0 and done["outcome"] == "refunded" and done["state"] == "closed", done
        assert [(o["status"], o["refunded_fen"]) for o in backend.ledger(never.terminal)] \
            == [("refunded", AMOUNT)]
        assert [t["status"] for t in backend.topups().values()
                if t["order_id"] != payment["order_id"]] == ["failed"]
        # the order refunded; the load itself voided (the card never got it)
        assert {(e["kind"], e["state"]) for e in never.journal()} == {
            ("payment", "refunded"), ("topup", "closed")}
        assert not money_agrees(backend, never)

        for kiosk, staff_moves in ((unsure, {"resolved"}), (never, {"refunded"})):
            moves = kiosk.transitions()
            with sqlite3.connect(kiosk.state / "payments.sqlite") as conn:
                actors = {r[0] for r in conn.execute("SELECT actor FROM transitions")}
            assert "staff:S-07" in actors
            assert staff_moves <= {new for _o, _old, new in moves}
            audit = (kiosk.state / "audit" / "staff-audit.jsonl").read_text("utf-8")
            lines = [json.loads(x) for x in audit.splitlines()]
            assert {x["event"] for x in lines} == {"payment_action"}
            assert all(x["staff"] == "S-07" and x["via"] == "kiosk-diag" for x in lines)
    finally:
        backend.stop()

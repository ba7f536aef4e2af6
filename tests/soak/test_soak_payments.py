"""``make soak``: a few hundred random payments (QR-paid bills, citizen-card top-ups and
bills paid from the card's purse) with injected faults.

The kiosk's own payment stack (flow engine, pay/submit/receipt steps, the top-up's card
load, backend adapter, journal state machine, outbox, reconciler, purse recovery, the
simulated receipt printer and citizen card) runs without Qt against the reference
backend in its own process (127.0.0.1). Each payment draws a kind (a bill; a top-up of
the citizen card in the reader), a resident (pays at once, pays late, never pays,
cancels, pays and then cancels) and a fault (backend latency, dropped connections before
or after the commit, 5xx, receipt printer out of paper; for a top-up also the card pulled
at a random command of the load, the resident putting it back or walking away; for a
purse purchase the card pulled during DEBIT FOR PURCHASE, its answer lost or the
command never seen, and a settlement failing so that the refund goes back onto the
card). At the
end faults are cleared, the card is put back, the purse recovery and the reconciler run
as they do at an insert and while the kiosk is idle, and the backend's ledger, the card's
balance and the journal must agree: every order one charge and one delivery, or no
charge, or a full refund (a purse-paid one credited back to the card); the card holds its
balance before plus every confirmed load and refund, minus every recorded purchase.

Bounded: ``SOAK_PAYMENTS`` payments (default 300) or ``SOAK_SECONDS`` (default 900),
whichever comes first. Figures are printed as one JSON line and kept in
``bench-out/soak.jsonl``.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from backend_client.reconcile import Reconciler
from backend_client.service_definition import ServiceDefinition
from kiosk.adapters import build_ports
from kiosk.config import load_config
from kiosk.flow.engine import ENDED, FlowEngine
from kiosk.flow.ports import Option
from kiosk.flow.purse_recovery import PurseRecovery
from kiosk.flow.steps import FlowSettings
from kiosk.runtime import KioskRuntime
from kiosk.session import Session
from tests.e2e.payment_harness import ROOT, Kiosk, ReferenceBackend, money_agrees
from tests.flow.fakes import WANG_FANG_CARD, ZHANG_WEI

pytestmark = pytest.mark.skipif(os.environ.get("GOVKIOSK_SOAK") != "1",
                                reason="run with `make soak`")

RESIDENTS = ("pays", "pays", "pays", "pays_late", "never_pays", "cancels", "pays_then_cancels")
FAULTS = ("none", "none", "latency", "drop", "drop_after_commit", "5xx", "5xx_settle",
          "paper_out", "paper_out_known")
KINDS = ("bill", "bill", "bill", "bill", "topup", "topup", "purchase", "purchase")
PURCHASE_FAULTS = ("none", "latency", "drop", "drop_after_commit", "5xx_settle",
                   "5xx_settle", "card_pulled_debit", "card_pulled_debit", "paper_out")
TOPUP_FAULTS = ("none", "latency", "drop", "drop_after_commit", "5xx_topup", "card_pulled",
                "card_pulled", "card_pulled", "paper_out")
CARD, SERIAL = "wang_fang", "44030500000000000001"


def _new_bill(db: Path, n: int, amount: int) -> str:
    bill_id = f"bill-soak-{n:05d}"
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO bills (bill_id, account_id, period, amount_fen, status,"
                     " due_date) VALUES (?,?,?,?,?,?)",
                     (bill_id, "E-1101-0001", "2026-11", amount, "unpaid", "2026-12-31"))
    return bill_id


def _inject(backend: ReferenceBackend, printer_sim: Any, fault: str, rng: random.Random) -> None:
    if fault == "latency":
        backend.fault("latency", delay_s=rng.choice((0.2, 0.5, 1.0)), count=rng.randint(1, 4))
    elif fault == "drop":
        backend.fault("drop_connection", count=rng.randint(1, 3))
    elif fault == "drop_after_commit":
        backend.fault("drop_connection", after_commit=True, count=rng.randint(1, 3))
    elif fault == "5xx":
        backend.fault("http_5xx", status=rng.choice((500, 502, 503)), count=rng.randint(1, 4))
    elif fault == "5xx_settle":
        backend.fault("http_5xx", status=503, path="/v1/bills/", count=rng.randint(1, 8))
    elif fault == "5xx_topup":
        backend.fault("http_5xx", status=503, path="/v1/cards/", count=rng.randint(1, 3))
    elif fault in ("paper_out", "paper_out_known"):
        printer_sim.inject("paper_out")


def _balance(kiosk: Kiosk) -> int:
    raw = json.loads((kiosk.state / "card-sim" / f"purse-{SERIAL}.json").read_text("utf-8"))
    return int(raw["balance"])


def _wait(engine: FlowEngine, until: float) -> None:
    while engine.state not in ENDED and time.monotonic() < until:
        time.sleep(0.05)


@pytest.mark.timeout(1200)
def test_soak_random_payments_with_faults(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("SOAK_SEED", "20261201")))
    limit = int(os.environ.get("SOAK_PAYMENTS", "300"))
    budget = float(os.environ.get("SOAK_SECONDS", "900"))
    backend = ReferenceBackend(tmp_path / "backend.sqlite")
    runtime: KioskRuntime | None = None
    recovery: PurseRecovery | None = None
    started = time.monotonic()
    figures: Counter[str] = Counter()
    try:
        kiosk = Kiosk(backend, tmp_path, "KIOSK-SOAK-0001", payment_s=2.5)
        runtime = KioskRuntime(load_config(kiosk.config))
        runtime.start()
        assert runtime.wait_devices_opened(60)
        ports = build_ports(runtime)
        assert runtime.backend is not None
        catalog = runtime.backend.catalog()
        runtime.catalog = catalog
        # The bill / amount is chosen up front (the soak plays the form): pay, deliver
        # (settle the bill / load the card), receipt.
        services: dict[str, ServiceDefinition] = {}
        for kind, service_id in (("bill", "utility_bill_payment"),
                                 ("topup", "citizen_card_topup")):
            base = next(s for s in catalog.services if s.id == service_id)
            steps = tuple(s for s in base.steps if s.type in ("pay", "submit", "print_receipt"))
            services[kind] = base.model_copy(update={"steps": steps})
        card_sim = runtime.devices.get("card_reader").simulator  # type: ignore[union-attr]
        card_sim.insert_card(CARD)
        purse_before = _balance(kiosk)
        recovery = PurseRecovery(ports, runtime.executor, interval_s=5.0)
        # A refund of a purse-paid order is loaded back onto the card at once (as the app).
        ports.payments.refund_listeners.append(  # type: ignore[attr-defined]
            lambda _order: recovery.kick() if recovery is not None else None)
        recovery.start()
        settings = FlowSettings(payment_s=2.5, poll_interval_s=0.2)
        printer = runtime.devices.get("receipt_printer")
        printer_sim = printer.simulator if printer is not None else None
        n = 0
        while n < limit and time.monotonic() - started < budget:
            n += 1
            kind = rng.choice(KINDS)
            resident = rng.choice(RESIDENTS)
            fault = rng.choice(TOPUP_FAULTS if kind == "topup" else
                               PURCHASE_FAULTS if kind == "purchase" else FAULTS)
            figures[f"kind.{kind}"] += 1
            figures[f"resident.{resident}"] += 1
            figures[f"fault.{fault}"] += 1
            session = Session("zh", temp_root=kiosk.state / "sessions")
            if kind in ("bill", "purchase"):
                # A purse purchase: a small bill, paid from the card the resident logged in
                # with (the QR code stays payable meanwhile).
                amount = rng.randint(100, 1_500) if kind == "purchase" \
                    else rng.randint(100, 50_000)
                bill_id = _new_bill(backend.db, n, amount)
                person = WANG_FANG_CARD if kind == "purchase" else ZHANG_WEI
                if kind == "purchase" and card_sim.card is None:
                    card_sim.insert_card(CARD)
                session.identify(person)
                ports.identity.check_identity(person).result(timeout=30)
                session.data.picked["bill"] = Option(bill_id, f"bill {n}", amount)
                session.data.fields["bill"] = bill_id
            else:
                if card_sim.card is None:
                    card_sim.insert_card(CARD)  # the next resident's card
                session.identify(WANG_FANG_CARD)
                ports.identity.check_identity(WANG_FANG_CARD).result(timeout=30)
                session.data.fields["amount_fen"] = str(rng.randint(1, 30) * 100)
            service = services["bill" if kind == "purchase" else kind]
            pulled = False
            _inject(backend, printer_sim, fault, rng)
            if fault == "paper_out_known":  # the status poll has seen it before anyone pays
                until = time.monotonic() + 30
                while ports.receipt_printer is not None and ports.receipt_printer.ready() \
                        and time.monotonic() < until:
                    time.sleep(0.1)
            engine = FlowEngine(service, session, ports, runtime.executor, settings=settings)
            engine.start()
            deadline = time.monotonic() + 60
            order_id = ""
            while engine.state not in ENDED and time.monotonic() < deadline:
                step = engine.controller
                order = getattr(step, "order", None)
                if kind == "purchase" and getattr(step, "qr_url", "") and order is not None \
                        and not order_id:
                    purse = step.purse  # type: ignore[attr-defined]
                    purse.check()
                    if purse.available:
                        order_id = order.order_id
                        if fault == "card_pulled_debit":
                            when = rng.choice(("after", "before"))
                            card_sim.inject("card_pulled", ins="54", when=when)
                            figures[f"card_pulled_debit.{when}"] += 1
                        purse.start_purchase()
                        figures["purse_purchase_started"] += 1
                    elif purse.reason:
                        order_id = order.order_id
                        figures[f"purse_refused.{purse.reason}"] += 1
                        engine.cancel()
                elif getattr(step, "qr_url", "") and order is not None and not order_id:
                    order_id = order.order_id
                    if resident == "pays":
                        backend.sim("POST", f"/payments/{order_id}/pay")
                    elif resident == "pays_late":
                        time.sleep(rng.uniform(0.5, 3.0))
                        try:
                            backend.sim("POST", f"/payments/{order_id}/pay")
                        except Exception:  # noqa: BLE001 - closed already: nothing charged
                            figures["late_payment_refused"] += 1
                    elif resident == "cancels":
                        engine.cancel()
                    elif resident == "pays_then_cancels":
                        backend.sim("POST", f"/payments/{order_id}/pay")
                        time.sleep(rng.uniform(0.0, 0.4))
                        engine.cancel()
                if fault == "card_pulled" and step.step_type == "submit" and not pulled:
                    # The card leaves before a random command of the load.
                    pulled = True
                    card_sim.inject("card_removed_mid_read", after=rng.randint(0, 6))
                    figures["card_pulled"] += 1
                if step.step_type == "submit" and step.state.value in (
                        "failed", "topup_unresolved") and card_sim.card is None:
                    card_sim.clear("card_removed_mid_read")
                    if rng.random() < 0.5:  # puts the card back: the engine goes on
                        figures["card_put_back"] += 1
                        card_sim.insert_card(CARD)
                        time.sleep(1.0)
                    else:
                        figures["card_taken_away"] += 1
                        engine.cancel()
                elif step.step_type == "submit" and step.state.value in (
                        "failed", "topup_unresolved"):
                    engine.cancel()  # the resident gives up: the engine refunds
                if step.step_type == "print_receipt" and step.state.value in (
                        "failed", "not_printed"):
                    engine.cancel()
                if step.step_type == "pay" and step.state.value == "purse_unresolved" \
                        and card_sim.card is None:
                    card_sim.clear("card_pulled")
                    if rng.random() < 0.5:  # puts the card back: GET TRANSACTION PROOF
                        figures["purse_card_put_back"] += 1
                        card_sim.insert_card(CARD)
                        time.sleep(1.0)
                    else:  # walks away: the purse recovery settles it on the next insert
                        figures["purse_card_taken_away"] += 1
                        engine.cancel()
                if step.step_type == "pay" and step.state.value in (
                        "printer_not_ready", "failed", "unknown", "closed", "close_pending",
                        "refunded", "refund_pending"):
                    engine.cancel()  # the resident leaves (the engine settles the money)
                time.sleep(0.05)
            _wait(engine, deadline)
            figures[f"flow.{engine.state.value}"] += 1
            if os.environ.get("SOAK_VERBOSE"):
                print(n, kind, resident, fault, engine.state.value, engine.controller.step_type,
                      engine.controller.state.value, round(time.monotonic() - started, 1))
            if engine.state not in ENDED:
                engine.cancel()
                _wait(engine, time.monotonic() + 30)
                figures["flow.stuck_then_cancelled"] += 1
            backend.clear()
            if printer_sim is not None and fault.startswith("paper_out"):
                printer_sim.clear()  # staff refill the paper; the status poll sees it
                until = time.monotonic() + 30
                while ports.receipt_printer is not None and not ports.receipt_printer.ready() \
                        and time.monotonic() < until:
                    time.sleep(0.1)
            engine.wipe()
            session.wipe()
        # Idle now: faults gone, the card back in; the purse recovery settles the loads
        # left open (as at an insert), the reconciler what is open (as the timer does).
        card_sim.clear()
        if card_sim.card is None:
            card_sim.insert_card(CARD)
        reconciler = Reconciler(runtime.backend, runtime.payments.journal,
                                runtime.payments.reconciler.outbox)
        rounds = 0
        while rounds < 10:
            rounds += 1
            recovery.kick()  # as at an insert: the refunds owed to the card are loaded
            figures.update(f"purse_recovery.{v}" for v in recovery.run_once().values())
            report = reconciler.run()
            figures.update({f"reconcile.{k}": v for k, v in report.outcomes.items()})
            figures["reconcile.flushed"] += report.flushed
            if not runtime.payments.journal.open_entries() and all(
                    r["status"] == "credited" for r in backend.card_refunds()):
                break
            time.sleep(1)
        elapsed = time.monotonic() - started
        problems = money_agrees(backend, kiosk)
        loaded = sum(t["amount_fen"] for t in backend.topups().values()
                     if t["status"] == "confirmed")
        with sqlite3.connect(backend.db) as conn:
            bought = int(conn.execute(
                "SELECT COALESCE(SUM(amount_fen), 0) FROM card_purchases").fetchone()[0])
        refunds = backend.card_refunds()
        returned = sum(r["amount_fen"] for r in refunds if r["status"] == "credited")
        purse_after = _balance(kiosk)
        if purse_after != purse_before + loaded - bought + returned:
            problems.append(f"card balance {purse_after}, expected {purse_before} + {loaded}"
                            f" - {bought} + {returned}")
        journal = kiosk.journal()
        states = Counter(e["state"] for e in journal)
        ledger = backend.ledger(kiosk.terminal)
        result: dict[str, Any] = {
            "bench": "soak_payments", "payments": n, "seconds": round(elapsed, 1),
            "orders_at_backend": len(ledger), "journal_states": dict(states),
            "charged_and_delivered": sum(1 for o in ledger if o["status"] == "paid"),
            "refunded": sum(1 for o in ledger if o["status"] == "refunded"),
            "closed": sum(1 for o in ledger if o["status"] == "closed"),
            "card_loads_confirmed": sum(1 for t in backend.topups().values()
                                        if t["status"] == "confirmed"),
            "card_purchases": figures["purse_purchase_started"],
            "card_refunds_credited": sum(1 for r in refunds if r["status"] == "credited"),
            "card_balance": {"before": purse_before, "after": purse_after, "loaded": loaded,
                             "purchased": bought, "refunded_to_card": returned},
            "reconcile_rounds": rounds, "figures": dict(sorted(figures.items())),
            "problems": problems[:20], "errors": len(kiosk.errors()),
        }
        print(json.dumps(result, ensure_ascii=False))
        out = ROOT / "bench-out"
        out.mkdir(exist_ok=True)
        with (out / "soak.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(result, ensure_ascii=False) + "\n")
        assert not problems, problems
        assert not runtime.payments.journal.open_entries()
        assert figures["flow.stuck_then_cancelled"] == 0
        no_order = [e for e in journal if e["state"] == "intent"]
        assert not no_order
    finally:
        if recovery is not None:
            recovery.stop()
        if runtime is not None:
            runtime.stop()
        backend.stop()

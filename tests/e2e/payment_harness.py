"""The reference backend in its own process and the real kiosk against it (crash and soak).

The backend (`kiosk-backend-sim --port 0 --db FILE`, 127.0.0.1) outlives every kiosk
process; the kiosk runs with simulated devices, its config pointing at that URL with
credentials from `kiosk-diag backend enroll` (the way a real terminal is set up).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from kiosk.staff_access import hash_pin

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

#: The staff PIN of the test kiosks (stored hashed in their config).
STAFF_PIN = "246810"

CONFIG = """
terminal_id = "{terminal}"
state_dir = "{state}"
[backend]
url = "{url}"
credentials = "{state}/terminal-credentials.json"
[timeouts]
idle_s = 120
countdown_s = 15
goodbye_s = 2
status_poll_s = 1
payment_s = {payment_s}
reconcile_s = {reconcile_s}
[ui]
staff_pin_hash = "{staff_pin_hash}"
[devices.card_reader]
impl = "sim"
transport = "in-process"
"""


class ReferenceBackend:
    def __init__(self, db: Path) -> None:
        self.db = db
        self.log = db.with_suffix(".log")
        with self.log.open("w") as err:
            self.proc = subprocess.Popen(
                [str(BIN / "kiosk-backend-sim"), "--port", "0", "--db", str(db),
                 "--simulation"],  # the /sim routes stand in for the resident's phone
                cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.stop()
            raise RuntimeError(f"backend did not start: {line} {self.log.read_text()}")
        self.url = line.split("listening on", 1)[1].split()[0]
        self.root = self.url.rsplit("/v1", 1)[0]

    def sim(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = requests.request(method, f"{self.root}/sim{path}", json=body, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def fault(self, fault: str, **params: object) -> None:
        self.sim("POST", "/faults", {"fault": fault, "params": params})

    def clear(self) -> None:
        self.sim("DELETE", "/faults")

    def ledger(self, terminal: str) -> list[dict[str, Any]]:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(
                "SELECT order_id, status, amount_fen, refunded_fen, used_by, purpose"
                " FROM payment_orders WHERE terminal_id=?", (terminal,))]

    def bills(self) -> dict[str, dict[str, Any]]:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return {r["bill_id"]: dict(r) for r in conn.execute(
                "SELECT bill_id, status, paid_order, amount_fen FROM bills")}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@dataclass
class Kiosk:
    """One kiosk installation (state dir, config, credentials) against ``backend``."""

    backend: ReferenceBackend
    base: Path
    terminal: str
    payment_s: float = 60
    reconcile_s: float = 30

    def __post_init__(self) -> None:
        self.state = self.base / "state"
        self.config = self.base / "kiosk.toml"
        self.config.write_text(CONFIG.format(
            terminal=self.terminal, state=self.state, url=self.backend.url,
            payment_s=self.payment_s, reconcile_s=self.reconcile_s,
            staff_pin_hash=hash_pin(STAFF_PIN)), encoding="utf-8")
        issued = subprocess.run(  # the operator issues a one-time code for this terminal
            [str(BIN / "kiosk-backend-sim"), "enrol-code", "--terminal", self.terminal,
             "--db", str(self.backend.db)], cwd=ROOT, capture_output=True, text=True,
            timeout=60, check=True)
        # "enrolment code for T: CODE (valid until ...)"
        code = issued.stdout.strip().splitlines()[-1].split(": ", 1)[1].split()[0]
        done = subprocess.run(
            [str(BIN / "kiosk-diag"), "--config", str(self.config), "backend", "enroll",
             "--code", code], cwd=ROOT, capture_output=True, text=True,
            timeout=60, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    def run(self, scenario: Path, out: str, *, crash_after: str | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("GOVKIOSK_CRASH_AFTER", None)
        if crash_after:
            env["GOVKIOSK_CRASH_AFTER"] = crash_after
        return subprocess.run(
            [sys.executable, "-m", "kiosk.app", "--headless", "--config", str(self.config),
             "--speech-engine", "mock", "--scenario", str(scenario),
             "--out", str(self.base / out)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)

    def journal(self) -> list[dict[str, Any]]:
        with sqlite3.connect(self.state / "payments.sqlite") as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM entries ORDER BY rowid")]

    def transitions(self) -> list[tuple[str, str, str]]:
        with sqlite3.connect(self.state / "payments.sqlite") as conn:
            return [tuple(r) for r in conn.execute(
                "SELECT order_id, old, new FROM transitions ORDER BY id")]

    def errors(self) -> list[dict[str, Any]]:
        log = self.state / "log" / "kiosk.jsonl"
        if not log.exists():
            return []
        entries = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x]
        return [e for e in entries if e["level"] in ("ERROR", "CRITICAL")]


def killed(proc: subprocess.CompletedProcess[str]) -> bool:
    return proc.returncode == -signal.SIGKILL


def money_agrees(backend: ReferenceBackend, kiosk: Kiosk) -> list[str]:
    """Every order of this kiosk ends in exactly one charge and one delivery, or no
    charge, or a full refund; and the journal says the same, with nothing left open."""
    problems: list[str] = []
    bills = backend.bills()
    journal = {e["order_id"]: e for e in kiosk.journal() if e["kind"] == "payment"}
    ledger = {o["order_id"]: o for o in backend.ledger(kiosk.terminal)}
    for oid, entry in journal.items():
        order = ledger.get(oid)
        state = entry["state"]
        if order is None:
            if state != "closed":
                problems.append(f"{oid}: not at the backend, journal {state}")
            continue
        status, used = order["status"], order["used_by"]
        if status == "paid" and used:
            bill_id = used.removeprefix("bill:")
            bill = bills.get(bill_id)
            if bill is None or bill["status"] != "paid" or bill["paid_order"] != oid:
                problems.append(f"{oid}: charged for {used}, which is not delivered")
            if state != "delivered":
                problems.append(f"{oid}: delivered at the backend, journal {state}")
        elif status == "refunded":
            if order["refunded_fen"] != order["amount_fen"]:
                problems.append(f"{oid}: refund {order['refunded_fen']} of {order['amount_fen']}")
            if state != "refunded":
                problems.append(f"{oid}: refunded at the backend, journal {state}")
        elif status == "closed":
            if state != "closed":
                problems.append(f"{oid}: closed at the backend, journal {state}")
        else:
            problems.append(f"{oid}: left {status} (used {used}) at the backend, journal {state}")
    for oid in ledger:
        if oid not in journal:
            problems.append(f"{oid}: at the backend but not in the journal")
    charged = [b for b in bills.values() if b["status"] == "paid" and b["paid_order"]
               and b["paid_order"] in ledger]
    for bill in charged:
        if ledger[bill["paid_order"]]["status"] != "paid":
            problems.append(f"{bill['bill_id']}: settled by an order that is not paid")
    return problems

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

    def certificates(self) -> set[str]:
        with sqlite3.connect(self.db) as conn:
            return {str(r[0]) for r in conn.execute("SELECT number FROM certificates")}

    def topups(self) -> dict[str, dict[str, Any]]:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return {r["topup_id"]: dict(r) for r in conn.execute(
                "SELECT topup_id, order_id, status, amount_fen FROM card_topups")}

    def card_refunds(self) -> list[dict[str, Any]]:
        with sqlite3.connect(self.db) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(
                "SELECT refund_id, order_id, card_serial, amount_fen, status, loads"
                " FROM card_refunds")]

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
        self.base.mkdir(parents=True, exist_ok=True)
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

    def _cmd(self, scenario: Path, out: str) -> list[str]:
        return [sys.executable, "-m", "kiosk.app", "--headless", "--config", str(self.config),
                "--speech-engine", "mock", "--scenario", str(scenario),
                "--out", str(self.base / out)]

    @staticmethod
    def _env(crash_after: str | None) -> dict[str, str]:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("GOVKIOSK_CRASH_AFTER", None)
        if crash_after:
            env["GOVKIOSK_CRASH_AFTER"] = crash_after
        return env

    def run(self, scenario: Path, out: str, *, crash_after: str | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._cmd(scenario, out), cwd=ROOT, env=self._env(crash_after),
                              capture_output=True, text=True, timeout=timeout, check=False)

    def start(self, scenario: Path, out: str) -> subprocess.Popen[bytes]:
        """The kiosk running ``scenario`` in the background (the test kills it)."""
        return subprocess.Popen(self._cmd(scenario, out), cwd=ROOT, env=self._env(None),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def purse_balance(self, serial: str) -> int:
        """The card's balance, from the card simulator's own memory (kept on disk)."""
        raw = json.loads((self.state / "card-sim" / f"purse-{serial}.json").read_text("utf-8"))
        return int(raw["balance"])

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
    """Every order of this kiosk ends in exactly one charge and one delivery (a settled
    bill, an issued certificate, a confirmed card load), or no charge, or a full refund;
    the journal says the same, with no entry of any kind left open."""
    problems: list[str] = []
    bills, certificates, topups = backend.bills(), backend.certificates(), backend.topups()
    entries = kiosk.journal()
    journal = {e["order_id"]: e for e in entries if e["kind"] == "payment"}
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
            problems += _delivered(oid, used, bills, certificates, topups)
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
    for topup in topups.values():
        order = ledger.get(topup["order_id"])
        if order is None:
            continue  # another kiosk's
        if topup["status"] == "confirmed" and (
                order["status"] != "paid" or order["used_by"] != f"topup:{topup['topup_id']}"):
            problems.append(f"{topup['topup_id']}: loaded, its order is {order['status']}")
        if topup["status"] not in ("confirmed", "failed"):
            problems.append(f"{topup['topup_id']}: left {topup['status']} at the backend")
    for refund in backend.card_refunds():  # a purse-paid order refunded: back on the card
        if refund["order_id"] in ledger and refund["status"] != "credited":
            problems.append(f"{refund['refund_id']}: refund to the card left {refund['status']}")
    for e in entries:
        if e["kind"] != "payment" and e["state"] not in ("delivered", "closed", "refunded"):
            problems.append(f"{e['order_id']}: {e['kind']} entry left {e['state']}")
    return problems


def _delivered(oid: str, used: str, bills: dict[str, dict[str, Any]],
               certificates: set[str], topups: dict[str, dict[str, Any]]) -> list[str]:
    """What the order was used for exists at the backend, paid by this very order."""
    kind, _, ref = used.partition(":")
    if kind == "bill":
        bill = bills.get(ref)
        if bill is None or bill["status"] != "paid" or bill["paid_order"] != oid:
            return [f"{oid}: charged for {used}, which is not delivered"]
    elif kind == "certificate":
        if ref not in certificates:
            return [f"{oid}: charged for {used}, which was never issued"]
    elif kind == "topup":
        topup = topups.get(ref)
        if topup is None or topup["status"] != "confirmed" or topup["order_id"] != oid:
            return [f"{oid}: charged for {used}, which is not loaded"]
    else:
        return [f"{oid}: used by {used}, which this check does not know"]
    return []

"""The backend process is killed in the middle of a payment call and restarted.

Whatever the timing, the order must exist exactly once afterwards: the client retries
with the same idempotency key, and the journal lets the kiosk resend it after that.
"""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backend_client.client import BackendClient
from backend_client.enrollment import enroll_terminal
from backend_client.errors import BackendError
from backend_client.journal import JournalState, PaymentJournal
from backend_client.models import PaymentOrder
from backend_client.payments import PaymentDesk
from backend_client.settings import BackendSettings
from backend_sim.phone import SimulatedPhone

TERMINAL = "KIOSK-RESTART-01"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BackendProcess:
    def __init__(self, port: int, db: Path) -> None:
        self.port, self.db = port, db
        self.url = f"http://127.0.0.1:{port}/v1"
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend_sim.server", "--port", str(self.port),
             "--db", str(self.db), "--simulation"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # printed once the socket is listening
        assert "listening" in line, line

    def enrolment_code(self, terminal: str) -> str:
        """A one-time code from the operator command, as an operator would issue it."""
        out = subprocess.run(
            [sys.executable, "-m", "backend_sim.server", "enrol-code", "--terminal", terminal,
             "--db", str(self.db)], capture_output=True, text=True, check=True, timeout=60,
        ).stdout
        return out.split(": ", 1)[1].split()[0]

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_pipe()

    def _close_pipe(self) -> None:
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self._close_pipe()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[BackendProcess]:
    proc = BackendProcess(_free_port(), tmp_path / "backend.sqlite")
    proc.start()
    yield proc
    proc.stop()


def _orders(db: Path, order_id: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(
            "SELECT COUNT(*) FROM payment_orders WHERE order_id=?", (order_id,)).fetchone()[0])


def test_kill_and_restart_mid_call_neither_loses_nor_duplicates(
    server: BackendProcess, state_dir: Path
) -> None:
    settings = BackendSettings(url=server.url, connect_timeout_s=1, read_timeout_s=30, retries=6)
    enroll_terminal(settings, server.url, TERMINAL, server.enrolment_code(TERMINAL),
                    state_dir / "terminal-credentials.json")
    client = BackendClient(settings, TERMINAL, state_dir, backoff_s=0.2)
    journal = PaymentJournal(state_dir / "payments.sqlite")
    desk = PaymentDesk(client, journal)
    phone = SimulatedPhone(server.url)
    # Hold the next payment call inside the server so the kill lands mid-call.
    phone.inject_fault("latency", delay_s=60, count=1, path="/v1/payments")

    outcome: list[PaymentOrder | BackendError] = []

    def pay() -> None:
        try:
            outcome.append(desk.create(800, "工本费", "household_certificate", "service_fee"))
        except BackendError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=pay)
    worker.start()
    # The fault is consumed (count=1) once the call has reached the server.
    while phone_faults(phone):
        threading.Event().wait(0.05)
    server.kill()
    server.start()
    worker.join(timeout=90)
    assert not worker.is_alive()

    (entry,) = journal.open_entries() or [
        e for e in [journal.get(o.order_id) for o in outcome if isinstance(o, PaymentOrder)] if e
    ]
    if isinstance(outcome[0], BackendError):
        # The retries ran out before the restart finished: the journal still has the
        # order's key, and resending it is safe.
        desk.resend(entry.order_id)
    assert _orders(server.db, entry.order_id) == 1
    assert journal.get(entry.order_id).state == JournalState.ORDER_CREATED  # type: ignore[union-attr]
    # A second resend after recovery is still the same single order.
    desk.resend(entry.order_id)
    assert _orders(server.db, entry.order_id) == 1
    client.close()
    journal.close()


def phone_faults(phone: SimulatedPhone) -> dict[str, object]:
    resp = requests.get(f"{phone.sim_url}/faults", timeout=5)
    resp.raise_for_status()
    active: dict[str, object] = resp.json()["active"]
    return active

"""The reference backend as its own process (``python -m backend_sim.server``), for
restart and two-replica tests."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BackendProcess:
    def __init__(self, db: Path, *extra: str) -> None:
        self.db = db
        self.extra = extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "backend_sim.server", "--port", str(self.port),
             "--db", str(self.db), *self.extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # printed once the socket is listening
        assert "listening" in line, line

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=20)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None


def operator(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run an operator command of ``kiosk-backend-sim`` on ``db``."""
    return subprocess.run(
        [sys.executable, "-m", "backend_sim.server", *args, "--db", str(db)],
        capture_output=True, text=True, timeout=60,
    )


def issue_code(db: Path, terminal: str, ttl: str = "600") -> str:
    result = operator(db, "enrol-code", "--terminal", terminal, "--ttl", ttl)
    assert result.returncode == 0, result.stderr
    return result.stdout.split(": ", 1)[1].split()[0]

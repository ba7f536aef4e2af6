"""The embedded reference backend in its own process (``kiosk --simulate``).

In the kiosk's process the backend's imports (fastapi, sqlalchemy, uvicorn), its start
and every request it serves would hold the GIL the UI thread needs; in a child process
it runs on the other core. The child is ``kiosk-backend-sim`` on a free loopback port
with a one-time enrolment code; the kiosk enrols with it as with any backend.

The child dies with the kiosk (PR_SET_PDEATHSIG), so a kiosk killed with SIGKILL and
restarted on the same state dir never finds a second backend on the same database. Its
log lines come back through the kiosk's logging (so they are masked like every other).
Faults are injected through the backend's simulation API (:class:`RemoteFaults`).
"""

from __future__ import annotations

import ctypes
import logging
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "terminal-credentials.json"
_LISTENING = "kiosk-backend-sim listening on "
_PR_SET_PDEATHSIG = 1
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING,
           "ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL}


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


class RemoteFaults:
    """FaultInjectable over the backend's ``/sim/faults`` API."""

    def __init__(self, root: str) -> None:
        self._url = f"{root}/sim/faults"

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        import requests

        resp = requests.request(method, self._url, timeout=5, **kwargs)
        if resp.status_code == 422:
            from kiosk_base.errors import UnknownFaultError

            raise UnknownFaultError(resp.text, device="backend", code="UNKNOWN_FAULT")
        resp.raise_for_status()
        body: dict[str, Any] = resp.json()
        return body

    def faults(self) -> Mapping[str, str]:
        supported: dict[str, str] = self._call("GET")["supported"]
        return supported

    def inject(self, fault: str, **params: object) -> None:
        self._call("POST", json={"fault": fault, "params": params})

    def clear(self, fault: str | None = None) -> None:
        self._call("DELETE", params={"fault": fault} if fault else None)

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        active: dict[str, dict[str, object]] = self._call("GET")["active"]
        return active


class BackendProcess:
    """A running ``kiosk-backend-sim`` child plus this kiosk's credentials for it."""

    def __init__(self, proc: subprocess.Popen[str], url: str, credentials_path: Path) -> None:
        self._proc = proc
        self.url = url
        self.credentials_path = credentials_path
        self.faults = RemoteFaults(url.rsplit("/v1", 1)[0])

    def stop(self, timeout: float = 5.0) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("reference backend did not stop in %.0f s; killing it", timeout)
                self._proc.kill()
                self._proc.wait(timeout)


class PendingBackendProcess:
    """The child, spawned (cheap, from the caller's thread: the death signal belongs to
    the spawning thread); :meth:`wait_ready` (slow) waits for it and enrols.

    ``hold=True`` spawns it before the kiosk's config is validated (the first thing the
    kiosk does, so the child's imports overlap the kiosk's start): it imports everything
    and then waits (``--start-on-stdin``) until :meth:`release` lets it open the database
    (nothing is written to the state dir of a config that turns out bad). A kiosk that
    dies before that ends the child too (stdin closes)."""

    def __init__(self, db_path: Path, state_dir: Path, *, terminal_id: str,
                 auto_pay_after_s: float | None = None, hold: bool = False) -> None:
        self.state_dir = state_dir
        self.terminal_id = terminal_id
        self.db_path = db_path
        #: A database this child creates has no terminal key to revoke (see _enrol).
        self._new_db = not db_path.exists()
        self._held = hold
        if not hold:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        # Simulation mode: the kiosk --simulate's phone, panel and faults use /sim.
        cmd = [sys.executable, "-m", "backend_sim.server", "--host", "127.0.0.1",
               "--port", "0", f"--db={db_path}", "--simulation"]
        if auto_pay_after_s is not None:
            cmd += ["--auto-pay-after", str(auto_pay_after_s)]
        if hold:
            cmd.append("--start-on-stdin")
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE if hold else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", errors="replace", preexec_fn=_die_with_parent)
        self._urls: queue.Queue[str] = queue.Queue()
        assert self._proc.stdout is not None and self._proc.stderr is not None
        threading.Thread(target=self._read_stdout, args=(self._proc.stdout,),
                         name="backend-stdout", daemon=True).start()
        threading.Thread(target=self._relog, args=(self._proc.stderr,),
                         name="backend-log", daemon=True).start()

    def release(self) -> None:
        """Let a held child open its database (the state dir is made here)."""
        if not self._held:
            return
        self._held = False
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write("start\n")
            self._proc.stdin.close()
        except OSError:  # it has died already: wait_ready reports it
            pass

    def _read_stdout(self, stream: IO[str]) -> None:
        for line in stream:
            if line.startswith(_LISTENING):
                self._urls.put(line[len(_LISTENING):].split()[0])  # URL, then a mode note
        self._urls.put("")  # end of output: the child has exited

    def _relog(self, stream: IO[str]) -> None:
        """The child's log lines ("time LEVEL name: message") through our logging."""
        child = logging.getLogger("backend_sim.process")
        for line in stream:
            parts = line.rstrip("\n").split(" ", 4)
            level = _LEVELS.get(parts[2], logging.INFO) if len(parts) > 3 else logging.INFO
            text = parts[4] if len(parts) > 4 and parts[2] in _LEVELS else line.rstrip("\n")
            if parts[2:3] == ["INFO"] and "uvicorn" in text:
                level = logging.DEBUG
            child.log(level, "%s: %s", parts[3].rstrip(":") if len(parts) > 3 else "?", text)

    def wait_ready(self, timeout: float = 60.0) -> BackendProcess:
        """Wait until the child listens, then enrol; RuntimeError if it does not."""
        self.release()
        try:
            url = self._urls.get(timeout=timeout)
        except queue.Empty:
            url = ""
        if not url:
            self._proc.kill()
            raise RuntimeError(f"reference backend did not start in {timeout:.0f} s "
                               f"(exit code {self._proc.poll()}; its log is above)")
        credentials = self.state_dir / CREDENTIALS_FILE
        if not credentials.exists():  # first start on this state dir (or the key was lost)
            try:
                self._enrol(url, credentials)
            except Exception:
                self._proc.kill()
                raise
        log.info("reference backend (pid %d) at %s", self._proc.pid, url)
        return BackendProcess(self._proc, url, credentials)

    def _operator(self, *words: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "backend_sim.server", *words, "--terminal", self.terminal_id,
             f"--db={self.db_path}"], capture_output=True, text=True, timeout=60, check=False)

    def _enrol(self, url: str, credentials: Path) -> None:
        """As a technician would: an operator revokes any old key, issues a one-time
        code for this terminal, and the kiosk enrols with it."""
        from backend_client.enrollment import enroll_terminal
        from backend_client.settings import BackendSettings

        if not self._new_db:  # a new database has no key: one operator process less
            self._operator("revoke")
        issued = self._operator("enrol-code", "--ttl", "300")
        if issued.returncode != 0:
            raise RuntimeError(f"reference backend: no enrolment code: {issued.stderr[-500:]}")
        # "enrolment code for T: CODE (valid until ...)"
        code = issued.stdout.strip().splitlines()[-1].split(": ", 1)[1].split()[0]
        enroll_terminal(BackendSettings(url=url), url, self.terminal_id, code, credentials,
                        location="embedded")

    def kill(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()

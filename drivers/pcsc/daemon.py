"""Starting and stopping pcscd for the simulator and the tests.

Only a pcscd this process started is ever stopped or restarted; one that was already
running is used as it is.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")


def pcscd_running() -> bool:
    """True if something answers on pcscd's socket."""
    if not PCSCD_SOCKET.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            s.connect(str(PCSCD_SOCKET))
    except OSError:
        return False
    return True


class PcscDaemon:
    """A ``pcscd --foreground`` child process (one per process, see :meth:`shared`)."""

    _shared: PcscDaemon | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._users = 0

    @classmethod
    def shared(cls) -> PcscDaemon:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @property
    def owned(self) -> bool:
        """Whether this process started the running pcscd (and may stop it)."""
        return self._proc is not None and self._proc.poll() is None

    @staticmethod
    def can_start() -> bool:
        return os.geteuid() == 0 and shutil.which("pcscd") is not None

    def acquire(self, timeout_s: float = 10.0) -> bool:
        """Make sure a pcscd runs (starting one if needed and allowed); count a user.

        Returns False when none runs and none can be started.
        """
        with self._lock:
            if not pcscd_running():
                if not self.can_start():
                    return False
                self._start_locked(timeout_s)
            self._users += 1
            return True

    def release(self) -> None:
        """One user fewer; the last one stops the pcscd we started."""
        with self._lock:
            self._users = max(0, self._users - 1)
            if self._users == 0:
                self._stop_locked()

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def start(self, timeout_s: float = 10.0) -> None:
        with self._lock:
            if not pcscd_running():
                self._start_locked(timeout_s)

    def restart(self, timeout_s: float = 10.0) -> None:
        with self._lock:
            self._stop_locked()
            self._start_locked(timeout_s)

    def _start_locked(self, timeout_s: float) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        log.info("starting pcscd --foreground")
        self._proc = subprocess.Popen(
            ["pcscd", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while not pcscd_running():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pcscd did not start")
            time.sleep(0.05)

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        log.info("stopping pcscd (pid %d)", proc.pid)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("pcscd did not stop; killing pid %d", proc.pid)
            proc.kill()
            proc.wait(timeout=5)


def wait_for_slot(reader: str, present: bool, timeout_s: float = 5.0) -> bool:
    """Wait until pcscd reports a card in ``reader`` (``present``) or the slot empty.

    vpcd sees a virtual card come and go only when pcscd polls it (every 400 ms or so); a
    card swapped faster than that is never seen as removed, and pcscd keeps reporting the
    old card. The simulator waits on this after each removal and insertion so that what
    pcscd reports is the card it has. False when the state did not come in time or no
    pcscd answers (the reader_gone fault).
    """
    from smartcard import scard as S

    hr, ctx = S.SCardEstablishContext(S.SCARD_SCOPE_USER)
    if hr != S.SCARD_S_SUCCESS:
        return False
    try:
        deadline = time.monotonic() + timeout_s
        known = S.SCARD_STATE_UNAWARE
        while True:
            wait_ms = max(0, int((deadline - time.monotonic()) * 1000))
            hr, states = S.SCardGetStatusChange(ctx, 0 if known == S.SCARD_STATE_UNAWARE
                                                else wait_ms, [(reader, known)])
            if hr != S.SCARD_S_SUCCESS:
                log.debug("%s: reader state: %s", reader, S.SCardGetErrorMessage(hr).strip())
                return False
            state = int(states[0][1])
            if present:
                if state & S.SCARD_STATE_PRESENT and not state & S.SCARD_STATE_MUTE:
                    return True
            elif state & S.SCARD_STATE_EMPTY:
                return True
            if wait_ms == 0 and known != S.SCARD_STATE_UNAWARE:
                return False
            known = state & ~S.SCARD_STATE_CHANGED
    finally:
        S.SCardReleaseContext(ctx)

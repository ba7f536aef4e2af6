"""Who may open staff mode: a hashed PIN, an attempt limit with a growing lock-out, audit.

There is no default PIN: until ``ui.staff_pin_hash`` is set (``kiosk-diag staff-pin``
makes the value), staff mode refuses to open. The hash is scrypt with a random salt, so
the config file does not hold the PIN. After ``max_attempts`` wrong PINs in a row the
gate locks for ``lockout_s``; each further wrong PIN after a lock-out doubles it (up to
an hour). The counters live in ``<state_dir>/staff-access.json``, so a restart does not
reset them, and every attempt, lock-out, reprint and leaving is a JSON line in
``<state_dir>/audit/staff-audit.jsonl``. No PIN, attempted or right, is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

log = logging.getLogger(__name__)

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
HASH_PATTERN = r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"
MAX_LOCKOUT_S = 3600.0


def hash_pin(pin: str) -> str:
    """The config value for ``pin``: ``scrypt$N$r$p$salt$hash`` (base64)."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
        raise ValueError("a staff PIN is 4 to 8 digits")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when ``pin`` hashes to ``stored`` (False for any malformed value)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or int(n) > 2**20:
            return False
        want = base64.b64decode(digest, validate=True)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt, validate=True),
                             n=int(n), r=int(r), p=int(p), dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


class StaffCheck(StrEnum):
    NOT_SET = "not_set"
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class StaffAnswer:
    result: StaffCheck
    #: Seconds until the next attempt is allowed (LOCKED, or WRONG that started a lock).
    locked_s: int = 0
    attempts_left: int = 0


class StaffGate:
    def __init__(self, pin_hash: str | None, state_dir: Path, *, max_attempts: int = 3,
                 lockout_s: float = 30.0, clock: Callable[[], float] = time.time) -> None:
        self._hash = pin_hash
        self._path = state_dir / "staff-access.json"
        self.audit_path = state_dir / "audit" / "staff-audit.jsonl"
        self._max = max_attempts
        self._base = lockout_s
        self._clock = clock
        self._failures, self._locks, self._until = 0, 0, 0.0
        self._load()

    @property
    def configured(self) -> bool:
        return bool(self._hash)

    def check(self, pin: str) -> StaffAnswer:
        """One PIN attempt; audited whatever the outcome."""
        now = self._clock()
        if not self._hash:
            self.audit("refused_not_set")
            return StaffAnswer(StaffCheck.NOT_SET)
        if now < self._until:
            left = int(self._until - now + 0.999)
            self.audit("refused_locked", seconds_left=left)
            return StaffAnswer(StaffCheck.LOCKED, locked_s=left)
        if verify_pin(pin, self._hash):
            self._failures, self._locks, self._until = 0, 0, 0.0
            self._save()
            self.audit("unlocked")
            log.info("staff mode entered")
            return StaffAnswer(StaffCheck.OK)
        self._failures += 1
        log.warning("wrong staff PIN entered (%d in a row)", self._failures)
        if self._failures >= self._max:
            # The first lock-out after max_attempts; each later wrong PIN doubles it.
            duration = min(MAX_LOCKOUT_S, self._base * 2 ** self._locks)
            self._locks += 1
            self._until = now + duration
            self._save()
            self.audit("wrong_pin", failures=self._failures)
            self.audit("locked_out", seconds=int(duration), lockouts=self._locks)
            log.warning("staff mode locked for %d s", duration)
            return StaffAnswer(StaffCheck.WRONG, locked_s=int(duration))
        self._save()
        self.audit("wrong_pin", failures=self._failures)
        return StaffAnswer(StaffCheck.WRONG, attempts_left=self._max - self._failures)

    def audit(self, event: str, **detail: object) -> None:
        """Append one staff audit line (never a PIN)."""
        self.audit_path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "event": event, **detail}
        with self.audit_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _load(self) -> None:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            self._failures = int(data["failures"])
            self._locks = int(data["lockouts"])
            self._until = float(data["locked_until"])
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged counter file must not open the gate: start locked once.
            log.warning("staff access counters unreadable; locking staff mode once")
            self._failures, self._locks = self._max, 1
            self._until = self._clock() + self._base

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"failures": self._failures, "lockouts": self._locks,
                                   "locked_until": self._until}), encoding="utf-8")
        os.replace(tmp, self._path)

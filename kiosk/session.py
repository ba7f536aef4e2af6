"""One resident's session at the kiosk, and the idle timer that ends it.

A :class:`Session` holds everything personal the kiosk learns while one person uses it:
who they are, what they typed, photos and scanned pages (as files in a private temp
directory, never elsewhere on disk). :meth:`Session.wipe` is the only way a session
ends: it overwrites and deletes the files and drops every reference, so nothing of a
finished session remains for the next person.

:class:`IdleTimer` is UI-agnostic: the UI calls :meth:`IdleTimer.tick` once a second and
:meth:`IdleTimer.touch` on every touch; the clock is injected, so tests never sleep.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Literal

from kiosk.flow.ports import Option, PaymentOrder, Person, SubmissionReceipt
from kiosk.flow.validation import FieldValue
from kiosk.privacy import SENSITIVE
from kiosk_base.masking import mask_address, mask_id_number, mask_phone

log = logging.getLogger(__name__)


@dataclass
class CollectedData:
    """What the steps of one service gathered, in the order the steps run."""

    fields: dict[str, FieldValue] = field(default_factory=dict)
    #: choice fields filled from options_from: the option picked (bills carry amounts).
    picked: dict[str, Option] = field(default_factory=dict)
    #: capture_photo purpose -> photo file in the session's temp dir.
    photos: dict[str, Path] = field(default_factory=dict)
    #: document id -> page files, in order.
    pages: dict[str, list[Path]] = field(default_factory=dict)
    #: document id -> the material's one PDF (made of its pages) in the temp dir.
    documents: dict[str, Path] = field(default_factory=dict)
    #: document id -> (stored material id, pages): a copy reused from the library.
    reused: dict[str, tuple[str, int]] = field(default_factory=dict)
    payment: PaymentOrder | None = None
    receipt: SubmissionReceipt | None = None
    certificate: Mapping[str, object] | None = None


class SessionWipedError(RuntimeError):
    """A wiped session was used again (a bug: each person gets a new session)."""


class Session:
    """One person's session: identity, collected data and a private temp directory."""

    def __init__(self, language: Literal["zh", "en"] = "zh", *, temp_root: Path | None = None):
        self.id = uuid.uuid4().hex
        self.language: Literal["zh", "en"] = language
        self.person: Person | None = None
        self.data = CollectedData()
        self._lock = threading.Lock()
        self._wiped = False
        if temp_root is not None:
            temp_root.mkdir(parents=True, exist_ok=True)
        # mkdtemp creates the directory with mode 0700: only the kiosk's user reads it.
        self.temp_dir = Path(tempfile.mkdtemp(prefix=f"session-{self.id[:8]}-", dir=temp_root))
        self._counter = 0
        log.info("session %s started", self.id)

    @property
    def wiped(self) -> bool:
        return self._wiped

    def identify(self, person: Person) -> None:
        """Record who the resident is; their strings are masked in every log from now on."""
        self._check()
        self.person = person
        SENSITIVE.add(person.name)
        SENSITIVE.add(person.address, mask_address(person.address))
        SENSITIVE.add(person.id_number, mask_id_number(person.id_number))
        SENSITIVE.add(person.card_number, mask_id_number(person.card_number))
        SENSITIVE.add(person.phone, mask_phone(person.phone))
        log.info("session %s: identified by %s", self.id, person.source)

    def update_purse_balance(self, fen: int | None) -> None:
        """The card's purse balance as read again after a service (a top-up changed it)."""
        self._check()
        if self.person is not None:
            self.person = replace(self.person, purse_balance_fen=fen)

    def store_file(self, stem: str, data: bytes, suffix: str = ".jpg") -> Path:
        """Write ``data`` to a new file in the session's private directory."""
        self._check()
        with self._lock:
            self._counter += 1
            path = self.temp_dir / f"{self._counter:04d}-{stem}{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return path

    def read_file(self, path: Path) -> bytes:
        self._check()
        if path.parent != self.temp_dir:
            raise ValueError("not a file of this session")
        return path.read_bytes()

    def delete_file(self, path: Path) -> None:
        """Overwrite and delete one file (a retaken photo, a deleted page)."""
        if path.parent == self.temp_dir:
            _shred(path)

    def begin_service(self) -> None:
        """A new service starts: forget what the previous one collected (its files too).

        The person stays identified; a payment or receipt of the last service must not
        show up in the next one's result.
        """
        self._check()
        old, self.data = self.data, CollectedData()
        for path in [*old.photos.values(), *(p for ps in old.pages.values() for p in ps),
                     *old.documents.values()]:
            self.delete_file(path)

    def wipe(self) -> None:
        """End the session: overwrite and delete its files, forget the person and data."""
        with self._lock:
            if self._wiped:
                return
            self._wiped = True
        for path in sorted(self.temp_dir.rglob("*"), reverse=True):
            if path.is_file() or path.is_symlink():
                _shred(path)
        shutil.rmtree(self.temp_dir, ignore_errors=False)
        self.person = None
        self.data = CollectedData()
        SENSITIVE.clear()
        log.info("session %s wiped", self.id)

    def _check(self) -> None:
        if self._wiped:
            raise SessionWipedError(f"session {self.id} was wiped")


def _shred(path: Path) -> None:
    """Overwrite a file with zeros, flush it to disk, then unlink it."""
    try:
        if path.is_file() and not path.is_symlink():
            size = path.stat().st_size
            with path.open("r+b") as out:
                out.write(b"\0" * size)
                out.flush()
                os.fsync(out.fileno())
        path.unlink()
    except FileNotFoundError:
        log.debug("already gone: %s", path.name)


# -- idle timer ---------------------------------------------------------------------


class IdleState(Enum):
    ACTIVE = "active"
    #: The last seconds: the screen shows the countdown and "need more time?".
    COUNTDOWN = "countdown"
    EXPIRED = "expired"


IdleListener = Callable[["IdleTimer", IdleState], None]


class IdleTimer:
    """Ends an idle session: ``timeout_s`` without a touch, the last ``countdown_s`` shown.

    While held (a step waits on the resident's phone or a printer), the timer does not
    run; when released it starts again from a full timeout.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        timeout_s: float = 60.0,
        countdown_s: float = 15.0,
    ) -> None:
        if not 0 < countdown_s < timeout_s:
            raise ValueError("countdown_s must be positive and shorter than timeout_s")
        self._clock = clock
        self.timeout_s = timeout_s
        self.countdown_s = countdown_s
        self._lock = threading.Lock()
        self._last_activity = clock()
        self._holds: set[str] = set()
        self._state = IdleState.ACTIVE
        self._listeners: list[IdleListener] = []

    @property
    def state(self) -> IdleState:
        return self._state

    def subscribe(self, listener: IdleListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def remaining_s(self) -> float:
        """Seconds until the session expires (the full timeout while held)."""
        with self._lock:
            if self._holds:
                return self.timeout_s
            return max(0.0, self.timeout_s - (self._clock() - self._last_activity))

    def countdown(self) -> int | None:
        """Whole seconds to show in the countdown, or None outside it."""
        remaining = self.remaining_s()
        if remaining > self.countdown_s or self._state is IdleState.EXPIRED:
            return None
        return int(-(-remaining // 1))

    def touch(self) -> None:
        """The resident did something: restart the timeout (not after it expired)."""
        with self._lock:
            if self._state is IdleState.EXPIRED:
                return
            self._last_activity = self._clock()
        self.tick()

    def extend(self) -> None:
        """"Need more time?" answered yes: a full timeout again."""
        self.touch()

    def hold(self, reason: str) -> None:
        with self._lock:
            self._holds.add(reason)
        self.tick()

    def release(self, reason: str) -> None:
        with self._lock:
            if reason in self._holds:
                self._holds.discard(reason)
                self._last_activity = self._clock()
        self.tick()

    def restart(self) -> None:
        """A new session begins: active, full timeout, no holds."""
        with self._lock:
            self._holds.clear()
            self._last_activity = self._clock()
        self._set_state(IdleState.ACTIVE)

    def tick(self) -> IdleState:
        """Re-evaluate against the clock; notifies listeners when the state changes."""
        if self._state is IdleState.EXPIRED:
            return self._state
        remaining = self.remaining_s()
        if remaining <= 0:
            new = IdleState.EXPIRED
        elif remaining <= self.countdown_s:
            new = IdleState.COUNTDOWN
        else:
            new = IdleState.ACTIVE
        self._set_state(new)
        return new

    def _set_state(self, new: IdleState) -> None:
        with self._lock:
            old, self._state = self._state, new
        if old is new:
            return
        log.info("idle timer: %s -> %s", old.value, new.value)
        for listener in list(self._listeners):
            try:
                listener(self, new)
            except Exception:
                log.exception("idle timer listener failed")

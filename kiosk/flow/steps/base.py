"""What every step controller shares: its context, its state setter, its error handling.

A step controller is a small state machine over its own Enum. The UI renders its
``state``, ``error`` and ``progress`` and calls its action methods; the engine advances
when the controller reports :attr:`StepController.done`. Work that waits on a port runs
as a job on the injected executor; a job's failure becomes a
:class:`~kiosk_base.errors.UserFacingError` in ``error`` and a failure state, never an
exception on the caller's thread.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Generic, TypeVar

from backend_client.service_definition import ServiceDefinition
from kiosk.flow.clock import Clock
from kiosk.flow.ports import BackendUnreachableError, FlowPorts
from kiosk.session import Session
from kiosk_base.errors import DeviceError, DeviceTimeoutError, UserFacingError

log = logging.getLogger(__name__)

S = TypeVar("S", bound=Enum)
R = TypeVar("R")
StepListener = Callable[["StepController[Any]"], None]


@dataclass(frozen=True)
class FlowSettings:
    """Timeouts and limits of the steps (from the kiosk config's [timeouts])."""

    #: Longest wait on one port call before it counts as no answer.
    call_timeout_s: float = 30.0
    qr_login_s: float = 120.0
    payment_s: float = 120.0
    poll_interval_s: float = 2.0
    face_attempts: int = 3
    #: Largest PDF one scanned material may become (the [documents] config).
    max_document_bytes: int = 3_000_000


@dataclass(frozen=True)
class StepContext:
    """What a step may use: the service, the session, the ports, the worker, the time."""

    service: ServiceDefinition
    session: Session
    ports: FlowPorts
    executor: Executor
    clock: Clock
    settings: FlowSettings


class StepController(ABC, Generic[S]):
    """Base of the step controllers; ``S`` is the step's own state Enum."""

    #: The step type this controller runs ("identify", "pay"...).
    step_type: ClassVar[str]
    #: States in which the resident waits on the kiosk, the backend or their phone.
    busy_states: ClassVar[frozenset[Enum]] = frozenset()

    def __init__(self, context: StepContext, initial: S) -> None:
        self.context = context
        self._state: S = initial
        self.error: UserFacingError | None = None
        #: 0..1 while work with measurable progress runs, else None.
        self.progress: float | None = None
        self._listeners: list[StepListener] = []
        self._lock = threading.RLock()
        self._cancelled = threading.Event()

    # -- what the UI and the engine read -------------------------------------------

    @property
    def state(self) -> S:
        return self._state

    @property
    @abstractmethod
    def done(self) -> bool:
        """The step finished; the engine moves on."""

    @property
    def busy(self) -> bool:
        """The resident is waiting on this step's work: the idle timer must not run."""
        return self._state in self.busy_states

    @property
    def committed(self) -> bool:
        """Money was taken or something was submitted: the flow cannot go back past it."""
        return False

    @property
    def needs_card(self) -> bool:
        """Taking the citizen card out now would break this step's work."""
        return False

    def subscribe(self, listener: StepListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    # -- lifecycle the engine drives -----------------------------------------------

    def start(self) -> None:
        """The step became current (again, after back)."""

    def cancel(self) -> None:
        """The resident left the service; stop waiting on ports."""
        self._cancelled.set()

    def wipe(self) -> None:
        """Forget everything personal the controller holds."""
        self.error = None
        self._listeners.clear()

    # -- for subclasses ------------------------------------------------------------

    def _set_state(
        self, new: S, *, error: UserFacingError | None = None, progress: float | None = None
    ) -> None:
        """The one place a step changes state; logs old -> new and notifies."""
        with self._lock:
            old = self._state
            self._state = new
            self.error = error
            self.progress = progress
        if old is not new:
            suffix = f" ({error.message_key})" if error else ""
            log.info("step %s: %s -> %s%s", self.step_type, old.name, new.name, suffix)
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:
                log.exception("step %s: listener failed", self.step_type)

    def _run(self, job: Callable[[], None], failed: S) -> None:
        """Run ``job`` on the executor; an exception it raises sets ``failed``."""

        def guarded() -> None:
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - logged by as_user_facing, shown as a state
                self._set_state(failed, error=as_user_facing(exc, self.step_type))

        self.context.executor.submit(guarded)

    def _await(self, future: Future[R], *, backend: bool = False) -> R:
        """The result of a port call, waiting at most the configured call timeout.

        No answer in time is a BackendUnreachableError for a backend call (its outcome is
        unknown) and a DeviceTimeoutError for a device.
        """
        try:
            return future.result(timeout=self.context.settings.call_timeout_s)
        except FutureTimeout:
            future.cancel()
            if backend:
                raise BackendUnreachableError() from None
            raise DeviceTimeoutError(f"{self.step_type}: no answer") from None


def as_user_facing(exc: BaseException, step_type: str) -> UserFacingError:
    """The error a screen shows for any failure of a step's work."""
    if isinstance(exc, UserFacingError):
        return exc
    if isinstance(exc, DeviceError):
        log.warning("step %s: %s", step_type, exc)
        return exc.user_facing()
    log.error("step %s: unexpected failure", step_type, exc_info=exc)
    return UserFacingError("error.unexpected", cause=exc)

"""The device model every family shares (learned from XFS4IoT and UnifiedPOS).

A device:

* has a :class:`~drivers.status.DeviceStatus` (common state plus family detail) and fires
  a :class:`~drivers.status.StatusChange` to its subscribers whenever it changes;
* is opened and closed; ``open()`` never raises for a missing or broken device, it
  reports the state instead, so a kiosk starts with whatever hardware it has;
* does all its I/O on one worker thread of its own (``submit``/``call``), so neither
  the UI nor other devices ever wait on it;
* answers health checks at two levels and keeps persisted statistics counters;
* exposes its simulator, when it has one, through ``simulator`` (see kiosk_base/faults.py).

Subclasses implement ``_open``, ``_close`` and ``_check_health`` (all run on the worker)
and call ``_set_status`` as they learn things. Subscribers are called on the thread
that changed the status (usually the worker); a UI re-emits into its own thread.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from drivers.health import HealthLevel, HealthReport, HealthResult
from drivers.statistics import DeviceStatistics, StatisticsStore
from drivers.status import DeviceState, DeviceStatus, StatusChange
from kiosk_base.errors import (
    DeviceError,
    DeviceNotOpenError,
    DeviceOfflineError,
    DeviceTimeoutError,
    HardwareError,
    MediaError,
    NoDeviceError,
)
from kiosk_base.faults import FaultInjectable

log = logging.getLogger(__name__)

T = TypeVar("T")
StatusListener = Callable[[StatusChange], None]


class DeviceSettings(BaseModel):
    """Base of every implementation's settings; unknown keys are configuration errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Device(ABC):
    """Base class of every device implementation (real driver or in-process simulator)."""

    #: Family name, e.g. "id_card_reader", "receipt_printer"; set by family base classes.
    family: ClassVar[str] = ""
    #: The settings model of this implementation.
    Settings: ClassVar[type[DeviceSettings]] = DeviceSettings

    def __init__(
        self,
        name: str,
        settings: DeviceSettings | None = None,
        *,
        statistics: StatisticsStore | None = None,
    ) -> None:
        self.name = name
        self.settings = settings if settings is not None else self.Settings()
        self.statistics: DeviceStatistics = (statistics or StatisticsStore(None)).for_device(name)
        self._status = DeviceStatus(DeviceState.CLOSED)
        self._status_lock = threading.Lock()
        self._listeners: list[StatusListener] = []
        self._executor: ThreadPoolExecutor | None = None
        self._lifecycle_lock = threading.Lock()

    # -- status ---------------------------------------------------------------------

    @property
    def status(self) -> DeviceStatus:
        with self._status_lock:
            return self._status

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Call ``listener`` on every status change; returns the unsubscribe function."""
        with self._status_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._status_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _set_status(
        self,
        state: DeviceState | None = None,
        *,
        detail: Mapping[str, str] | None = None,
        error_code: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Update any part of the status; fires one event if anything changed."""
        with self._status_lock:
            old = self._status
            new = old.with_changes(
                state=state, detail=detail, error_code=error_code, reason=reason
            )
            if new == old:
                return
            self._status = new
            listeners = list(self._listeners)
        if old.state != new.state:
            log.info("%s: %s -> %s %s", self.name, old.state, new.state, new.reason)
        change = StatusChange(self.name, old, new)
        for listener in listeners:
            try:
                listener(change)
            except Exception:
                log.exception("%s: status listener failed", self.name)

    # -- lifecycle ------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._executor is not None

    def open(self, timeout: float | None = 30.0) -> DeviceStatus:
        """Start the worker and open the device on it; returns the resulting status.

        A device that is missing or broken does not raise: its status says so.
        """
        with self._lifecycle_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"dev-{self.name}")
        self._set_status(DeviceState.STARTING, reason="opening")
        try:
            self.call(self._open_guarded, timeout=timeout)
        except DeviceTimeoutError as exc:
            self._set_status(DeviceState.OFFLINE, error_code=exc.code, reason=str(exc))
        return self.status

    def _open_guarded(self) -> None:
        try:
            self._open()
        except DeviceError as exc:
            state = self._state_for_error(exc)
            self._set_status(state, error_code=exc.code, reason=str(exc))
            log.warning("%s: open failed: %s", self.name, exc)
            return
        if self.status.state == DeviceState.STARTING:
            self._set_status(DeviceState.ONLINE, reason="")

    def close(self, timeout: float | None = 10.0) -> None:
        """Close the device and stop its worker. Safe to call twice."""
        with self._lifecycle_lock:
            executor, self._executor = self._executor, None
        if executor is None:
            return
        try:
            fut = executor.submit(self._close)
            fut.result(timeout=timeout)
        except DeviceError as exc:
            log.warning("%s: close failed: %s", self.name, exc)
        except TimeoutError:
            log.warning("%s: close did not finish in %ss", self.name, timeout)
        finally:
            executor.shutdown(wait=False, cancel_futures=True)
            self._set_status(DeviceState.CLOSED, reason="closed")

    # -- work on the device thread -----------------------------------------------

    def submit(self, fn: Callable[..., T], *args: object, **kwargs: object) -> Future[T]:
        """Run ``fn`` on this device's worker thread."""
        executor = self._executor
        if executor is None:
            raise DeviceNotOpenError("device is not open", device=self.name, code="NOT_OPEN")
        return executor.submit(fn, *args, **kwargs)

    def call(
        self, fn: Callable[..., T], *args: object, timeout: float | None = 30.0, **kwargs: object
    ) -> T:
        """Run ``fn`` on the worker and wait for it (for scripts, the CLI and tests)."""
        fut = self.submit(fn, *args, **kwargs)
        try:
            return fut.result(timeout=timeout)
        except TimeoutError:
            raise DeviceTimeoutError(
                f"no result within {timeout}s", device=self.name, code="TIMEOUT"
            ) from None

    # -- health ---------------------------------------------------------------------

    def check_health(
        self, level: HealthLevel = HealthLevel.INTERNAL, timeout: float | None = 60.0
    ) -> HealthResult:
        """Run the health check on the worker and return its structured result."""
        if not self.is_open:
            report = HealthReport(self.name, level)
            report.check("open", False, f"device is {self.status.state}")
            return report.result()

        def run() -> HealthResult:
            report = HealthReport(self.name, level)
            try:
                self._check_health(report, level)
            except DeviceError as exc:
                report.check("error", False, str(exc))
                self._record_error(exc)  # what the check learned is the device's status now
            return report.result()

        try:
            return self.call(run, timeout=timeout)
        except DeviceTimeoutError as exc:
            report = HealthReport(self.name, level)
            report.check("responds", False, str(exc))
            return report.result()

    # -- simulators -----------------------------------------------------------------

    @property
    def simulator(self) -> FaultInjectable | None:
        """The simulator behind this device, for fault injection; None for real hardware."""
        return None

    # -- for subclasses ---------------------------------------------------------------

    @abstractmethod
    def _open(self) -> None:
        """Open the transport and learn the initial status (runs on the worker)."""

    @abstractmethod
    def _close(self) -> None:
        """Release the transport (runs on the worker)."""

    @abstractmethod
    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        """Add checks to ``report`` (runs on the worker)."""

    @staticmethod
    def _state_for_error(exc: DeviceError) -> DeviceState:
        if isinstance(exc, NoDeviceError):
            return DeviceState.NO_DEVICE
        if isinstance(exc, HardwareError):
            return DeviceState.HARDWARE_ERROR
        if isinstance(exc, MediaError):
            return DeviceState.USER_ERROR
        if isinstance(exc, DeviceOfflineError | DeviceTimeoutError):
            return DeviceState.OFFLINE
        return DeviceState.HARDWARE_ERROR

    def _record_error(self, exc: DeviceError) -> None:
        """Count an error and reflect it in the status (for operations after open)."""
        self.statistics.increment("errors")
        self._set_status(self._state_for_error(exc), error_code=exc.code, reason=str(exc))

    def describe(self) -> dict[str, object]:
        """Everything diagnostics show about this device."""
        sim = self.simulator
        return {
            "name": self.name,
            "family": self.family,
            "implementation": type(self).__name__,
            "status": self.status.to_dict(),
            "statistics": self.statistics.snapshot(),
            "simulated": sim is not None,
            "faults": dict(sim.active_faults()) if sim is not None else {},
        }

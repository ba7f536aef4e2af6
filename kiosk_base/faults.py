"""The one fault-injection interface every simulator exposes.

Tests, the demo control panel and scenario files all go through it::

    device.simulator.inject("paper_out")
    device.simulator.inject("slow_frames", delay_s=0.5)
    device.simulator.clear("paper_out")   # or clear() for all

``faults()`` lists what a simulator supports with a one-line description each, so the
diagnostics CLI and the control panel can offer them without knowing the family.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable

from kiosk_base.errors import UnknownFaultError


@runtime_checkable
class FaultInjectable(Protocol):
    def faults(self) -> Mapping[str, str]:
        """Supported fault names -> what each does."""
        ...

    def inject(self, fault: str, **params: object) -> None:
        """Switch a fault on (raises UnknownFaultError for an unsupported name)."""
        ...

    def clear(self, fault: str | None = None) -> None:
        """Switch one fault off, or all of them."""
        ...

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        """The faults switched on now, with their parameters."""
        ...


class FaultSet:
    """Book-keeping for a simulator's faults; simulators own one and delegate to it.

    ``on_change`` runs after every inject/clear (outside the lock) so a simulator can
    update the status it reports.
    """

    def __init__(
        self,
        supported: Mapping[str, str],
        *,
        owner: str = "",
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._supported = dict(supported)
        self._owner = owner
        self._active: dict[str, dict[str, object]] = {}
        self._lock = threading.Lock()
        self._on_change = on_change

    def faults(self) -> Mapping[str, str]:
        return dict(self._supported)

    def inject(self, fault: str, **params: object) -> None:
        if fault not in self._supported:
            known = ", ".join(sorted(self._supported)) or "none"
            raise UnknownFaultError(
                f"unknown fault {fault!r}; this simulator supports: {known}",
                device=self._owner,
                code="UNKNOWN_FAULT",
            )
        with self._lock:
            self._active[fault] = dict(params)
        if self._on_change:
            self._on_change()

    def clear(self, fault: str | None = None) -> None:
        with self._lock:
            if fault is None:
                self._active.clear()
            else:
                self._active.pop(fault, None)
        if self._on_change:
            self._on_change()

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        with self._lock:
            return {k: dict(v) for k, v in self._active.items()}

    def is_active(self, fault: str) -> bool:
        with self._lock:
            return fault in self._active

    def param(self, fault: str, name: str, default: object = None) -> object:
        with self._lock:
            return self._active.get(fault, {}).get(name, default)

    def take(self, fault: str) -> bool:
        """Consume a one-shot fault: True (and cleared) if it was active."""
        with self._lock:
            hit = self._active.pop(fault, None) is not None
        if hit and self._on_change:
            self._on_change()
        return hit

"""The terminal's view of the backend: the service catalog and whether the backend answers.

:class:`BackendWatch` loads the catalog (at start, and again after a failure once the
backend answers), and asks for the backend's health every ``interval_s`` (from the
terminal's tick). The calls run on the executor; their results come back through
``post`` on the terminal's thread, where the watch updates itself and calls
``on_catalog`` / ``on_health``. No Qt, no decisions: the terminal decides what being
offline means (out of service, services unavailable).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, Protocol

from backend_client.service_definition import Catalog
from kiosk.flow.clock import Clock

log = logging.getLogger(__name__)

Post = Callable[[Callable[[], None]], None]


class TerminalBackend(Protocol):
    def catalog(self) -> Catalog: ...

    def health(self) -> object: ...


class BackendWatch:
    """See the module docstring."""

    def __init__(self, backend: TerminalBackend | None, executor: Executor, clock: Clock,
                 post: Post, *, interval_s: float, on_catalog: Callable[[], None],
                 on_health: Callable[[], None]) -> None:
        self.backend = backend
        self.executor = executor
        self.clock = clock
        self.post = post
        self.interval_s = interval_s
        self.on_catalog = on_catalog
        self.on_health = on_health
        self.catalog: Catalog | None = None
        #: The message key of why the catalog could not be loaded ("" when it was).
        self.catalog_error = ""
        self.online = True
        self._next_health = 0.0

    @property
    def clock_out_of_window(self) -> bool:
        """The backend client found the kiosk's clock too far off (signed calls fail)."""
        return bool(getattr(self.backend, "clock_out_of_window", False))

    def start(self) -> None:
        self.load_catalog()
        self._next_health = self.clock.monotonic() + self.interval_s

    def tick(self) -> None:
        now = self.clock.monotonic()
        if now >= self._next_health:
            self._next_health = now + self.interval_s
            self._check_health()

    def load_catalog(self) -> None:
        backend = self.backend
        if backend is None:
            return
        future = self.executor.submit(backend.catalog)
        future.add_done_callback(lambda f: self.post(lambda: self._catalog_done(f)))

    def _check_health(self) -> None:
        backend = self.backend
        if backend is None:
            return
        future = self.executor.submit(backend.health)
        future.add_done_callback(lambda f: self.post(lambda: self._health_done(f)))

    def _health_done(self, future: Future[Any]) -> None:
        online = future.exception() is None
        if online != self.online:
            log.warning("backend %s", "reachable again" if online else "unreachable")
        self.online = online
        if online and self.catalog is None:
            self.load_catalog()
        self.on_health()

    def _catalog_done(self, future: Future[Catalog]) -> None:
        exc = future.exception()
        if exc is not None:
            log.warning("catalog not loaded: %s", exc)
            self.catalog_error = getattr(exc, "message_key", "error.backend.unreachable")
        else:
            self.catalog = future.result()
            self.catalog_error = ""
        self.on_catalog()

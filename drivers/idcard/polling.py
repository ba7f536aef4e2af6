"""Background presence polling for card readers, run on the device's own worker.

The poller is a small timer thread that only *submits* the poll function to the
device's worker, so all I/O stays on one thread and a poll never overlaps a read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future

from kiosk_base.errors import DeviceError

log = logging.getLogger(__name__)


class PresencePoller:
    """Submits ``poll`` every ``interval_s`` through ``submit`` until stopped."""

    def __init__(
        self,
        name: str,
        interval_s: float,
        submit: Callable[[Callable[[], None]], Future[None]],
        poll: Callable[[], None],
    ) -> None:
        self._name = name
        self._interval = interval_s
        self._submit = submit
        self._poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending: Future[None] | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"poll-{self._name}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop submitting; safe to call from the worker (does not wait for it)."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def poke(self) -> None:
        """Poll now instead of at the next tick."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            pending = self._pending
            if pending is None or pending.done():
                try:
                    self._pending = self._submit(self._poll)
                except (RuntimeError, DeviceError) as exc:  # closing: executor gone
                    log.debug("%s: poller stops: %s", self._name, exc)
                    return
            self._wake.wait(self._interval)
            self._wake.clear()

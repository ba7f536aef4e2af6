"""Getting results from worker threads into the UI thread.

Devices call their listeners on their own worker threads and futures complete on
executor threads; widgets may only be touched on the UI thread. ``UiDispatcher.post``
queues a callable to run on the UI thread; ``on_done`` attaches a UI-thread callback to
a future. Nothing here ever waits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from PyQt6.QtCore import QObject, pyqtSignal, pyqtSlot

log = logging.getLogger(__name__)
T = TypeVar("T")


class UiDispatcher(QObject):
    _call = pyqtSignal(object)

    def __init__(self) -> None:
        super().__init__()
        self._call.connect(self._run)

    def post(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` on the UI thread (from any thread)."""
        self._call.emit(fn)

    def on_done(self, future: Future[T], callback: Callable[[Future[T]], Any]) -> None:
        """Call ``callback(future)`` on the UI thread once ``future`` is done."""
        future.add_done_callback(lambda f: self.post(lambda: callback(f)))

    @pyqtSlot(object)
    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception:
            log.exception("UI callback failed")
            raise

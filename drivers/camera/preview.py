"""Paces a camera preview: asks the device worker for one frame per tick.

Frames are grabbed and analysed on the device's own worker thread (so a capture or a
health check simply queues between two preview frames); this small pacing thread only
decides when the next frame is due and never queues a second one while the first is
still being produced, so a slow camera lowers the frame rate instead of piling up work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from kiosk_base.errors import DeviceError

log = logging.getLogger(__name__)


class PreviewPacer:
    """Calls ``submit_frame`` every ``1/fps`` seconds until stopped."""

    def __init__(self, name: str, submit_frame: Callable[[], Future[None]], fps: float) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._submit_frame = submit_frame
        self._interval = 1.0 / fps
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"preview-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop pacing; a frame already being produced still completes."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def _run(self) -> None:
        while not self._stop.is_set():
            due = time.monotonic() + self._interval
            try:
                pending = self._submit_frame()
            except (RuntimeError, DeviceError) as exc:  # the device was closed under us
                log.info("preview ends: %s", exc)
                return
            # The next frame is due one interval after this one was asked for, or as soon
            # as this one is done when it took longer (never two queued at once).
            finished = threading.Event()
            pending.add_done_callback(_setter(finished))
            while not finished.wait(0.1):
                if self._stop.is_set():
                    return
            if self._stop.is_set():
                return
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                return


def _setter(event: threading.Event) -> Callable[[Future[None]], None]:
    def done(_future: Future[None]) -> None:
        event.set()

    return done

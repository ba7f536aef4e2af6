"""The event-loop stall watchdog: the UI thread must never be busy for long.

A 10 ms Qt timer beats on the UI thread; a watcher thread looks at the beat every 10 ms
and, once the UI thread has been away for longer than :data:`STALL_MS`, takes the UI
thread's stack (what it is running). When the loop comes back, the stall is logged as a
warning (not an error: a shared, noisy machine stalls too) with its length and where
the UI thread was. Every beat's lateness is kept, so the longest stall and the 99th
percentile can be reported (``--out``: ``event_loop_stalls.json``).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import traceback
from collections import deque
from pathlib import Path

from PyQt6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

STALL_MS = 50.0
BEAT_MS = 10
_ROOT = str(Path(__file__).resolve().parents[2])


def _where(frames: traceback.StackSummary) -> str:
    """The innermost few frames of our own code (and the library frame it was in)."""
    ours = [f for f in frames if f.filename.startswith(_ROOT) and "/.venv/" not in f.filename]
    picked = ours[-3:] if ours else list(frames)[-2:]
    text = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(picked))
    if frames and picked and frames[-1] is not picked[-1]:
        leaf = frames[-1]
        text = f"[{Path(leaf.filename).name}:{leaf.lineno} {leaf.name}] in {text}"
    return text


class StallWatchdog(QObject):
    def __init__(self, threshold_ms: float = STALL_MS) -> None:
        super().__init__()
        self.threshold_ms = threshold_ms
        #: Lateness of every beat (ms over the 10 ms interval), for percentiles.
        self.lateness_ms: list[float] = []
        self.stalls: list[tuple[float, str]] = []
        #: Longest stall before the kiosk was ready (see :meth:`mark_ready`).
        self.startup_max_ms = 0.0
        self._beat = time.perf_counter()
        self._ui_thread = threading.get_ident()
        self._caught: str | None = None
        #: Stalls the UI thread saw, for the watcher to log (a log record is masked and
        #: queued by the thread that logs it: not the UI thread's job).
        self._to_log: deque[tuple[float, str]] = deque()
        self._stop = threading.Event()
        self._timer = QTimer(self)
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(self._tick)
        self._watcher = threading.Thread(target=self._watch, name="stall-watchdog",
                                         daemon=True)

    def start(self) -> None:
        self._beat = time.perf_counter()
        self._timer.start()
        self._watcher.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()
        if self._watcher.is_alive():
            self._watcher.join(1)
        self._log_stalls()

    def _tick(self) -> None:
        now = time.perf_counter()
        late = (now - self._beat) * 1000 - BEAT_MS
        self._beat = now
        self.lateness_ms.append(max(late, 0.0))
        caught, self._caught = self._caught, None
        if late > self.threshold_ms:
            where = caught or "(not caught)"
            self.stalls.append((late, where))
            self._to_log.append((late, where))  # logged by the watcher, not on this thread

    def _log_stalls(self) -> None:
        while self._to_log:
            late, where = self._to_log.popleft()
            log.warning("event loop stalled %.0f ms; UI thread was in %s", late, where)

    def _watch(self) -> None:
        while not self._stop.wait(BEAT_MS / 1000):
            self._log_stalls()
            away = (time.perf_counter() - self._beat) * 1000 - BEAT_MS
            if away > self.threshold_ms * 0.6 and self._caught is None:
                frame = sys._current_frames().get(self._ui_thread)
                if frame is not None:
                    self._caught = _where(traceback.extract_stack(frame))

    def mark_ready(self) -> None:
        """Start-up is over: keep its longest stall apart from the running kiosk's. A beat
        still pending counts to start-up: the UI thread was away before the mark (the
        mark's own timer can run before the late beat's), not after it."""
        now = time.perf_counter()
        pending = max((now - self._beat) * 1000 - BEAT_MS, 0.0)
        self.startup_max_ms = max(max(self.lateness_ms, default=0.0), pending)
        if pending > self.threshold_ms:
            self._to_log.append((pending, self._caught or "(not caught)"))
        self._beat = now
        self._caught = None
        self.lateness_ms = []
        self.stalls = []

    def summary(self) -> dict[str, object]:
        values = sorted(self.lateness_ms)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] if values else 0.0
        return {"beats": len(values), "max_stall_ms": round(values[-1] if values else 0.0, 1),
                "p99_stall_ms": round(p99, 1), "stalls_over_threshold": len(self.stalls),
                "threshold_ms": self.threshold_ms,
                "startup_max_stall_ms": round(self.startup_max_ms, 1),
                "worst": [{"ms": round(ms, 1), "where": w}
                          for ms, w in sorted(self.stalls, reverse=True)[:10]]}

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.summary(), ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")

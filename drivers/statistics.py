"""Per-device statistics counters (UnifiedPOS ``statistics``), persisted as JSON.

Counters are small and change at human speed (cards read, pages printed), so every
increment is written through at once with an atomic replace: a power cut loses nothing.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)


class StatisticsStore:
    """Counters for every device, kept in one JSON file (or in memory when path is None)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, int]] = {}
        if path is not None and path.exists():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                self._data = {
                    str(dev): {str(k): int(v) for k, v in counters.items()}
                    for dev, counters in raw.items()
                }
            except (OSError, ValueError, AttributeError, TypeError) as exc:
                log.warning("statistics file %s unreadable, starting from zero: %s", path, exc)

    def for_device(self, device: str) -> DeviceStatistics:
        return DeviceStatistics(self, device)

    def increment(self, device: str, counter: str, by: int = 1) -> None:
        with self._lock:
            counters = self._data.setdefault(device, {})
            counters[counter] = counters.get(counter, 0) + by
            self._write_locked()

    def snapshot(self, device: str) -> dict[str, int]:
        with self._lock:
            return dict(self._data.get(device, {}))

    def reset(self, device: str) -> None:
        with self._lock:
            self._data.pop(device, None)
            self._write_locked()

    def _write_locked(self) -> None:
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".stats-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._data, fh, indent=1, sort_keys=True)
            os.replace(tmp, self._path)
        except OSError as exc:
            log.warning("could not persist statistics to %s: %s", self._path, exc)
            Path(tmp).unlink(missing_ok=True)


class DeviceStatistics:
    """One device's view of the store."""

    def __init__(self, store: StatisticsStore, device: str) -> None:
        self._store = store
        self._device = device

    def increment(self, counter: str, by: int = 1) -> None:
        self._store.increment(self._device, counter, by)

    def snapshot(self) -> dict[str, int]:
        return self._store.snapshot(self._device)

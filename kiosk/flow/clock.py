"""Time as the flow sees it, injected so tests never sleep.

Steps that poll (QR login, payment) wait between polls through :meth:`Clock.wait`,
which returns early when the step is cancelled; the idle timer reads
:meth:`Clock.monotonic`.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol

#: The terminal's wall-clock zone: the backend's (the city's) dates, whatever the OS says.
#: China Standard Time, UTC+8 all year (no daylight saving since 1991): a fixed offset
#: is exact for every date the kiosk shows and needs no tz database (nor the zoneinfo
#: import before the first frame: the status bar's clock is on it).
KIOSK_ZONE = timezone(timedelta(hours=8), "CST")


def local_now() -> datetime:
    """Now in the terminal's zone (the status bar, receipts and the backend agree)."""
    return datetime.now(KIOSK_ZONE)


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware."""
        ...

    def wait(self, seconds: float, cancelled: threading.Event) -> bool:
        """Wait ``seconds`` or until ``cancelled`` is set; True when cancelled."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return local_now()

    def wait(self, seconds: float, cancelled: threading.Event) -> bool:
        return cancelled.wait(seconds)

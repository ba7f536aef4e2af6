"""Time as the flow sees it, injected so tests never sleep.

Steps that poll (QR login, payment) wait between polls through :meth:`Clock.wait`,
which returns early when the step is cancelled; the idle timer reads
:meth:`Clock.monotonic`.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Protocol


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
        return datetime.now().astimezone()

    def wait(self, seconds: float, cancelled: threading.Event) -> bool:
        return cancelled.wait(seconds)

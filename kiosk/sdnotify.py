"""The systemd notify protocol (sd_notify(3)), spoken directly over $NOTIFY_SOCKET.

A datagram of ``KEY=VALUE`` lines to a unix socket: ``READY=1`` once the kiosk shows
its attract screen, ``WATCHDOG=1`` from the UI thread while it runs, ``STATUS=...`` for
``systemctl status``. No Qt here and no dependency: outside systemd (no NOTIFY_SOCKET)
every call is a no-op that returns False.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

log = logging.getLogger(__name__)


def _address() -> str | None:
    path = os.environ.get("NOTIFY_SOCKET")
    if not path:
        return None
    if path.startswith("@"):  # an abstract socket: a leading NUL byte
        return "\0" + path[1:]
    return path


class SystemdNotifier:
    """Sends notifications to the service manager that started this process."""

    def __init__(self) -> None:
        self.address = _address()
        self._sock: socket.socket | None = None
        self._warned = False

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *lines: str) -> bool:
        """Send one datagram; False when not under systemd or the socket is gone."""
        if self.address is None:
            return False
        try:
            if self._sock is None:
                import socket  # under systemd only (the module is imported before the window)

                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto("\n".join(lines).encode("utf-8"), self.address)
        except OSError as exc:
            if not self._warned:  # once: a vanished socket must not flood the journal
                log.warning("sd_notify to %r failed: %s", os.environ.get("NOTIFY_SOCKET"), exc)
                self._warned = True
            return False
        return True

    def ready(self, status: str = "") -> bool:
        lines = ["READY=1", f"MAINPID={os.getpid()}"]
        return self.notify(*lines, f"STATUS={status}") if status else self.notify(*lines)

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={text}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def watchdog_interval_s() -> float | None:
    """Half the watchdog timeout systemd set for this process (sd_watchdog_enabled(3)),
    or None when no watchdog is armed for us."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec:
        return None
    # The kiosk runs as cage's child under systemd: the watchdog is armed for cage's pid.
    if pid and pid.isdigit() and int(pid) not in (os.getpid(), os.getppid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 / 2 if value > 0 else None

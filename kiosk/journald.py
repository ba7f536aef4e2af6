"""Log lines for the systemd journal: the kiosk's stderr when it runs as a service.

systemd sets ``JOURNAL_STREAM`` (device:inode of the stream it connected) for a service
whose stderr goes to the journal. Lines then carry a ``<N>`` syslog priority prefix
(journald turns it into PRIORITY=, so ``journalctl -p err`` works) and no timestamp of
their own (the journal has one).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

#: logging level -> syslog priority (sd-daemon(3): <3> err, <4> warning, <6> info, <7> debug)
_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
             logging.DEBUG: 7}


def under_journald(stream: TextIO | None = None) -> bool:
    """True when ``stream`` (default stderr) is the stream systemd gave to the journal."""
    value = os.environ.get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    target = stream if stream is not None else sys.stderr
    try:
        st = os.fstat(target.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return st.st_dev == int(device) and st.st_ino == int(inode)


class JournaldFormatter(logging.Formatter):
    """``<priority>logger: message``; a traceback's lines follow with the same prefix."""

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_PRIORITY.get(record.levelno, 6)}>"
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_text:
            text += "\n" + record.exc_text
        return "\n".join(prefix + line for line in text.splitlines())

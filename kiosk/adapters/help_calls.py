"""A resident's call for staff: kept for the staff and diagnostics screens, and sent to
the platform as an audit event (``help_requested``), through the outbox when the
backend cannot be reached (the reconciler flushes it when it returns).

A call names the screen and the service the resident was at, nothing personal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime

from backend_client.client import BackendClient
from backend_client.errors import BackendUnavailableError, BackendUnreachableError
from backend_client.models import AuditBatch, AuditEvent
from backend_client.outbox import Outbox

log = logging.getLogger(__name__)

EVENT_KIND = "help_requested"


@dataclass
class HelpCall:
    call_id: str
    at: datetime
    screen: str
    service_id: str = ""
    #: "sending", "sent", "queued" (in the outbox), "failed" (kept here only).
    delivery: str = "sending"
    handled: bool = False


class HelpDesk:
    """Calls for staff, newest last; ``on_change`` runs (on any thread) on every change."""

    def __init__(self, client: BackendClient | None, outbox: Outbox | None,
                 executor: Executor) -> None:
        self.client = client
        self.outbox = outbox
        self.executor = executor
        self.on_change: Callable[[], None] = lambda: None
        self._calls: list[HelpCall] = []
        self._lock = threading.Lock()

    def open_calls(self) -> list[HelpCall]:
        with self._lock:
            return [c for c in self._calls if not c.handled]

    def call(self, screen: str, service_id: str = "") -> HelpCall:
        """The resident asked for staff at ``screen``; returns at once (sent on a worker)."""
        seq = time.time_ns() // 1_000_000  # unique per terminal: the event's key
        call = HelpCall(call_id=f"help-{seq}", at=datetime.now(UTC), screen=screen,
                        service_id=service_id)
        with self._lock:
            self._calls.append(call)
        log.info("help: staff called at %s (%s)", screen, call.call_id)
        batch = AuditBatch(events=(AuditEvent(
            seq=seq, at=call.at, kind=EVENT_KIND, service_id=service_id,
            detail={"screen": screen, "call_id": call.call_id}),))
        self.executor.submit(self._send, call, batch)
        self.on_change()
        return call

    def handled(self) -> None:
        """Staff dealt with every open call."""
        with self._lock:
            for c in self._calls:
                c.handled = True
        log.info("help: open calls marked handled by staff")
        self.on_change()

    def _send(self, call: HelpCall, batch: AuditBatch) -> None:
        key = call.call_id
        try:
            if self.client is None:
                raise BackendUnreachableError("no backend client")
            self.client.upload_audit(batch, key)
            call.delivery = "sent"
        except (BackendUnreachableError, BackendUnavailableError) as exc:
            if self.outbox is None:
                call.delivery = "failed"
                log.warning("help: %s not sent (%s)", key, type(exc).__name__)
            else:
                self.outbox.enqueue("audit", batch, key)
                call.delivery = "queued"
                log.info("help: %s queued in the outbox", key)
        except Exception as exc:  # noqa: BLE001 - the call stays on the staff screen
            call.delivery = "failed"
            log.warning("help: %s refused by the backend: %s", key, exc)
        self.on_change()

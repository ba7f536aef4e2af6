"""The flow's journal port over the payment journal's state machine.

The flow's steps record money events by their idempotency key ("order", "shown",
"paid", "closing", "delivering", ...); each becomes one committed transition of the
payment journal entry (:class:`backend_client.journal.PaymentJournal`) before the step
goes on with the action it describes. Every event also goes, as a JSON line without
personal data, to ``flow-events.jsonl`` (the top-up steps' events live there today).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend_client.journal import TRANSITIONS, JournalState, PaymentJournal, TransitionError

log = logging.getLogger(__name__)

S = JournalState
#: flow event -> the journal state it commits (None: a note on the entry only).
EVENT_STATES: dict[str, JournalState | None] = {
    "intent": None,  # the entry is begun by the adapter's create call, before it is sent
    "order": S.ORDER_CREATED,
    "shown": S.SHOWN,
    "paid": S.PAID,
    "closing": S.CLOSING,
    "close_pending": None,
    "closed": S.CLOSED,
    "not_created": S.CLOSED,
    "abandoned_unknown": None,
    "delivering": S.DELIVERING,
    "delivered": S.DELIVERED,
    "delivery_queued": None,
    "refund_requested": S.REFUNDING,
    "refund_pending": None,
    "refunded": S.REFUNDED,
    "refund_held_for_review": None,
    "refund_receipt_printed": None,
    "receipt_printed": None,
}
#: Events after which a receipt is owed: queued in the journal until one is printed (so a
#: crash between the two still gives the resident's receipt, printed at the restart).
RECEIPT = {"refunded": "queued", "delivered": "queued", "refund_receipt_printed": "printed",
           "receipt_printed": "printed"}


class EventJournal:
    """Money events as JSON lines, no personal data."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, key: str, event: str, **facts: str | int) -> None:
        entry: dict[str, Any] = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S"), "key": key,
                                 "event": event, **facts}
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            out.flush()


class JournalPort:
    """Implements the flow's JournalPort: events -> committed journal transitions."""

    def __init__(self, journal: PaymentJournal, events: EventJournal,
                 order_id_of: Callable[[str], str]) -> None:
        self.journal = journal
        self.events = events
        self._order_id_of = order_id_of

    def record(self, key: str, event: str, **facts: str | int) -> None:
        self.events.record(key, event, **facts)
        if event not in EVENT_STATES:
            return
        order_id = str(facts.get("order_id") or self._order_id_of(key))
        entry = self.journal.get(order_id)
        if entry is None:
            return  # nothing was sent for this key (the create call never started)
        new = EVENT_STATES[event]
        try:
            receipt = RECEIPT.get(event)
            if event in ("refund_receipt_printed", "receipt_printed"):
                self.journal.transition(order_id, entry.state, receipt=receipt)
            elif new is None:
                self.journal.transition(order_id, entry.state, note=event)
            elif new is not entry.state and new not in TRANSITIONS[entry.state]:
                # Settled already (by the reconciler or the backend's answer): keep it.
                log.info("journal %s: %s after %s ignored", order_id, event, entry.state)
            else:
                self.journal.transition(order_id, new, note=event, receipt=receipt)
        except TransitionError as exc:
            log.warning("journal: %s", exc)

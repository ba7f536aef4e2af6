"""The 好差评 rating of a finished service: five levels, optional reasons, skippable.

Offered with the result of every completed service (the view shows it beside the
result; nothing waits for it: "finish", "another service", the idle timeout and the
card-removal prompt work as without it). The rating goes to the backend with the
service id and the reference of what was done (application number, certificate number,
payment order), nothing personal. The call runs on the worker; a rating the backend
cannot take now (unreachable, 503) waits in the outbox and goes with its next flush; one
it rejects is logged and dropped: it is an opinion, not a transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the window imports this module before the first frame: no pydantic yet
    from concurrent.futures import Future

    from kiosk.flow.ports import RatingBackend, SubmissionReceipt
    from kiosk.session import CollectedData

log = logging.getLogger(__name__)

#: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
LEVELS = (5, 4, 3, 2, 1)
#: Levels at which the resident may say why (optional reason chips).
REASON_LEVELS = frozenset({3, 2, 1})
#: Reason codes (the backend's vocabulary; the view shows "rate.reason.<code>").
REASONS = ("slow", "hard_to_use", "device_problem", "unclear_guidance", "not_solved",
           "staff_help")


class RatingState(Enum):
    ASKING = "asking"
    #: Sent (or on its way): the view thanks the resident.
    RATED = "rated"
    SKIPPED = "skipped"


def reference_of(data: CollectedData) -> str:
    """What the rating is about: the application / booking / voucher number, else the
    certificate number, else the payment order."""
    receipt: SubmissionReceipt | None = data.receipt
    if receipt is not None and receipt.reference:
        return receipt.reference
    if data.certificate:
        return str(data.certificate.get("number", ""))
    return data.payment.order_id if data.payment is not None else ""


class ServiceRating:
    """One rating offer; see the module docstring."""

    def __init__(self, service_id: str, reference: str, port: RatingBackend | None,
                 language: Callable[[], str]) -> None:
        self.service_id = service_id
        self.reference = reference
        self.port = port
        self.language = language
        self.level: int | None = None
        self.reasons: list[str] = []
        import uuid  # not before the first frame (uuid imports platform)

        self.idempotency_key = uuid.uuid4().hex
        self.sent: Future[None] | None = None
        self._state = RatingState.ASKING
        self._listeners: list[Callable[[], None]] = []

    @property
    def state(self) -> RatingState:
        return self._state

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def choose(self, level: int) -> None:
        """A level tapped (it can be changed until sent)."""
        if self._state is RatingState.ASKING and level in LEVELS:
            self.level = level
            if level not in REASON_LEVELS:
                self.reasons.clear()
            self._notify()

    def toggle_reason(self, code: str) -> None:
        if self._state is not RatingState.ASKING or self.level not in REASON_LEVELS \
                or code not in REASONS:
            return
        if code in self.reasons:
            self.reasons.remove(code)
        else:
            self.reasons.append(code)
        self._notify()

    def send(self) -> None:
        if self._state is not RatingState.ASKING or self.level is None:
            return
        from kiosk.flow.ports import RatingRequest

        request = RatingRequest(
            idempotency_key=self.idempotency_key, service_id=self.service_id,
            level=self.level, reasons=tuple(self.reasons), reference=self.reference,
            language=self.language())
        if self.port is not None:
            self.sent = self.port.rate(request)
            self.sent.add_done_callback(self._sent)
        self._set_state(RatingState.RATED)

    def skip(self) -> None:
        if self._state is RatingState.ASKING:
            self._set_state(RatingState.SKIPPED)

    def _sent(self, future: Future[None]) -> None:
        exc = future.exception()
        if exc is not None:
            log.warning("rating of %s not taken by the backend (%s)", self.service_id,
                        type(exc).__name__)
        else:
            log.info("rating of %s taken (sent, or queued in the outbox)", self.service_id)

    def _set_state(self, new: RatingState) -> None:
        """The one place the rating's state changes; logs old -> new and notifies."""
        old, self._state = self._state, new
        log.info("rating %s: %s -> %s (level %s)", self.service_id, old.name, new.name,
                 self.level)
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

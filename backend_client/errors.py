"""One error hierarchy for everything the backend client raises.

Every error carries ``message_key``, the translation key a screen shows, plus what a
technician needs (the backend's error ``code``, the HTTP ``status`` and the
``request_id`` to find the call in the backend's logs). Messages never hold personal
data: they name the call, not the person.
"""

from __future__ import annotations

from kiosk_base.errors import UserFacingError

#: Backend error codes (the ``code`` of an ErrorBody) -> the message key a screen shows.
CODE_MESSAGE_KEYS: dict[str, str] = {
    "card_expired": "error.identity.card_expired",
    "identity_mismatch": "error.identity.mismatch",
    "unknown_person": "error.identity.unknown_person",
    "person_token_invalid": "error.identity.session_expired",
    "not_eligible": "error.service.not_eligible",
    "unknown_service": "error.service.unknown",
    "order_not_paid": "error.payment.not_paid",
    "order_already_used": "error.payment.already_used",
    "order_not_open": "error.payment.not_open",
    "refund_not_allowed": "error.payment.refund_not_allowed",
    "amount_mismatch": "error.payment.amount_mismatch",
    "bill_already_paid": "error.bill.already_paid",
    "mac1_invalid": "error.topup.mac1_invalid",
    "topup_state": "error.topup.state",
    "slot_full": "error.appointment.slot_full",
    "attachment_too_large": "error.application.attachment_too_large",
    "application_state": "error.application.state",
    "delivery_incomplete": "error.application.delivery_incomplete",
    "idempotency_conflict": "error.backend.conflict",
    "idempotency_key_required": "error.backend.rejected",
    "not_found": "error.backend.not_found",
    "validation_error": "error.backend.rejected",
    "auth_failed": "error.backend.terminal_not_authorized",
    "enrollment_refused": "error.backend.terminal_not_authorized",
    "terminal_enrolled": "error.backend.terminal_not_authorized",
}


class BackendError(Exception):
    """Base of every error raised by backend_client."""

    default_message_key = "error.backend.generic"

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        request_id: str = "",
        message_key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.request_id = request_id
        self.message_key = message_key or self.default_message_key

    def __str__(self) -> str:
        text = super().__str__()
        extra = [f"code {self.code}"] if self.code else []
        if self.status is not None:
            extra.append(f"HTTP {self.status}")
        if self.request_id:
            extra.append(f"request {self.request_id}")
        return f"{text} ({', '.join(extra)})" if extra else text

    def user_facing(self) -> UserFacingError:
        """The error a screen shows for this backend error."""
        return UserFacingError(self.message_key, cause=self)


class BackendUnreachableError(BackendError):
    """No answer: connection refused, dropped mid-answer, DNS or TLS failure."""

    default_message_key = "error.backend.unreachable"


class BackendTimeoutError(BackendUnreachableError):
    """Connected, but no (complete) answer within the read timeout."""

    default_message_key = "error.backend.timeout"


class BackendTlsError(BackendUnreachableError):
    """The backend's certificate did not verify against the configured CA bundle."""

    default_message_key = "error.backend.tls"


class BackendUnavailableError(BackendError):
    """The backend answered 5xx: it is up but cannot serve the call now."""

    default_message_key = "error.backend.unavailable"


class BackendMalformedError(BackendError):
    """The answer is not what the contract promises (not JSON, wrong shape, too large)."""

    default_message_key = "error.backend.malformed"


class BackendRedirectError(BackendMalformedError):
    """The backend answered 3xx: never followed (the contract has no redirects)."""


class BackendRejectedError(BackendError):
    """The backend refused the call (4xx); ``code`` says why, ``message_key`` what to show."""

    default_message_key = "error.backend.rejected"


class BackendAuthError(BackendRejectedError):
    """The terminal is not registered or its signature was refused (401/403)."""

    default_message_key = "error.backend.terminal_not_authorized"


class BackendNotFoundError(BackendRejectedError):
    default_message_key = "error.backend.not_found"


class IdempotencyConflictError(BackendRejectedError):
    """The idempotency key was used before with a different request body (409)."""

    default_message_key = "error.backend.conflict"


class CredentialsError(BackendError):
    """The terminal credentials file is missing, unreadable or invalid."""

    default_message_key = "error.backend.terminal_not_authorized"


class JournalError(BackendError):
    """The local payment journal or outbox (SQLite) cannot be used."""

    default_message_key = "error.backend.local_storage"


def rejected_for(status: int, code: str, message: str, request_id: str) -> BackendRejectedError:
    """The typed error for a 4xx answer with the backend's error ``code``."""
    cls: type[BackendRejectedError] = BackendRejectedError
    if status in (401, 403) or code == "terminal_enrolled":
        cls = BackendAuthError
    elif status == 404:
        cls = BackendNotFoundError
    elif code == "idempotency_conflict":
        cls = IdempotencyConflictError
    return cls(
        message,
        code=code,
        status=status,
        request_id=request_id,
        message_key=CODE_MESSAGE_KEYS.get(code),
    )

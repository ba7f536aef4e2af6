"""What the flow's steps need from the devices and the backend, and nothing more.

The steps never see a driver or the HTTP client: they call these narrow ports, which
the kiosk's adapters implement over the real device classes and ``BackendClient``
(tests use the in-process fakes in tests/flow/fakes.py). The device ports are in
:mod:`kiosk.flow.device_ports`, the purse's in :mod:`kiosk.flow.purse_ports`, the
documents' in :mod:`kiosk.flow.document_ports`. Every slow call returns a
:class:`concurrent.futures.Future`; steps wait on it on their worker, never on the
caller's thread.

Errors a port's future may carry, and what a step does with them:

* :class:`kiosk_base.errors.DeviceError` (and subclasses): a device failed; the step shows
  ``error.user_facing()``. A :class:`~kiosk_base.errors.MediaError` from a card read means
  the card was taken out mid-read.
* :class:`BackendUnreachableError`: the backend was not reached or did not answer. For a
  write the outcome is unknown; the step queries before it repeats anything.
* :class:`kiosk_base.errors.UserFacingError`: the backend answered with a refusal; its
  message key is shown as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Literal, Protocol

from kiosk.flow.purse_ports import (
    PurchaseBackend,
    PurchaseLedgerPort,
    PurseCardPort,
    PurseLedgerPort,
    RefundBackend,
    RefundCardPort,
    RefundLedgerPort,
    TopupAuthorisation,
    TopupRequest,
)
from kiosk_base.errors import UserFacingError

if TYPE_CHECKING:
    from kiosk.flow.device_ports import (
        CameraPort,
        CitizenCardPort,
        DocumentPrinterPort,
        FaceCameraPort,
        IdCardReaderPort,
        ReceiptPrinterPort,
    )
    from kiosk.flow.document_ports import DocumentCameraPort, MaterialsBackend

IdentifyMethod = Literal["id_card", "citizen_card", "qr_login"]


class BackendUnreachableError(UserFacingError):
    """No answer from the backend: for a write, whether it happened is unknown."""

    def __init__(
        self,
        message_key: str = "error.backend.unreachable",
        params: Mapping[str, str] | None = None,
        *,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message_key, params, cause=cause)


# -- people and identity ------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Person:
    """The identified resident. Never logged; its repr is masked."""

    name: str
    id_number: str
    source: IdentifyMethod
    #: resident_id, foreign_permanent, hmt_permit, or social_security for a citizen card.
    card_type: str = "resident_id"
    sex: str = ""
    birth_date: date | None = None
    address: str = ""
    phone: str = ""
    #: None: long-term (长期) or not on the card.
    valid_until: date | None = None
    #: The citizen / social-security card number, when identified by that card.
    card_number: str = ""
    #: The citizen card's electronic purse balance in fen as read at login (None: no
    #: purse, e.g. a social-security-only card, or not identified by a citizen card).
    purse_balance_fen: int | None = None

    def prefill(self, key: str) -> str:
        """The value a form field's ``prefill`` ("person.name", "person.phone") names."""
        attribute = key.removeprefix("person.")
        value = getattr(self, attribute, None) if attribute in _PREFILLABLE else None
        if isinstance(value, date):
            return value.isoformat()
        return value if isinstance(value, str) else ""

    def __repr__(self) -> str:
        return f"Person(source={self.source}, card_type={self.card_type}, <masked>)"


_PREFILLABLE = frozenset(
    {"name", "id_number", "sex", "birth_date", "address", "phone", "card_number"}
)


class IdentityVerdict(StrEnum):
    VERIFIED = "verified"
    EXPIRED = "expired"
    #: Name, number or validity do not match the registry.
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class IdentityCheck:
    verdict: IdentityVerdict
    #: The registry's phone number for the person, used to prefill forms.
    phone: str = ""


@dataclass(frozen=True)
class LoginCode:
    code_id: str
    qr_url: str
    expires_in_s: float


class LoginState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class LoginPoll:
    state: LoginState
    person: Person | None = None


class FaceVerdict(StrEnum):
    MATCH = "match"
    NO_MATCH = "no_match"
    NO_FACE = "no_face"


@dataclass(frozen=True, repr=False)
class CapturedImage:
    data: bytes
    media_type: str = "image/jpeg"

    def __repr__(self) -> str:
        return f"CapturedImage({self.media_type}, {len(self.data)} bytes)"


@dataclass(frozen=True)
class Option:
    """One choice offered by a person-scoped query (a bill, a slot, an application)."""

    value: str
    label: str
    #: Bills: the amount due, used by a pay step whose amount_from names this field.
    amount_fen: int | None = None


# -- payments -----------------------------------------------------------------------


class PaymentState(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CLOSED = "closed"
    EXPIRED = "expired"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class PaymentRequest:
    idempotency_key: str
    service_id: str
    amount_fen: int
    description: str
    #: The item the amount pays for (a bill id from an options_from choice), if any.
    pays_for: str | None = None


@dataclass(frozen=True)
class PaymentOrder:
    order_id: str
    state: PaymentState
    amount_fen: int
    qr_url: str = ""
    payee: str = ""
    #: How it was paid, as label/value lines for the result and the receipt (a purse
    #: payment: method, masked card number, TAC, new balance); empty for a QR payment.
    paid_with: tuple[tuple[str, str], ...] = ()


# -- submissions --------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Attachment:
    document_id: str
    page: int
    image: CapturedImage
    #: A stored material reused from the library instead of ``image`` (empty then).
    material_id: str | None = None

    def __repr__(self) -> str:
        return f"Attachment({self.document_id}#{self.page})"


@dataclass(frozen=True, repr=False)
class SubmissionRequest:
    """What a submit step sends; also what the outbox stores when the backend is away."""

    idempotency_key: str
    action: str
    kind: str | None
    service_id: str
    person: Person
    language: str
    #: Form values as the backend takes them (dates ISO, numbers as digits).
    fields: Mapping[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    payment_order_id: str | None = None

    def __repr__(self) -> str:
        return f"SubmissionRequest({self.action}, {self.service_id}, <personal data masked>)"


@dataclass(frozen=True)
class SubmissionReceipt:
    #: The backend's reference (application number, booking number...).
    reference: str
    #: Label/value lines to show and to print on the receipt, in the session language.
    lines: tuple[tuple[str, str], ...] = ()
    #: An application: where its progress can be followed (printed as a QR code).
    progress_url: str = ""
    #: An application: what happens next, by language ("zh", "en"), from the backend.
    next_steps: Mapping[str, str] = field(default_factory=dict)
    #: The same lines in each language ("zh", "en"), for a resident who switches
    #: language on the result screen; ``lines`` is the one printed.
    by_language: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @classmethod
    def bilingual(cls, reference: str, lines: Callable[[str], tuple[tuple[str, str], ...]],
                  printed: str, *, progress_url: str = "",
                  next_steps: Mapping[str, str] | None = None) -> SubmissionReceipt:
        """A receipt whose lines ``lines(lang)`` builds in each language; the printed
        ones are in ``printed`` (the session's language when it was submitted)."""
        both = {lang: lines(lang) for lang in ("zh", "en")}
        return cls(reference, both["en" if printed == "en" else "zh"],
                   progress_url=progress_url, next_steps=dict(next_steps or {}),
                   by_language=both)

    def lines_in(self, lang: str) -> tuple[tuple[str, str], ...]:
        return self.by_language.get(lang, self.lines)

    def next_text(self, lang: str) -> str:
        return self.next_steps.get(lang) or self.next_steps.get("zh", "")


@dataclass(frozen=True)
class ReceiptContent:
    """What a receipt says; the receipt printer adapter lays it out."""

    service_title: str
    language: str
    lines: tuple[tuple[str, str], ...]
    amount_fen: int = 0
    order_id: str = ""
    reference: str = ""
    #: Printed as a QR code with its caption (an application's progress page).
    qr_payload: str = ""
    qr_caption: str = ""


@dataclass(frozen=True)
class RatingRequest:
    """One 好差评 rating: which service, which application/order, how satisfied.

    Carries no personal data: the backend links the reference to the person itself.
    """

    idempotency_key: str
    service_id: str
    #: 5 非常满意 .. 1 非常不满意.
    level: int
    reasons: tuple[str, ...] = ()
    #: The application number, order or certificate number the rating is about.
    reference: str = ""
    language: str = "zh"


ProgressListener = Callable[[float], None]


# -- backend ports ------------------------------------------------------------------


class IdentityBackend(Protocol):
    def check_identity(self, person: Person) -> Future[IdentityCheck]: ...

    def create_login_code(self) -> Future[LoginCode]: ...

    def poll_login_code(self, code_id: str) -> Future[LoginPoll]: ...

    def verify_face(self, person: Person, image: CapturedImage) -> Future[FaceVerdict]: ...


@dataclass(frozen=True)
class Eligibility:
    """Whether the person may use a service, and if not, the backend's reason."""

    eligible: bool
    #: The backend's reason code ("no_household_registration"...), "" when eligible.
    reason: str = ""
    #: The backend's explanation for the resident, by language ("zh", "en").
    message: Mapping[str, str] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return self.message.get(lang) or self.message.get("zh", "")


class EligibilityBackend(Protocol):
    def eligibility(self, service_id: str, person: Person) -> Future[Eligibility]:
        """Whether ``person`` may use the service now (asked before its first step)."""
        ...


class OptionsBackend(Protocol):
    def options(self, source: str, person: Person, language: str) -> Future[tuple[Option, ...]]:
        """Items of a person-scoped query: "bills", "appointment_slots", "applications"."""
        ...


class PaymentBackend(Protocol):
    def create_payment(self, request: PaymentRequest) -> Future[PaymentOrder]: ...

    def find_payment(self, idempotency_key: str) -> Future[PaymentOrder | None]:
        """The order created with this key, or None when the backend has none."""
        ...

    def query_payment(self, order_id: str) -> Future[PaymentOrder]: ...

    def close_payment(self, order_id: str) -> Future[PaymentOrder]: ...

    def refund_payment(self, order_id: str, reason: str) -> Future[PaymentOrder]: ...


class SubmissionBackend(Protocol):
    def issue_certificate(self, request: SubmissionRequest) -> Future[Mapping[str, object]]:
        """The certificate JSON of the shared spec."""
        ...

    def submit_application(self, request: SubmissionRequest) -> Future[SubmissionReceipt]: ...

    def pay_bill(self, request: SubmissionRequest) -> Future[SubmissionReceipt]: ...

    def book_appointment(self, request: SubmissionRequest) -> Future[SubmissionReceipt]: ...

    def query_applications(self, request: SubmissionRequest) -> Future[SubmissionReceipt]: ...

    def authorise_topup(self, request: TopupRequest) -> Future[TopupAuthorisation]:
        """Turn the card's MAC1 into MAC2 (POST /cards/topups)."""
        ...

    def confirm_topup(self, topup_id: str, tac: bytes,
                      new_balance_fen: int | None = None) -> Future[None]: ...

    def cancel_topup(self, topup_id: str) -> Future[None]:
        """Void a load the card never received (its order is free to refund or reload)."""
        ...


class RatingBackend(Protocol):
    def rate(self, request: RatingRequest) -> Future[None]:
        """POST /ratings (keyed: a repeat is the same rating)."""
        ...


class OutboxPort(Protocol):
    def enqueue(self, request: SubmissionRequest) -> str:
        """Store for delivery when the backend returns; the outbox entry's id."""
        ...


class JournalPort(Protocol):
    """The payment/top-up journal: written before each money call, read after a restart."""

    def record(self, key: str, event: str, **facts: str | int) -> None: ...


@dataclass(frozen=True)
class FlowPorts:
    """Everything the steps may use; a device the kiosk lacks is None."""

    identity: IdentityBackend
    options: OptionsBackend
    payments: PaymentBackend
    submissions: SubmissionBackend
    outbox: OutboxPort
    journal: JournalPort
    id_card_reader: IdCardReaderPort | None = None
    citizen_card: CitizenCardPort | None = None
    face_camera: FaceCameraPort | None = None
    document_camera: DocumentCameraPort | None = None
    scanner: CameraPort | None = None
    receipt_printer: ReceiptPrinterPort | None = None
    a4_printer: DocumentPrinterPort | None = None
    eligibility: EligibilityBackend | None = None
    #: The purse operations' durable record; None: kept in memory (tests without one).
    purse_ledger: PurseLedgerPort | None = None
    #: Purse purchase (消费): the card with the PSAM, the TAC upload, their journal.
    card_purse: PurseCardPort | None = None
    purchases: PurchaseBackend | None = None
    purchase_ledger: PurchaseLedgerPort | None = None
    #: Refunds of purse-paid orders loaded back onto the card (kiosk/flow/purse_refund.py).
    refund_card: RefundCardPort | None = None
    card_refunds: RefundBackend | None = None
    refund_ledger: RefundLedgerPort | None = None
    #: Where 好差评 ratings go; None: the rating step only thanks the resident.
    ratings: RatingBackend | None = None
    #: The materials library and phone uploads (kiosk/flow/document_ports.py).
    materials: MaterialsBackend | None = None

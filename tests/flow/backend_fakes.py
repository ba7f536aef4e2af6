"""In-process fakes of the backend, the outbox and the journal, and the whole fake kiosk."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from kiosk.flow.ports import (
    BackendUnreachableError,
    CapturedImage,
    FaceVerdict,
    FlowPorts,
    IdentityCheck,
    IdentityVerdict,
    LoginCode,
    LoginPoll,
    LoginState,
    Option,
    PaymentOrder,
    PaymentRequest,
    PaymentState,
    Person,
    SubmissionReceipt,
    SubmissionRequest,
)
from kiosk.flow.purse_ports import TopupAuthorisation, TopupRequest
from kiosk_base.errors import UserFacingError

from .fakes import (
    LI_NA_EXPIRED,
    WANG_FANG_CARD,
    ZHANG_WEI,
    FakeA4Printer,
    FakeCamera,
    FakeCitizenCard,
    FakeIdCardReader,
    FakeReceiptPrinter,
    _mac,
    done,
    failed,
)

T = TypeVar("T")


@dataclass
class FakeBackend:
    """The backend as the ports see it; ``down`` names methods that get no answer."""

    verdicts: dict[str, IdentityVerdict] = field(
        default_factory=lambda: {
            ZHANG_WEI.id_number: IdentityVerdict.VERIFIED,
            LI_NA_EXPIRED.id_number: IdentityVerdict.EXPIRED,
            WANG_FANG_CARD.id_number: IdentityVerdict.VERIFIED,
        }
    )
    down: set[str] = field(default_factory=set)
    #: create_payment stores the order but the answer is lost (once per entry).
    lose_answer: set[str] = field(default_factory=set)
    login_confirms_after: int | None = 2
    login_person: Person = ZHANG_WEI
    face: list[FaceVerdict] = field(default_factory=list)
    options_by_source: dict[str, tuple[Option, ...]] = field(default_factory=dict)
    #: polls of an order before it is paid (None: never).
    paid_after_polls: int | None = 1
    orders: dict[str, PaymentOrder] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    submissions: list[SubmissionRequest] = field(default_factory=list)
    topups: dict[str, TopupRequest] = field(default_factory=dict)
    confirmed_topups: dict[str, bytes] = field(default_factory=dict)
    cancelled_topups: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _enter(self, name: str) -> None:
        self.calls.append(name)
        if name in self.down:
            raise BackendUnreachableError()

    def _call(self, name: str, fn: Callable[[], T]) -> Future[T]:
        try:
            self._enter(name)
            return done(fn())
        except (UserFacingError, LookupError) as exc:
            return failed(exc)

    # identity
    def check_identity(self, person: Person) -> Future[IdentityCheck]:
        return self._call(
            "check_identity",
            lambda: IdentityCheck(self.verdicts.get(person.id_number, IdentityVerdict.UNKNOWN)),
        )

    def create_login_code(self) -> Future[LoginCode]:
        return self._call(
            "create_login_code",
            lambda: LoginCode(f"L{next(self._ids)}", "https://app.example.cn/login/x", 60.0),
        )

    def poll_login_code(self, code_id: str) -> Future[LoginPoll]:
        def answer() -> LoginPoll:
            count = self.polls[code_id] = self.polls.get(code_id, 0) + 1
            if self.login_confirms_after is not None and count >= self.login_confirms_after:
                person = replace(self.login_person, source="qr_login")
                return LoginPoll(LoginState.CONFIRMED, person)
            return LoginPoll(LoginState.PENDING)

        return self._call("poll_login_code", answer)

    def verify_face(self, person: Person, image: CapturedImage) -> Future[FaceVerdict]:
        return self._call(
            "verify_face", lambda: self.face.pop(0) if self.face else FaceVerdict.MATCH
        )

    def options(self, source: str, person: Person, language: str) -> Future[tuple[Option, ...]]:
        return self._call("options", lambda: self.options_by_source[source])

    # payments
    def create_payment(self, request: PaymentRequest) -> Future[PaymentOrder]:
        def create() -> PaymentOrder:
            key = request.idempotency_key
            if key not in self.orders:
                order_id = f"P{next(self._ids):04d}"
                self.orders[key] = PaymentOrder(
                    order_id, PaymentState.PENDING, request.amount_fen, f"https://pay/{order_id}"
                )
            if "create_payment" in self.lose_answer:
                self.lose_answer.discard("create_payment")
                raise BackendUnreachableError()
            return self.orders[key]

        return self._call("create_payment", create)

    def find_payment(self, idempotency_key: str) -> Future[PaymentOrder | None]:
        return self._call("find_payment", lambda: self.orders.get(idempotency_key))

    def _by_id(self, order_id: str) -> tuple[str, PaymentOrder]:
        for key, order in self.orders.items():
            if order.order_id == order_id:
                return key, order
        raise LookupError(order_id)

    def _set(self, order_id: str, state: PaymentState) -> PaymentOrder:
        key, order = self._by_id(order_id)
        self.orders[key] = replace(order, state=state)
        return self.orders[key]

    def query_payment(self, order_id: str) -> Future[PaymentOrder]:
        def query() -> PaymentOrder:
            _key, order = self._by_id(order_id)
            count = self.polls[order_id] = self.polls.get(order_id, 0) + 1
            if (
                order.state is PaymentState.PENDING
                and self.paid_after_polls is not None
                and count >= self.paid_after_polls
            ):
                return self._set(order_id, PaymentState.PAID)
            return order

        return self._call("query_payment", query)

    def pay(self, order_id: str) -> None:
        """The resident's phone pays."""
        self._set(order_id, PaymentState.PAID)

    def close_payment(self, order_id: str) -> Future[PaymentOrder]:
        def close() -> PaymentOrder:
            _key, order = self._by_id(order_id)
            if order.state is PaymentState.PAID:
                return order
            return self._set(order_id, PaymentState.CLOSED)

        return self._call("close_payment", close)

    def refund_payment(self, order_id: str, reason: str) -> Future[PaymentOrder]:
        return self._call("refund_payment", lambda: self._set(order_id, PaymentState.REFUNDED))

    # submissions
    def _submit(self, name: str, request: SubmissionRequest) -> Future[SubmissionReceipt]:
        def store() -> SubmissionReceipt:
            self.submissions.append(request)
            return SubmissionReceipt(f"{name.upper()}-{len(self.submissions)}", (("ref", "x"),))

        return self._call(name, store)

    def issue_certificate(self, request: SubmissionRequest) -> Future[Mapping[str, object]]:
        def issue() -> Mapping[str, object]:
            self.submissions.append(request)
            return {
                "number": "SB-2026-00000123",
                "holder": {"name": request.person.name, "id_number": request.person.id_number},
            }

        return self._call("issue_certificate", issue)

    def submit_application(self, request: SubmissionRequest) -> Future[SubmissionReceipt]:
        return self._submit("submit_application", request)

    def pay_bill(self, request: SubmissionRequest) -> Future[SubmissionReceipt]:
        return self._submit("pay_bill", request)

    def book_appointment(self, request: SubmissionRequest) -> Future[SubmissionReceipt]:
        return self._submit("book_appointment", request)

    def query_applications(self, request: SubmissionRequest) -> Future[SubmissionReceipt]:
        return self._submit("query_applications", request)

    def authorise_topup(self, request: TopupRequest) -> Future[TopupAuthorisation]:
        def authorise() -> TopupAuthorisation:
            load = request.load
            order = self._by_id(request.payment_order_id)[1]
            if order.state is not PaymentState.PAID:
                raise UserFacingError("topup.not_paid")
            if load.mac1 != _mac(b"MAC1", load.old_balance_fen, request.amount_fen,
                                 load.card_random):
                raise UserFacingError("topup.mac1_rejected")
            topup_id = f"T{next(self._ids)}"
            self.topups[topup_id] = request
            mac2 = _mac(b"MAC2", request.amount_fen, 0, load.card_random)
            return TopupAuthorisation(topup_id, mac2, datetime(2026, 11, 21, 10, 0))

        return self._call("authorise_topup", authorise)

    def confirm_topup(self, topup_id: str, tac: bytes,
                      new_balance_fen: int | None = None) -> Future[None]:
        def confirm() -> None:
            self.confirmed_topups[topup_id] = tac

        return self._call("confirm_topup", confirm)

    def cancel_topup(self, topup_id: str) -> Future[None]:
        def cancel() -> None:
            self.topups.pop(topup_id, None)
            self.cancelled_topups.append(topup_id)

        return self._call("cancel_topup", cancel)


class FakeOutbox:
    def __init__(self) -> None:
        self.queued: list[SubmissionRequest] = []

    def enqueue(self, request: SubmissionRequest) -> str:
        self.queued.append(request)
        return f"OUTBOX-{len(self.queued)}"


class FakeJournal:
    def __init__(self) -> None:
        self.entries: list[tuple[str, str, dict[str, str | int]]] = []

    def record(self, key: str, event: str, **facts: str | int) -> None:
        self.entries.append((key, event, dict(facts)))

    def events(self) -> list[str]:
        return [event for _key, event, _facts in self.entries]


@dataclass
class Kiosk:
    """All the fakes of one kiosk, and the ports over them."""

    backend: FakeBackend = field(default_factory=FakeBackend)
    id_reader: FakeIdCardReader = field(default_factory=FakeIdCardReader)
    citizen_card: FakeCitizenCard = field(default_factory=FakeCitizenCard)
    face_camera: FakeCamera = field(default_factory=lambda: FakeCamera("face"))
    document_camera: FakeCamera = field(default_factory=lambda: FakeCamera("page"))
    receipt_printer: FakeReceiptPrinter = field(default_factory=FakeReceiptPrinter)
    a4_printer: FakeA4Printer = field(default_factory=FakeA4Printer)
    outbox: FakeOutbox = field(default_factory=FakeOutbox)
    journal: FakeJournal = field(default_factory=FakeJournal)

    def ports(self) -> FlowPorts:
        return FlowPorts(
            identity=self.backend,
            options=self.backend,
            payments=self.backend,
            submissions=self.backend,
            outbox=self.outbox,
            journal=self.journal,
            id_card_reader=self.id_reader,
            citizen_card=self.citizen_card,
            face_camera=self.face_camera,
            document_camera=self.document_camera,
            scanner=None,
            receipt_printer=self.receipt_printer,
            a4_printer=self.a4_printer,
        )

"""The flow's backend ports over :class:`backend_client.client.BackendClient`.

Every call runs on the kiosk's worker pool and returns a Future, as the ports promise.
Backend errors keep their message keys (``BackendError.user_facing()``); "no answer"
becomes the flow's BackendUnreachableError so a step knows the outcome is unknown.

The backend identifies a person by a short-lived person token from the identity check
or the QR login; the adapter keeps it for the session, keyed by ID number, and
``forget()`` drops it when the session ends.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from typing import Any, TypeVar

from backend_client.client import BackendClient
from backend_client.errors import (
    BackendError,
    BackendNotFoundError,
    BackendUnavailableError,
    BackendUnreachableError,
)
from backend_client.journal import PaymentJournal
from backend_client.models import (
    ApplicationCreate,
    AttachmentUpload,
    CertificateRequest,
    IdentityCheckRequest,
    PaymentCreate,
    RatingCreate,
    RefundRequest,
    TopupConfirm,
)
from backend_client.models import PaymentOrder as ApiOrder
from backend_client.models import TopupRequest as ApiTopupRequest
from backend_client.outbox import ApplicationDraft, BillSettlementDraft, Outbox, settle_key
from backend_client.outbox import submit_application as send_application
from backend_client.service_definition import Catalog
from kiosk.flow import ports as p
from kiosk.flow import purse_ports as pp
from kiosk_base.errors import UserFacingError

log = logging.getLogger(__name__)
T = TypeVar("T")

_UTILITY = {"water": ("水费", "Water"), "electricity": ("电费", "Electricity"),
            "gas": ("燃气费", "Gas")}
_STATUS = {"draft": ("草稿", "draft"), "submitted": ("已提交", "submitted"),
           "in_review": ("审核中", "in review"), "approved": ("已批准", "approved"),
           "rejected": ("未通过", "rejected"), "completed": ("已办结", "completed")}
_KINDS = {"subsidy": ("低保补贴申请", "Subsidy application"),
          "elderly_card": ("老年人优待卡申领", "Elderly card application")}
_LINES = {"reference": ("受理编号", "Reference"), "voucher": ("缴费凭证号", "Voucher no."),
          "booking": ("预约时间", "Appointment"), "office": ("地点", "Place"),
          "none": ("暂无办件", "No applications"), "delivery": ("领取方式", "Delivery"),
          "next": ("后续办理", "What happens next")}
_DELIVERY = {"pickup": ("窗口领取", "Pick up at a window"), "mail": ("邮寄到家", "By mail")}


def backend_call(executor: Executor, fn: Callable[[], T]) -> Future[T]:
    """Run a backend call on ``executor``; its errors come out as the flow's: unreachable
    as :class:`kiosk.flow.ports.BackendUnreachableError`, any other as its user-facing
    error."""
    def run() -> T:
        try:
            return fn()
        except BackendUnreachableError as exc:
            raise p.BackendUnreachableError(exc.message_key, cause=exc) from exc
        except BackendError as exc:
            raise exc.user_facing() from exc
    return executor.submit(run)


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


def _tr(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


class BackendPorts:
    """Implements IdentityBackend, OptionsBackend, PaymentBackend and SubmissionBackend."""

    def __init__(self, client: BackendClient, executor: Executor, journal: PaymentJournal,
                 catalog: Callable[[], Catalog | None]) -> None:
        self.client = client
        self.executor = executor
        self.journal = journal
        self._catalog = catalog
        #: Told the order id of each refund made (a purse-paid one goes back to the card:
        #: the purse recovery loads it at once if the card is still in the reader).
        self.refund_listeners: list[Callable[[str], None]] = []
        self._tokens: dict[str, str] = {}
        self._new_balances: dict[str, int] = {}
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------

    def _submit(self, fn: Callable[[], T]) -> Future[T]:
        return backend_call(self.executor, fn)

    def _token(self, person: p.Person) -> str:
        with self._lock:
            token = self._tokens.get(person.id_number)
        if token is None:
            raise UserFacingError("error.identity.session_expired")
        return token

    #: For the other adapters over this client (kiosk/adapters/documents.py).
    def submit_call(self, fn: Callable[[], T]) -> Future[T]:
        return self._submit(fn)

    def person_token(self, person: p.Person) -> str:
        return self._token(person)

    def forget(self) -> None:
        """The session ended: drop every person token."""
        with self._lock:
            self._tokens.clear()

    # -- identity ---------------------------------------------------------------------

    def check_identity(self, person: p.Person) -> Future[p.IdentityCheck]:
        def call() -> p.IdentityCheck:
            doc = "citizen_card" if person.source == "citizen_card" else person.card_type
            if doc not in ("resident_id", "foreign_permanent", "hmt_permit", "citizen_card"):
                doc = "resident_id"
            answer = self.client.check_identity(IdentityCheckRequest(
                document_type=doc, name=person.name, id_number=person.id_number,
                card_number=person.card_number or None, valid_until=person.valid_until))
            if answer.person_token:
                with self._lock:
                    self._tokens[person.id_number] = answer.person_token
            verdict = {"valid": p.IdentityVerdict.VERIFIED, "expired": p.IdentityVerdict.EXPIRED,
                       "mismatch": p.IdentityVerdict.MISMATCH}.get(
                           answer.result, p.IdentityVerdict.UNKNOWN)
            if answer.result == "blocked":
                raise UserFacingError("error.card.blocked")
            phone = answer.person.phone if answer.person and answer.person.phone else ""
            return p.IdentityCheck(verdict, phone)
        return self._submit(call)

    def create_login_code(self) -> Future[p.LoginCode]:
        def call() -> p.LoginCode:
            login = self.client.create_qr_login()
            left = (login.expires_at - datetime.now(UTC)).total_seconds()
            return p.LoginCode(login.login_id, login.qr_url, max(1.0, left))
        return self._submit(call)

    def poll_login_code(self, code_id: str) -> Future[p.LoginPoll]:
        def call() -> p.LoginPoll:
            status = self.client.poll_qr_login(code_id)
            if status.status != "confirmed" or status.person is None:
                return p.LoginPoll(p.LoginState(status.status))
            api = status.person
            person = p.Person(name=api.name, id_number=api.id_number, source="qr_login",
                              sex=api.sex, birth_date=api.birth_date,
                              address=api.address or "", phone=api.phone or "")
            if status.person_token:
                with self._lock:
                    self._tokens[api.id_number] = status.person_token
            return p.LoginPoll(p.LoginState.CONFIRMED, person)
        return self._submit(call)

    def verify_face(self, person: p.Person, image: p.CapturedImage) -> Future[p.FaceVerdict]:
        return self._submit(lambda: p.FaceVerdict(
            self.client.verify_face(self._token(person), image.data).result))

    def eligibility(self, service_id: str, person: p.Person) -> Future[p.Eligibility]:
        def call() -> p.Eligibility:
            answer = self.client.eligibility(self._token(person), service_id)
            return p.Eligibility(answer.eligible, answer.reason, dict(answer.message))
        return self._submit(call)

    # -- options ------------------------------------------------------------------------

    def options(self, source: str, person: p.Person, language: str
                ) -> Future[tuple[p.Option, ...]]:
        def call() -> tuple[p.Option, ...]:
            token = self._token(person)
            if source == "bills":
                return tuple(
                    p.Option(b.bill_id, f"{_tr(_UTILITY[b.utility], language)} {b.period} "
                             f"{_yuan(b.amount_fen)}", b.amount_fen)
                    for b in self.client.bills(token))
            if source == "paid_bills":
                return tuple(
                    p.Option(b.paid_order, f"{_tr(_UTILITY[b.utility], language)} {b.period} "
                             f"{_yuan(b.amount_fen)}")
                    for b in self.client.bills(token, "paid") if b.paid_order)
            if source == "appointment_slots":
                return tuple(
                    p.Option(s.slot_id, f"{s.starts_at:%Y-%m-%d %H:%M} {s.office}")
                    for s in self.client.appointment_slots("appointment_booking").slots)
            if source == "applications":
                return tuple(
                    p.Option(a.application_id,
                             f"{self._service_title(a.service_id, a.kind, language)}"
                             f" · {_tr(_STATUS[a.status], language)}")
                    for a in self.client.applications(token).applications)
            raise UserFacingError("error.service.unknown")
        return self._submit(call)

    # -- payments -----------------------------------------------------------------------

    def order_id(self, key: str) -> str:
        """The order id the kiosk chooses for an idempotency key (stable)."""
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        return f"{self.client.terminal_id}-{digest}"

    def _service_title(self, service_id: str, kind: str, lang: str) -> str:
        """A service's title in ``lang`` from the catalog (never a raw id on screen)."""
        catalog = self._catalog()
        service = next((s for s in catalog.services if s.id == service_id), None) \
            if catalog else None
        if service is not None:
            return service.title.get(lang)
        return _tr(_KINDS.get(kind, ("其他业务", "Other application")), lang)

    def _purpose(self, service_id: str) -> str:
        catalog = self._catalog()
        service = next((s for s in catalog.services if s.id == service_id), None) \
            if catalog else None
        actions = {getattr(s, "action", "") for s in service.steps} if service else set()
        if "card_topup" in actions:
            return "card_topup"
        return "bill" if "bill_payment" in actions else "service_fee"

    def create_payment(self, request: p.PaymentRequest) -> Future[p.PaymentOrder]:
        def call() -> p.PaymentOrder:
            order_id = self.order_id(request.idempotency_key)
            body = PaymentCreate(order_id=order_id, amount_fen=request.amount_fen,
                                 description=request.description[:128],
                                 service_id=request.service_id,
                                 purpose=self._purpose(request.service_id),
                                 bill_id=request.pays_for)
            if self.journal.get(order_id) is None:
                # Journaled before the first call: a restart finds and settles it.
                self.journal.begin(order_id, request.idempotency_key, body.model_dump_json(),
                                   request.amount_fen, service_id=request.service_id,
                                   purpose=body.purpose, bill_id=request.pays_for)
            return _order(self.client.create_payment(body, request.idempotency_key))
        return self._submit(call)

    def find_payment(self, idempotency_key: str) -> Future[p.PaymentOrder | None]:
        def call() -> p.PaymentOrder | None:
            try:
                return _order(self.client.payment(self.order_id(idempotency_key)))
            except BackendNotFoundError:
                return None
        return self._submit(call)

    def query_payment(self, order_id: str) -> Future[p.PaymentOrder]:
        return self._submit(lambda: _order(self.client.payment(order_id)))

    def close_payment(self, order_id: str) -> Future[p.PaymentOrder]:
        return self._submit(lambda: _order(self.client.close_payment(order_id,
                                                                     f"close-{order_id}")))

    def refund_payment(self, order_id: str, reason: str) -> Future[p.PaymentOrder]:
        def call() -> p.PaymentOrder:
            current = self.client.payment(order_id)
            amount = current.amount_fen - current.refunded_fen
            done = _order(self.client.refund_payment(
                order_id, RefundRequest(amount_fen=amount, reason=reason[:128]),
                f"refund-{order_id}"))
            for listener in list(self.refund_listeners):
                listener(order_id)
            return done
        return self._submit(call)

    # -- submissions ----------------------------------------------------------------------

    def issue_certificate(self, request: p.SubmissionRequest
                          ) -> Future[Mapping[str, object]]:
        def call() -> Mapping[str, object]:
            cert = self.client.issue_certificate(CertificateRequest(
                person_token=self._token(request.person), template=request.kind,
                language=request.language,
                # A voucher's order: the one paid in this service, or the paid bill chosen.
                payment_order_id=request.payment_order_id
                or request.fields.get("voucher_order") or None), request.idempotency_key)
            return cert.model_dump(mode="json")
        return self._submit(call)

    def application_draft(self, request: p.SubmissionRequest) -> ApplicationDraft:
        create = ApplicationCreate(
            person_token=self._token(request.person), service_id=request.service_id,
            kind=request.kind or request.service_id, form=dict(request.fields),
            payment_order_id=request.payment_order_id)
        uploads = tuple(
            AttachmentUpload(document_id=a.document_id, page=a.page + 1,
                             content_type=a.image.media_type, material_id=a.material_id,
                             data_base64=None if a.material_id else
                             base64.b64encode(a.image.data).decode())
            for a in request.attachments)
        return ApplicationDraft(create=create, attachments=uploads)

    def submit_application(self, request: p.SubmissionRequest
                           ) -> Future[p.SubmissionReceipt]:
        def call() -> p.SubmissionReceipt:
            done = send_application(self.client, self.application_draft(request),
                                    request.idempotency_key)
            method = request.fields.get("delivery_method", "")

            def lines(lang: str) -> tuple[tuple[str, str], ...]:
                out = [(_tr(_LINES["reference"], lang), done.reference)]
                if method in _DELIVERY:
                    out.append((_tr(_LINES["delivery"], lang), _tr(_DELIVERY[method], lang)))
                next_text = done.next_steps.get(lang) or done.next_steps.get("zh", "")
                if next_text:
                    out.append((_tr(_LINES["next"], lang), next_text))
                return tuple(out)
            return p.SubmissionReceipt.bilingual(
                done.reference, lines, request.language,
                progress_url=done.progress_url or "", next_steps=dict(done.next_steps))
        return self._submit(call)


    def pay_bill(self, request: p.SubmissionRequest) -> Future[p.SubmissionReceipt]:
        def call() -> p.SubmissionReceipt:
            bill_id = request.fields.get("bill", "")
            if not request.payment_order_id or not bill_id:
                raise UserFacingError("error.payment.not_paid")
            # Keyed by the order: the reconciler's retry after a crash is the same call.
            done = self.client.settle_bill(bill_id, request.payment_order_id,
                                           settle_key(request.payment_order_id))
            return p.SubmissionReceipt.bilingual(
                done.voucher_number,
                lambda lang: ((_tr(_LINES["voucher"], lang), done.voucher_number),),
                request.language)
        return self._submit(call)

    def book_appointment(self, request: p.SubmissionRequest) -> Future[p.SubmissionReceipt]:
        def call() -> p.SubmissionReceipt:
            booking = self.client.book_appointment(self._token(request.person),
                                                   request.fields.get("slot", ""),
                                                   request.idempotency_key)
            ref = booking.confirmation_code
            return p.SubmissionReceipt.bilingual(ref, lambda lang: (
                (_tr(_LINES["reference"], lang), ref),
                (_tr(_LINES["booking"], lang), f"{booking.slot.starts_at:%Y-%m-%d %H:%M}"),
                (_tr(_LINES["office"], lang), booking.slot.office)), request.language)
        return self._submit(call)

    def query_applications(self, request: p.SubmissionRequest
                           ) -> Future[p.SubmissionReceipt]:
        def call() -> p.SubmissionReceipt:
            apps = self.client.applications(self._token(request.person)).applications
            def lines(lang: str) -> tuple[tuple[str, str], ...]:
                found = tuple((f"{self._service_title(a.service_id, a.kind, lang)} "
                               f"({a.created_at:%Y-%m-%d})", _tr(_STATUS[a.status], lang))
                              for a in apps)
                return found or ((_tr(_LINES["none"], lang), ""),)
            return p.SubmissionReceipt.bilingual("", lines, request.language)
        return self._submit(call)

    def authorise_topup(self, request: pp.TopupRequest) -> Future[pp.TopupAuthorisation]:
        def call() -> pp.TopupAuthorisation:
            load = request.load
            body = ApiTopupRequest(
                card_serial=load.card_serial.upper(), amount_fen=request.amount_fen,
                terminal_number=load.terminal_id.hex().upper(),
                old_balance_fen=load.old_balance_fen, online_seq=load.online_seq.hex().upper(),
                key_version=load.key_version, alg_id=load.algorithm_id,
                card_random=load.card_random.hex().upper(), mac1=load.mac1.hex().upper(),
                order_id=request.payment_order_id)
            # One key per card load session: a lost answer is asked again with the same
            # key and body; a new load of the same order (after a void) gets a new key.
            topup = self.client.request_topup(
                body, f"topup-{request.payment_order_id}-{load.card_random.hex()}")
            with self._lock:
                self._new_balances[topup.topup_id] = load.old_balance_fen + request.amount_fen
            when = datetime.strptime(topup.host_datetime, "%Y%m%d%H%M%S")
            return pp.TopupAuthorisation(topup.topup_id, bytes.fromhex(topup.mac2), when)
        return self._submit(call)

    def confirm_topup(self, topup_id: str, tac: bytes,
                      new_balance_fen: int | None = None) -> Future[None]:
        def call() -> None:
            with self._lock:
                known = self._new_balances.get(topup_id)
            new_balance = new_balance_fen if new_balance_fen is not None else known
            if new_balance is None:
                raise UserFacingError("error.topup.state")
            status = self.client.topup(topup_id)
            if status.status != "confirmed":  # confirmed before the answer was lost
                self.client.confirm_topup(topup_id, TopupConfirm(
                    tac=tac.hex().upper(), new_balance_fen=new_balance), f"confirm-{topup_id}")
            with self._lock:
                self._new_balances.pop(topup_id, None)
        return self._submit(call)

    def cancel_topup(self, topup_id: str) -> Future[None]:
        def call() -> None:
            self.client.cancel_topup(topup_id, f"cancel-{topup_id}")
        return self._submit(call)


def _order(api: ApiOrder) -> p.PaymentOrder:
    state = {"unpaid": p.PaymentState.PENDING, "paid": p.PaymentState.PAID,
             "closed": p.PaymentState.CLOSED, "expired": p.PaymentState.EXPIRED,
             "refunded": p.PaymentState.REFUNDED}.get(api.status, p.PaymentState.PENDING)
    return p.PaymentOrder(api.order_id, state, api.amount_fen, api.qr_url, api.payee or "")


class OutboxPort:
    """Submissions that wait for the backend (the flow's OutboxPort), typed by what they
    carry: a bill settlement is queued as one, never as an application."""

    def __init__(self, outbox: Outbox, backend: BackendPorts) -> None:
        self.outbox = outbox
        self.backend = backend

    def enqueue(self, request: p.SubmissionRequest) -> str:
        if request.action == "bill_payment":
            bill_id = request.fields.get("bill", "")
            if not request.payment_order_id or not bill_id:
                raise UserFacingError("error.payment.not_paid")
            settlement = BillSettlementDraft(bill_id=bill_id, order_id=request.payment_order_id)
            return str(self.outbox.enqueue("bill_settlement", settlement,
                                           settle_key(request.payment_order_id)))
        if request.action != "application":
            raise UserFacingError("submit.unreachable")
        draft = self.backend.application_draft(request)
        return str(self.outbox.enqueue("application", draft, request.idempotency_key))

    def rate(self, request: p.RatingRequest) -> Future[None]:
        """A 好差评 rating (the flow's RatingBackend): sent at once, or queued when the
        backend cannot take it now (unreachable or 503), to go with the next flush."""
        rating = RatingCreate(service_id=request.service_id, level=request.level,
                              reasons=request.reasons, reference=request.reference[:64])
        key = f"rating-{request.idempotency_key}"

        def call() -> None:
            try:
                self.backend.client.rate(rating, key)
            except (BackendUnreachableError, BackendUnavailableError) as exc:
                entry = self.outbox.enqueue("rating", rating, key)
                log.info("rating of %s queued as outbox #%d (%s)", request.service_id,
                         entry, type(exc).__name__)
        return self.backend.submit_call(call)


def describe(obj: Any) -> str:
    return type(obj).__name__

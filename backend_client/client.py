"""The kiosk's client of the city service platform: one typed method per API call.

Blocking by design: the kiosk UI calls it from worker threads, never from a slot.
Every method returns a validated model or raises a
:class:`~backend_client.errors.BackendError` whose ``message_key`` a screen can show.
Person-scoped calls carry the person token (from an identity check or QR login) in a
header, so neither URLs nor access logs hold anything about the resident.
"""

from __future__ import annotations

import base64
import logging
import time
import uuid
from pathlib import Path
from typing import Literal

from backend_client.errors import CredentialsError
from backend_client.models import (
    Application,
    ApplicationCreate,
    Applications,
    ApplicationSubmitted,
    Appointment,
    AppointmentRequest,
    AppointmentSlots,
    Attachment,
    AttachmentUpload,
    AuditAck,
    AuditBatch,
    Bill,
    BillSettle,
    BillSettlement,
    CardLoadRequest,
    CardRefund,
    CardRefunds,
    Certificate,
    CertificateRequest,
    Eligibility,
    FaceVerification,
    FaceVerificationRequest,
    Health,
    Heartbeat,
    HeartbeatAck,
    IdentityCheck,
    IdentityCheckRequest,
    InsuranceRecords,
    Materials,
    PaymentCreate,
    PaymentOrder,
    PhoneUpload,
    PhoneUploadCreate,
    PurchaseRecord,
    PurchaseUpload,
    QrLogin,
    QrLoginStatus,
    RatingAccepted,
    RatingCreate,
    RefundLoad,
    RefundLoadCancel,
    RefundRequest,
    Topup,
    TopupConfirm,
    TopupRequest,
    TopupStatus,
    UtilityAccounts,
)
from backend_client.service_definition import Catalog
from backend_client.settings import BackendSettings
from backend_client.signing import (
    CLOCK_WARN_S,
    HEADER_PERSON,
    MAX_CLOCK_SKEW_S,
    TerminalCredentials,
)
from backend_client.transport import Transport

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "terminal-credentials.json"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class BackendClient:
    """Typed access to the backend for one terminal.

    ``settings.credentials`` (default ``<state_dir>/terminal-credentials.json``) holds the
    terminal's signing key; its terminal id must be ``terminal_id``.
    """

    def __init__(
        self,
        settings: BackendSettings,
        terminal_id: str,
        state_dir: Path,
        *,
        base_url: str | None = None,
        backoff_s: float = 0.25,
    ) -> None:
        if settings.url == "embedded" and base_url is None:
            raise ValueError("url 'embedded': start the backend and pass its base_url")
        cred_path = settings.credentials or state_dir / CREDENTIALS_FILE
        credentials = TerminalCredentials.load(cred_path)
        if credentials.terminal_id != terminal_id:
            raise CredentialsError(
                f"{cred_path}: credentials are for terminal {credentials.terminal_id!r}, "
                f"not {terminal_id!r}"
            )
        self.terminal_id = terminal_id
        self.state_dir = state_dir
        self.transport = Transport(
            settings, credentials, base_url=base_url, backoff_s=backoff_s
        )
        #: The backend's clock minus ours, from the last health check (None before one).
        self.clock_skew_s: float | None = None
        self._clock_state = "ok"

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _person(token: str) -> dict[str, str]:
        return {HEADER_PERSON: token}

    # -- terminal -------------------------------------------------------------------

    def health(self) -> Health:
        """Liveness, and a check of this kiosk's clock against the backend's."""
        before = time.time()
        health = self.transport.call("GET", "/health", Health)
        # The backend's time has whole seconds; the midpoint absorbs the round trip.
        self.clock_skew_s = health.server_time.timestamp() - (before + time.time()) / 2
        self._note_clock(abs(self.clock_skew_s))
        return health

    @property
    def clock_out_of_window(self) -> bool:
        """True when the clocks differ by more than the signature window: every signed
        call would be refused, so the kiosk goes out of service."""
        return self.clock_skew_s is not None and abs(self.clock_skew_s) > MAX_CLOCK_SKEW_S

    def _note_clock(self, skew: float) -> None:
        state = "out" if skew > MAX_CLOCK_SKEW_S else "warn" if skew > CLOCK_WARN_S else "ok"
        if state != self._clock_state:
            if state == "ok":
                log.info("terminal clock agrees with the backend's again")
            else:
                log.warning("terminal clock is %.0f s off the backend's (window %d s)%s",
                            skew, MAX_CLOCK_SKEW_S, "; out of service" if state == "out" else "")
        self._clock_state = state

    def heartbeat(self, heartbeat: Heartbeat) -> HeartbeatAck:
        # Not retried: the next heartbeat is the retry.
        return self.transport.call(
            "POST", "/terminals/heartbeat", HeartbeatAck, body=heartbeat, retry=False
        )

    def upload_audit(self, batch: AuditBatch, idempotency_key: str) -> AuditAck:
        return self.transport.call(
            "POST", "/audit/events", AuditAck, body=batch, idempotency_key=idempotency_key
        )

    # -- catalog and identity ------------------------------------------------------------

    def catalog(self) -> Catalog:
        return self.transport.call("GET", "/catalog", Catalog)

    def check_identity(self, request: IdentityCheckRequest) -> IdentityCheck:
        """Match card data (name, number, validity) against the platform's records.

        A check changes nothing on the backend, so it is retried like a GET.
        """
        return self.transport.call(
            "POST", "/identity/checks", IdentityCheck, body=request, retry=True
        )

    def verify_face(self, person_token: str, jpeg: bytes) -> FaceVerification:
        body = FaceVerificationRequest(
            person_token=person_token, image_base64=base64.b64encode(jpeg).decode()
        )
        return self.transport.call(
            "POST", "/identity/face-verifications", FaceVerification, body=body
        )

    def create_qr_login(self) -> QrLogin:
        return self.transport.call("POST", "/identity/qr-logins", QrLogin, retry=True)

    def poll_qr_login(self, login_id: str) -> QrLoginStatus:
        return self.transport.call("GET", f"/identity/qr-logins/{login_id}", QrLoginStatus)

    # -- person-scoped queries --------------------------------------------------------

    def insurance_records(self, person_token: str) -> InsuranceRecords:
        return self.transport.call(
            "GET", "/person/insurance-records", InsuranceRecords,
            headers=self._person(person_token),
        )

    def utility_accounts(self, person_token: str) -> UtilityAccounts:
        return self.transport.call(
            "GET", "/person/utility-accounts", UtilityAccounts,
            headers=self._person(person_token),
        )

    def bills(self, person_token: str, status: Literal["unpaid", "paid"] = "unpaid") -> list[Bill]:
        """Bills of every utility account of the person (options for a bill choice)."""
        accounts = self.utility_accounts(person_token).accounts
        return [bill for acc in accounts for bill in acc.bills if bill.status == status]

    def eligibility(self, person_token: str, service_id: str) -> Eligibility:
        """Whether the person may use ``service_id``, and if not, why (in zh and en)."""
        return self.transport.call(
            "GET", "/person/eligibility", Eligibility, headers=self._person(person_token),
            params={"service_id": service_id},
        )

    def applications(self, person_token: str) -> Applications:
        return self.transport.call(
            "GET", "/person/applications", Applications, headers=self._person(person_token)
        )

    def appointment_slots(self, service_id: str) -> AppointmentSlots:
        return self.transport.call(
            "GET", "/appointments/slots", AppointmentSlots, params={"service_id": service_id}
        )

    def book_appointment(
        self, person_token: str, slot_id: str, idempotency_key: str
    ) -> Appointment:
        body = AppointmentRequest(person_token=person_token, slot_id=slot_id)
        return self.transport.call(
            "POST", "/appointments", Appointment, body=body, idempotency_key=idempotency_key
        )

    # -- the materials library and phone uploads ---------------------------------------------

    def materials(self, person_token: str, types: list[str] | tuple[str, ...]) -> Materials:
        """The person's stored materials of ``types`` (document ids), newest first."""
        return self.transport.call(
            "GET", "/person/materials", Materials, headers=self._person(person_token),
            params={"types": ",".join(types)},
        )

    def create_phone_upload(self, request: PhoneUploadCreate, idempotency_key: str
                            ) -> PhoneUpload:
        return self.transport.call(
            "POST", "/uploads", PhoneUpload, body=request, idempotency_key=idempotency_key
        )

    def phone_upload(self, upload_id: str) -> PhoneUpload:
        return self.transport.call("GET", f"/uploads/{upload_id}", PhoneUpload)

    # -- applications and certificates -----------------------------------------------------

    def create_application(self, request: ApplicationCreate, idempotency_key: str) -> Application:
        return self.transport.call(
            "POST", "/applications", Application, body=request, idempotency_key=idempotency_key
        )

    def add_attachment(
        self, application_id: str, upload: AttachmentUpload, idempotency_key: str
    ) -> Attachment:
        return self.transport.call(
            "POST", f"/applications/{application_id}/attachments", Attachment,
            body=upload, idempotency_key=idempotency_key,
        )

    def submit_application(self, application_id: str, idempotency_key: str) -> ApplicationSubmitted:
        return self.transport.call(
            "POST", f"/applications/{application_id}/submit", ApplicationSubmitted,
            idempotency_key=idempotency_key,
        )

    def rate(self, rating: RatingCreate, idempotency_key: str) -> RatingAccepted:
        """A 好差评 rating of a finished service (POST /ratings)."""
        return self.transport.call(
            "POST", "/ratings", RatingAccepted, body=rating, idempotency_key=idempotency_key
        )

    def application(self, application_id: str) -> Application:
        return self.transport.call("GET", f"/applications/{application_id}", Application)

    def issue_certificate(self, request: CertificateRequest, idempotency_key: str) -> Certificate:
        return self.transport.call(
            "POST", "/certificates", Certificate, body=request, idempotency_key=idempotency_key
        )

    # -- payments ---------------------------------------------------------------------

    def create_payment(self, request: PaymentCreate, idempotency_key: str) -> PaymentOrder:
        """Create a QR payment order. Prefer :class:`backend_client.payments.PaymentDesk`,
        which journals the order before this call."""
        return self.transport.call(
            "POST", "/payments", PaymentOrder, body=request, idempotency_key=idempotency_key
        )

    def payment(self, order_id: str) -> PaymentOrder:
        return self.transport.call("GET", f"/payments/{order_id}", PaymentOrder)

    def close_payment(self, order_id: str, idempotency_key: str) -> PaymentOrder:
        return self.transport.call(
            "POST", f"/payments/{order_id}/close", PaymentOrder, idempotency_key=idempotency_key
        )

    def refund_payment(
        self, order_id: str, request: RefundRequest, idempotency_key: str
    ) -> PaymentOrder:
        return self.transport.call(
            "POST", f"/payments/{order_id}/refund", PaymentOrder,
            body=request, idempotency_key=idempotency_key,
        )

    def settle_bill(self, bill_id: str, order_id: str, idempotency_key: str) -> BillSettlement:
        return self.transport.call(
            "POST", f"/bills/{bill_id}/settle", BillSettlement,
            body=BillSettle(order_id=order_id), idempotency_key=idempotency_key,
        )

    # -- citizen card top-up (圈存) ---------------------------------------------------

    def request_topup(self, request: TopupRequest, idempotency_key: str) -> Topup:
        """Turn the card's MAC1 into MAC2 (the backend checks MAC1 and the paid order)."""
        return self.transport.call(
            "POST", "/cards/topups", Topup, body=request, idempotency_key=idempotency_key
        )

    def confirm_topup(
        self, topup_id: str, confirm: TopupConfirm, idempotency_key: str
    ) -> TopupStatus:
        return self.transport.call(
            "POST", f"/cards/topups/{topup_id}/confirm", TopupStatus,
            body=confirm, idempotency_key=idempotency_key,
        )

    def cancel_topup(self, topup_id: str, idempotency_key: str) -> TopupStatus:
        """Void a load the card never received; its paid order is free again."""
        return self.transport.call(
            "POST", f"/cards/topups/{topup_id}/cancel", TopupStatus,
            idempotency_key=idempotency_key,
        )

    def topup(self, topup_id: str) -> TopupStatus:
        return self.transport.call("GET", f"/cards/topups/{topup_id}", TopupStatus)

    # -- citizen card purse purchase (消费) --------------------------------------------

    def upload_purchase(self, upload: PurchaseUpload, idempotency_key: str) -> PurchaseRecord:
        """The card's TAC of a purse purchase paying an order: the backend checks the TAC,
        records the purchase in its ledger and marks the order paid."""
        return self.transport.call(
            "POST", f"/cards/{upload.card_serial}/purchases", PurchaseRecord, body=upload,
            idempotency_key=idempotency_key,
        )

    # -- refunds owed to a card (退款圈存) ----------------------------------------------

    def card_refunds(self, card_serial: str) -> CardRefunds:
        """Refunds of purse-paid orders owed to this card, not yet credited."""
        return self.transport.call("GET", f"/cards/{card_serial}/refunds", CardRefunds)

    def load_refund(self, refund_id: str, load: CardLoadRequest, key: str) -> RefundLoad:
        return self.transport.call("POST", f"/cards/refunds/{refund_id}/load", RefundLoad,
                                   body=load, idempotency_key=key)

    def confirm_refund(self, refund_id: str, confirm: TopupConfirm, key: str) -> CardRefund:
        return self.transport.call("POST", f"/cards/refunds/{refund_id}/confirm", CardRefund,
                                   body=confirm, idempotency_key=key)

    def cancel_refund_load(self, refund_id: str, online_seq: str, key: str) -> CardRefund:
        return self.transport.call(
            "POST", f"/cards/refunds/{refund_id}/cancel", CardRefund,
            body=RefundLoadCancel(online_seq=online_seq), idempotency_key=key)

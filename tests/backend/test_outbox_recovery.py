"""Outbox: queued while the backend is down, flushed in order when it answers again.
Journal recovery: open payments settled with the backend after a kiosk restart."""

from __future__ import annotations

import base64
from pathlib import Path

from backend_client.client import BackendClient
from backend_client.journal import JournalState, PaymentJournal
from backend_client.models import ApplicationCreate, AttachmentUpload
from backend_client.outbox import ApplicationDraft, Outbox
from backend_client.payments import PaymentDesk
from backend_sim.embedded import EmbeddedBackend
from backend_sim.phone import SimulatedPhone


def _draft(token: str, n: int) -> ApplicationDraft:
    return ApplicationDraft(
        create=ApplicationCreate(person_token=token, service_id="subsidy_documents",
                                 kind="subsidy", form={"household_size": str(n)}),
        attachments=(AttachmentUpload(document_id="hukou_book", content_type="image/jpeg",
                                      data_base64=base64.b64encode(b"page%d" % n).decode()),),
    )


def test_outbox_queues_when_down_and_flushes_in_order(
    client: BackendClient, backend: EmbeddedBackend, zhang_token: str, state_dir: Path
) -> None:
    outbox = Outbox(state_dir / "outbox.sqlite")
    backend.faults.inject("http_5xx", status=503)
    first = outbox.enqueue("application", _draft(zhang_token, 1), "outbox-key-0001")
    second = outbox.enqueue("application", _draft(zhang_token, 2), "outbox-key-0002")
    assert outbox.flush(client) == 0 and outbox.pending_count() == 2
    backend.faults.clear()
    assert outbox.flush(client) == 2 and outbox.pending_count() == 0
    done = outbox.entries("done")
    assert [e.id for e in done] == [first, second]
    submitted = [a for a in client.applications(zhang_token).applications
                 if a.status == "submitted"]
    assert len(submitted) == 2 and all(a.attachments == 1 for a in submitted)
    outbox.close()


def test_recover_closes_unpaid_and_returns_paid_unused(
    client: BackendClient, phone: SimulatedPhone, state_dir: Path
) -> None:
    journal = PaymentJournal(state_dir / "payments.sqlite")
    desk = PaymentDesk(client, journal)
    unpaid = desk.create(300, "工本费", "household_certificate", "service_fee")
    paid = desk.create(500, "工本费", "household_certificate", "service_fee")
    phone.pay(paid.order_id)
    # An entry journaled but never sent (the kiosk died before the call).
    journal.begin("KIOSK-NEVER-SENT-1", "never-sent-key-1", unpaid.model_dump_json(), 300)
    journal.close()

    restarted = PaymentDesk(client, PaymentJournal(state_dir / "payments.sqlite"))
    paid_unused = restarted.recover()
    assert [o.order_id for o in paid_unused] == [paid.order_id]
    j = restarted.journal
    assert j.get(unpaid.order_id).state == JournalState.CLOSED  # type: ignore[union-attr]
    never = j.get("KIOSK-NEVER-SENT-1")
    assert never is not None and never.state == JournalState.CLOSED
    assert never.note == "never_created"
    assert restarted.refund(paid.order_id, "service not delivered").status == "refunded"
    assert j.open_entries() == []
    j.close()

"""The reference backend's tables (SQLAlchemy Core): SQLite by default, any URL works.

Tables hold the fictional residents and everything the kiosks do against them. JSON
documents (forms, stored idempotent answers, certificates) are kept as text.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

metadata = sa.MetaData()


def _ts(name: str, nullable: bool = False) -> sa.Column[str]:
    # ISO-8601 text with offset: portable between SQLite and PostgreSQL.
    return sa.Column(name, sa.String(40), nullable=nullable)


terminals = sa.Table(
    "terminals", metadata,
    sa.Column("terminal_id", sa.String(32), primary_key=True),
    sa.Column("public_key", sa.String(64), nullable=False),
    sa.Column("location", sa.String(128), nullable=False, default=""),
    _ts("registered_at"),
    _ts("last_heartbeat", nullable=True),
    sa.Column("last_status", sa.Text, nullable=True),
)

residents = sa.Table(
    "residents", metadata,
    sa.Column("id_number", sa.String(18), primary_key=True),
    sa.Column("profile", sa.String(32), nullable=False, unique=True),
    sa.Column("document_type", sa.String(24), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("sex", sa.String(2), nullable=False),
    sa.Column("birth_date", sa.String(10), nullable=False),
    sa.Column("phone", sa.String(20), nullable=True),
    sa.Column("address", sa.String(128), nullable=True),
    sa.Column("valid_from", sa.String(10), nullable=True),
    sa.Column("valid_until", sa.String(10), nullable=True),  # NULL = long-term (长期)
    sa.Column("card_number", sa.String(32), nullable=True),
    sa.Column("card_blocked", sa.Boolean, nullable=False, default=False),
    sa.Column("hukou", sa.String(128), nullable=True),
)

insurance_months = sa.Table(
    "insurance_months", metadata,
    sa.Column("id_number", sa.String(18), sa.ForeignKey("residents.id_number"), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("base_fen", sa.Integer, nullable=False),
    sa.Column("personal_fen", sa.Integer, nullable=False),
    sa.Column("employer_fen", sa.Integer, nullable=False),
    sa.Column("employer", sa.String(64), nullable=False),
)

utility_accounts = sa.Table(
    "utility_accounts", metadata,
    sa.Column("account_id", sa.String(32), primary_key=True),
    sa.Column("id_number", sa.String(18), sa.ForeignKey("residents.id_number"), nullable=False),
    sa.Column("utility", sa.String(16), nullable=False),
    sa.Column("address", sa.String(128), nullable=False),
)

bills = sa.Table(
    "bills", metadata,
    sa.Column("bill_id", sa.String(40), primary_key=True),
    sa.Column("account_id", sa.String(32), sa.ForeignKey("utility_accounts.account_id")),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("amount_fen", sa.Integer, nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("due_date", sa.String(10), nullable=False),
    sa.Column("paid_order", sa.String(64), nullable=True),
)

applications = sa.Table(
    "applications", metadata,
    sa.Column("application_id", sa.String(40), primary_key=True),
    sa.Column("id_number", sa.String(18), sa.ForeignKey("residents.id_number"), nullable=False),
    sa.Column("terminal_id", sa.String(32), nullable=True),
    sa.Column("service_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("form", sa.Text, nullable=False, default="{}"),
    sa.Column("reference", sa.String(32), nullable=True),
    sa.Column("note", sa.String(128), nullable=False, default=""),
    _ts("created_at"),
    _ts("updated_at"),
)

attachments = sa.Table(
    "attachments", metadata,
    sa.Column("attachment_id", sa.String(40), primary_key=True),
    sa.Column("application_id", sa.String(40), sa.ForeignKey("applications.application_id")),
    sa.Column("document_id", sa.String(40), nullable=False),
    sa.Column("page", sa.Integer, nullable=False),
    sa.Column("content_type", sa.String(32), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

#: The materials library: one PDF per material a person submitted (backend_sim/materials.py).
materials = sa.Table(
    "materials", metadata,
    sa.Column("material_id", sa.String(40), primary_key=True),
    sa.Column("id_number", sa.String(18), nullable=False, index=True),
    sa.Column("material_type", sa.String(40), nullable=False),
    sa.Column("application_id", sa.String(40), nullable=True),
    sa.Column("submitted_on", sa.String(10), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("preview", sa.LargeBinary, nullable=True),
)

#: Upload slots a kiosk opened for the resident's phone (and the pages it sent).
phone_uploads = sa.Table(
    "phone_uploads", metadata,
    sa.Column("upload_id", sa.String(40), primary_key=True),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("document_id", sa.String(40), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    _ts("expires_at"),
    sa.Column("reason", sa.String(128), nullable=False, default=""),
    sa.Column("pages", sa.Text, nullable=False, default="[]"),
)

slots = sa.Table(
    "appointment_slots", metadata,
    sa.Column("slot_id", sa.String(40), primary_key=True),
    sa.Column("service_id", sa.String(40), nullable=False),
    _ts("starts_at"),
    sa.Column("office", sa.String(64), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("booked", sa.Integer, nullable=False, default=0),
)

appointments = sa.Table(
    "appointments", metadata,
    sa.Column("appointment_id", sa.String(40), primary_key=True),
    sa.Column("slot_id", sa.String(40), sa.ForeignKey("appointment_slots.slot_id")),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("confirmation_code", sa.String(16), nullable=False),
)

orders = sa.Table(
    "payment_orders", metadata,
    sa.Column("order_id", sa.String(128), primary_key=True),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    sa.Column("amount_fen", sa.Integer, nullable=False),
    sa.Column("description", sa.String(128), nullable=False),
    sa.Column("service_id", sa.String(40), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("bill_id", sa.String(40), nullable=True),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("refunded_fen", sa.Integer, nullable=False, default=0),
    sa.Column("used_by", sa.String(64), nullable=True),
    sa.Column("pay_token", sa.String(40), nullable=False),
    _ts("created_at"),
    _ts("expires_at"),
    _ts("paid_at", nullable=True),
)

topups = sa.Table(
    "card_topups", metadata,
    sa.Column("topup_id", sa.String(40), primary_key=True),
    sa.Column("order_id", sa.String(128), sa.ForeignKey("payment_orders.order_id"), unique=True),
    sa.Column("card_serial", sa.String(20), nullable=False),
    sa.Column("amount_fen", sa.Integer, nullable=False),
    sa.Column("old_balance_fen", sa.Integer, nullable=False),
    sa.Column("online_seq", sa.String(4), nullable=False),
    sa.Column("terminal_number", sa.String(12), nullable=False),
    sa.Column("tx_type", sa.Integer, nullable=False),
    sa.Column("host_datetime", sa.String(14), nullable=False),
    sa.Column("mac2", sa.String(8), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("tac", sa.String(8), nullable=True),
    sa.Column("new_balance_fen", sa.Integer, nullable=True),
)

#: Purse purchases (消费) the kiosks uploaded: the issuer's ledger of card debits, one row
#: per card transaction (purse serial + offline sequence), each paying one order.
purchases = sa.Table(
    "card_purchases", metadata,
    sa.Column("purchase_id", sa.String(40), primary_key=True),
    sa.Column("order_id", sa.String(128), sa.ForeignKey("payment_orders.order_id"), unique=True),
    sa.Column("card_serial", sa.String(20), nullable=False),
    sa.Column("offline_seq", sa.Integer, nullable=False),
    sa.Column("amount_fen", sa.Integer, nullable=False),
    sa.Column("old_balance_fen", sa.Integer, nullable=False),
    sa.Column("terminal_number", sa.String(12), nullable=False),
    sa.Column("terminal_seq", sa.String(8), nullable=False),
    sa.Column("tx_datetime", sa.String(14), nullable=False),
    sa.Column("tac", sa.String(8), nullable=False),
    sa.Column("recovered", sa.Boolean, nullable=False, default=False),
    sa.UniqueConstraint("card_serial", "offline_seq"),
)

#: Refunds of purse-paid orders owed to the card that paid: put back by a load (圈存)
#: at a kiosk the card is inserted into, one MAC2 at a time (status owed/loading/credited).
card_refunds = sa.Table(
    "card_refunds", metadata,
    sa.Column("refund_id", sa.String(40), primary_key=True),
    sa.Column("order_id", sa.String(128), sa.ForeignKey("payment_orders.order_id"),
              nullable=False),
    sa.Column("card_serial", sa.String(20), nullable=False, index=True),
    sa.Column("amount_fen", sa.Integer, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    # the load under way (loading) or done (credited)
    sa.Column("old_balance_fen", sa.Integer, nullable=True),
    sa.Column("online_seq", sa.String(4), nullable=True),
    sa.Column("card_random", sa.String(8), nullable=True),
    sa.Column("terminal_number", sa.String(12), nullable=True),
    sa.Column("tx_type", sa.Integer, nullable=True),
    sa.Column("host_datetime", sa.String(14), nullable=True),
    sa.Column("mac2", sa.String(8), nullable=True),
    sa.Column("tac", sa.String(8), nullable=True),
    sa.Column("new_balance_fen", sa.Integer, nullable=True),
    sa.Column("loads", sa.Integer, nullable=False, default=0),
)

certificates = sa.Table(
    "certificates", metadata,
    sa.Column("number", sa.String(32), primary_key=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("template", sa.String(32), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
)

person_tokens = sa.Table(
    "person_tokens", metadata,
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("id_number", sa.String(18), nullable=False),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    _ts("expires_at"),
    sa.Column("face_attempts", sa.Integer, nullable=False, default=0),
)

qr_logins = sa.Table(
    "qr_logins", metadata,
    sa.Column("login_id", sa.String(40), primary_key=True),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("id_number", sa.String(18), nullable=True),
    sa.Column("person_token", sa.String(64), nullable=True),
    _ts("expires_at"),
)

idempotency = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("terminal_id", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("operation", sa.String(64), nullable=False),
    sa.Column("body_sha256", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", sa.Text, nullable=False),
    _ts("created_at"),
)

ratings = sa.Table(
    "ratings", metadata,
    sa.Column("rating_id", sa.String(40), primary_key=True),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    sa.Column("service_id", sa.String(40), nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False, default="[]"),
    # The application number / order / certificate number rated (no personal data).
    sa.Column("reference", sa.String(64), nullable=False, default=""),
    _ts("created_at"),
)

audit_events = sa.Table(
    "audit_events", metadata,
    sa.Column("terminal_id", sa.String(32), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    _ts("at"),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("service_id", sa.String(40), nullable=False),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the schema created (SQLite gets WAL for concurrency)."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: object, _record: object) -> None:
            cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    metadata.create_all(engine)
    return engine


backend_secrets = sa.Table(
    "backend_secrets", metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(128), nullable=False),
)

enrolment_codes = sa.Table(
    "enrolment_codes", metadata,
    # Only the code's SHA-256 is kept: a copy of the database enrols nobody.
    sa.Column("code_sha256", sa.String(64), primary_key=True),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    _ts("issued_at"),
    _ts("expires_at"),
    _ts("used_at", nullable=True),
)

terminal_audit = sa.Table(
    "terminal_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _ts("at"),
    sa.Column("terminal_id", sa.String(32), nullable=False),
    # code_issued, enrolled, enrolment_refused, revoked
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("detail", sa.String(256), nullable=False, default=""),
)

auth_nonces = sa.Table(
    "auth_nonces", metadata,
    sa.Column("terminal_id", sa.String(32), primary_key=True),
    sa.Column("nonce", sa.String(64), primary_key=True),
    # Unix seconds after which the request's timestamp is out of the window anyway.
    sa.Column("expires_at", sa.Integer, nullable=False, index=True),
)

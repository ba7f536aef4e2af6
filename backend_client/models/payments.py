"""Payments (QR orders, idempotent), bill settlement and citizen-card top-up (圈存)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from backend_client.models.base import ApiModel, Fen, Hex, Token

OrderStatus = Literal["unpaid", "paid", "closed", "refunded"]
Purpose = Literal["service_fee", "bill", "card_topup"]


class PaymentCreate(ApiModel):
    #: Chosen by the terminal (like a merchant's out_trade_no) and journaled before the
    #: first call, so after a crash the kiosk can ask about an order it never heard back on.
    order_id: Token
    amount_fen: Fen = Field(gt=0)
    description: str = Field(min_length=1, max_length=128)
    service_id: str
    purpose: Purpose
    #: bill: the bill it settles.
    bill_id: Token | None = None
    person_token: Token | None = None


class PaymentOrder(ApiModel):
    order_id: Token
    amount_fen: Fen
    status: OrderStatus
    purpose: Purpose
    qr_url: str
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None = None
    refunded_fen: Fen = 0
    used_by: str | None = None
    #: Who receives the money, as the resident's payment app will show it.
    payee: str | None = Field(default=None, max_length=64)


class RefundRequest(ApiModel):
    amount_fen: Fen = Field(gt=0)
    reason: str = Field(min_length=1, max_length=128)


class BillSettlement(ApiModel):
    bill_id: Token
    order_id: Token
    status: Literal["paid"]
    voucher_number: str


class CardLoadRequest(ApiModel):
    """What INITIALIZE FOR LOAD returned: the card's load session the MAC2 is made for."""

    card_serial: Hex = Field(min_length=16, max_length=20)
    amount_fen: Fen = Field(gt=0)
    #: The 6-byte terminal (machine) number used in the card's MAC1, hex.
    terminal_number: Hex = Field(min_length=12, max_length=12)
    old_balance_fen: Fen
    online_seq: Hex = Field(min_length=4, max_length=4)
    key_version: int = Field(ge=0, le=255)
    alg_id: int = Field(ge=0, le=255)
    card_random: Hex = Field(min_length=8, max_length=8)
    mac1: Hex = Field(min_length=8, max_length=8)
    #: 0x02 electronic purse (EP), 0x01 electronic deposit (ED).
    tx_type: int = Field(2, ge=1, le=2)


class TopupRequest(CardLoadRequest):
    """A card load, plus the paid order that funds it."""

    order_id: Token


class Topup(ApiModel):
    topup_id: Token
    status: Literal["pending", "confirmed", "failed"]
    amount_fen: Fen
    mac2: Hex = Field(min_length=8, max_length=8)
    #: Date and time the card must use in CREDIT FOR LOAD, YYYYMMDDhhmmss.
    host_datetime: str = Field(pattern=r"^\d{14}$")
    new_balance_fen: Fen | None = None


class TopupConfirm(ApiModel):
    tac: Hex = Field(min_length=8, max_length=8)
    new_balance_fen: Fen


class TopupStatus(ApiModel):
    topup_id: Token
    status: Literal["pending", "confirmed", "failed"]
    order_id: Token
    amount_fen: Fen
    tac: Hex | None = None


class BillSettle(ApiModel):
    order_id: Token


class PurchaseUpload(ApiModel):
    """A citizen-card purse purchase (消费) the card made at this terminal, paying
    ``order_id``: what the TAC covers, and the TAC (plus the card's MAC2)."""

    order_id: Token
    card_serial: Hex = Field(min_length=16, max_length=20)
    amount_fen: Fen = Field(gt=0)
    old_balance_fen: Fen
    #: The card's offline sequence number the purchase used (INITIALIZE FOR PURCHASE).
    offline_seq: int = Field(ge=0, le=0xFFFF)
    #: The PSAM's terminal number and its transaction sequence, hex.
    terminal_number: Hex = Field(min_length=12, max_length=12)
    terminal_seq: Hex = Field(min_length=8, max_length=8)
    #: The date and time of DEBIT FOR PURCHASE, YYYYMMDDhhmmss.
    tx_datetime: str = Field(pattern=r"^\d{14}$")
    tac: Hex = Field(min_length=8, max_length=8)
    mac2: Hex = Field(min_length=8, max_length=8)
    #: Found by GET TRANSACTION PROOF on a later insert (the first answer was lost).
    recovered: bool = False


class PurchaseRecord(ApiModel):
    purchase_id: Token
    order_id: Token
    status: Literal["recorded"]
    amount_fen: Fen
    new_balance_fen: Fen
    #: The order as it stands now (paid by the purse).
    order_status: OrderStatus


RefundStatus = Literal["owed", "loading", "credited"]


class CardRefund(ApiModel):
    """A refund of a purse-paid order, owed to the card that paid it until a load (圈存)
    puts it back: ``owed`` (no load under way), ``loading`` (a MAC2 was issued for one
    card load session; a new one only after that load is cancelled), ``credited`` (the
    card's TAC confirmed)."""

    refund_id: Token
    order_id: Token
    card_serial: Hex = Field(min_length=16, max_length=20)
    amount_fen: Fen
    status: RefundStatus
    #: The load under way or done: the card's online sequence (hex) and the TAC.
    online_seq: Hex | None = None
    tac: Hex | None = None
    new_balance_fen: Fen | None = None


class CardRefunds(ApiModel):
    refunds: list[CardRefund]


class RefundLoad(ApiModel):
    """The MAC2 for CREDIT FOR LOAD of one refund into the card's load session."""

    refund_id: Token
    mac2: Hex = Field(min_length=8, max_length=8)
    host_datetime: str = Field(pattern=r"^\d{14}$")


class RefundLoadCancel(ApiModel):
    """The card never got the load with this online sequence: the MAC2 is void."""

    online_seq: Hex = Field(min_length=4, max_length=4)

"""A receipt: what a resident takes home as proof (device-independent).

The ESC/POS driver lays it out for its paper width; the journal stores it (JSON) so
staff can reprint it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReceiptLine(_Model):
    """One "label: value" line (service, reference number, time...)."""

    label: str = Field(max_length=40)
    value: str = Field(max_length=200)


class ReceiptAmount(_Model):
    """A money line; ``amount`` in yuan with two decimals."""

    label: str = Field(max_length=40)
    amount: Decimal = Field(max_digits=12, decimal_places=2)

    def formatted(self, currency: str = "￥") -> str:
        return f"{currency}{self.amount:,.2f}"


class Receipt(_Model):
    """Everything printed on one receipt, top to bottom."""

    title: str = Field(min_length=1, max_length=40)
    #: The terminal or service hall, printed small under the title.
    subtitle: str = Field("", max_length=60)
    lines: tuple[ReceiptLine, ...] = ()
    amounts: tuple[ReceiptAmount, ...] = ()
    #: Printed bold and large after the amounts.
    total: ReceiptAmount | None = None
    #: Encoded as a QR code (e.g. the verification URL of the issued document).
    qr_payload: str | None = Field(None, max_length=500)
    qr_caption: str = Field("", max_length=60)
    footer: tuple[str, ...] = ()
    printed_at: datetime | None = None
    #: The kiosk's own number for this receipt, printed and journaled.
    receipt_no: str = Field("", max_length=40)

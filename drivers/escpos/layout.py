"""Lays a :class:`~printers.receipt.Receipt` out as ESC/POS bytes for one printer model.

Widths are counted in half-width columns (a Chinese character takes two), so label and
value lines line up on the paper; text goes out in the model's Chinese encoding
(GB18030 by default) inside the Chinese character mode.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from drivers.escpos import commands as cmd
from drivers.escpos.commands import Align
from printers.receipt import Receipt


@dataclass(frozen=True)
class PrinterModel:
    """What differs between receipt printer models."""

    #: Half-width columns per line at normal size (48 on 80 mm paper, 32 on 58 mm).
    columns: int = 48
    #: Dots per line (576 on 80 mm, 384 on 58 mm) for raster images.
    dots: int = 576
    encoding: str = "gb18030"
    #: Send FS & before Chinese text (most Chinese models); off for models that are
    #: always in Chinese mode.
    chinese_mode_command: bool = True
    native_qr: bool = True
    qr_module: int = 6
    currency: str = "￥"


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _clip(text: str, width: int) -> str:
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


class ReceiptLayout:
    """Builds the bytes of one receipt for ``model``."""

    def __init__(self, model: PrinterModel) -> None:
        self.model = model

    def encode_text(self, text: str) -> bytes:
        # errors="replace" would print "?" silently; an unencodable character is a
        # data problem the caller should hear about.
        return text.encode(self.model.encoding)

    def line(self, text: str = "") -> bytes:
        return self.encode_text(text) + b"\n"

    def pair(self, label: str, value: str, columns: int | None = None) -> bytes:
        """``label ........ value`` on one line, or the value right-aligned under it."""
        columns = columns or self.model.columns
        gap = columns - display_width(label) - display_width(value)
        if gap >= 1:
            return self.line(label + " " * gap + value)
        out = self.line(_clip(label, columns))
        while value:
            chunk = _clip(value, columns)
            value = value[len(chunk) :]
            out += self.line(" " * (columns - display_width(chunk)) + chunk)
        return out

    def rule(self, char: str = "-") -> bytes:
        return self.line(char * self.model.columns)

    def qr(self, payload: str) -> bytes:
        data = payload.encode("utf-8")
        if self.model.native_qr:
            return cmd.qr_native(data, self.model.qr_module)
        return self.qr_raster(data)

    def qr_raster(self, data: bytes) -> bytes:
        """The fallback for models without ``GS ( k``: the QR as a ``GS v 0`` image."""
        import qrcode  # only a model without native QR needs it: not as the driver loads
        from qrcode.constants import ERROR_CORRECT_M

        qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=1)
        qr.add_data(data)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        scale = max(1, min(self.model.qr_module, self.model.dots // len(matrix)))
        dots = len(matrix) * scale
        width_bytes = (dots + 7) // 8
        rows = bytearray()
        for mrow in matrix:
            row = bytearray(width_bytes)
            for x in range(dots):
                if mrow[x // scale]:
                    row[x // 8] |= 0x80 >> (x % 8)
            rows += bytes(row) * scale
        return cmd.raster(bytes(rows), width_bytes, dots)

    def receipt(self, receipt: Receipt, process_id: bytes | None = None) -> bytes:
        """The whole receipt, from initialisation to cut (and the completion request)."""
        m = self.model
        out = bytearray(cmd.INIT)
        if m.chinese_mode_command:
            out += cmd.CHINESE_ON
        out += cmd.align(Align.CENTER) + cmd.bold(True) + cmd.size(2, 2)
        out += self.line(_clip(receipt.title, m.columns // 2))
        out += cmd.size(1, 1) + cmd.bold(False)
        if receipt.subtitle:
            out += self.line(_clip(receipt.subtitle, m.columns))
        out += cmd.align(Align.LEFT) + self.rule("=")
        if receipt.receipt_no:
            out += self.pair("No.", receipt.receipt_no)
        if receipt.printed_at is not None:
            out += self.pair("", receipt.printed_at.strftime("%Y-%m-%d %H:%M:%S"))
        for item in receipt.lines:
            out += self.pair(item.label, item.value)
        if receipt.amounts or receipt.total:
            out += self.rule("-")
        for amount in receipt.amounts:
            out += self.pair(amount.label, amount.formatted(m.currency))
        if receipt.total is not None:
            out += cmd.bold(True) + cmd.size(1, 2)
            out += self.pair(receipt.total.label, receipt.total.formatted(m.currency))
            out += cmd.size(1, 1) + cmd.bold(False)
        out += self.rule("-")
        if receipt.qr_payload:
            out += cmd.align(Align.CENTER) + self.qr(receipt.qr_payload) + b"\n"
            if receipt.qr_caption:
                out += self.line(_clip(receipt.qr_caption, m.columns))
            out += cmd.align(Align.LEFT)
        if receipt.footer:
            out += cmd.align(Align.CENTER)
            for text in receipt.footer:
                out += self.line(_clip(text, m.columns))
            out += cmd.align(Align.LEFT)
        if m.chinese_mode_command:
            out += cmd.CHINESE_OFF
        out += cmd.feed_lines(2) + cmd.cut()
        if process_id is not None:
            out += cmd.process_id_request(process_id)
        return bytes(out)

"""The drawn pieces of a certificate that platypus has no flowable for."""

from __future__ import annotations

from io import BytesIO

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.colors import Color
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

#: The red of Chinese official headings and seals.
OFFICIAL_RED = Color(0.78, 0.06, 0.08)


class TitleBlock(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """The centred title, stroked to look like a heavy headline face, over a red double rule."""

    def __init__(self, text: str, font: str, size: float, width: float) -> None:
        super().__init__()
        self.text = text
        self.font = font
        self.size = size
        self.width = width
        self.height = size * 1.6 + 8

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        c = self.canv
        size = self.size
        while stringWidth(self.text, self.font, size) * 1.12 > self.width and size > 10:
            size -= 1
        c.saveState()
        text = c.beginText()
        text.setTextRenderMode(2)  # fill and stroke: a bolder face than the font has
        c.setLineWidth(size / 30)
        text.setFont(self.font, size)
        # Chinese titles are letter-spaced in official documents; Latin ones are not.
        spacing = 0.0 if self.text.isascii() else size * 0.12
        text.setCharSpace(spacing)
        w = stringWidth(self.text, self.font, size) + spacing * (len(self.text) - 1)
        text.setTextOrigin((self.width - w) / 2, 10 + size * 0.4)
        text.textOut(self.text)
        c.drawText(text)
        c.setStrokeColor(OFFICIAL_RED)
        c.setLineWidth(1.6)
        c.line(0, 4, self.width, 4)
        c.setLineWidth(0.5)
        c.line(0, 1, self.width, 1)
        c.restoreState()


class QrCode(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A vector QR code of ``payload`` (crisp at any printer resolution)."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self.payload = payload
        self.size = size
        self.width = size
        self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2)
        qr.add_data(self.payload)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        module = self.size / len(matrix)
        c = self.canv
        c.saveState()
        c.setFillColorRGB(0, 0, 0)
        for r, row in enumerate(matrix):
            y = self.size - (r + 1) * module
            col = 0
            while col < len(row):
                if not row[col]:
                    col += 1
                    continue
                start = col
                while col < len(row) and row[col]:
                    col += 1
                # One rectangle per dark run, slightly overlapping to leave no hairlines.
                c.rect(start * module, y, (col - start) * module, module * 1.02, stroke=0, fill=1)
        c.restoreState()


class IssuerBlock(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Issuer and date, right-aligned, with the seal stamped over them when there is one."""

    def __init__(
        self,
        lines: list[str],
        font: str,
        size: float,
        seal_png: bytes | None,
        seal_size: float,
    ) -> None:
        super().__init__()
        self.lines = lines
        self.font = font
        self.size = size
        self.seal = ImageReader(BytesIO(seal_png)) if seal_png else None
        self.seal_size = seal_size
        self.width = 0.0
        self.height = max(seal_size, len(lines) * size * 1.8)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        widest = max(stringWidth(line, self.font, self.size) for line in self.lines)
        right = self.width
        text_top = self.height / 2 + len(self.lines) * self.size * 0.9
        c.setFont(self.font, self.size)
        for i, line in enumerate(self.lines):
            c.drawRightString(right, text_top - (i + 1) * self.size * 1.8, line)
        if self.seal is not None:
            # Stamped across the issuer's name and the date, as a seal is on paper.
            cx = right - widest / 2
            c.drawImage(
                self.seal,
                cx - self.seal_size / 2,
                (self.height - self.seal_size) / 2,
                self.seal_size,
                self.seal_size,
                mask="auto",
            )
        c.restoreState()

"""Renders a :class:`CertificateData` to an A4 PDF with reportlab.

Every glyph is set in an embedded, subset TrueType font (so the text is extractable
and prints the same on any printer); the verification URL is a vector QR code; long
tables break across pages with their header repeated; every page carries the
certificate number and "page n of N". Output is byte-for-byte reproducible for the same
data (reportlab's invariant mode), which makes reprints identical.
"""

from __future__ import annotations

import logging
from io import BytesIO
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable

from printers.certificate.data import CertificateData
from printers.certificate.flowables import OFFICIAL_RED, IssuerBlock, QrCode, TitleBlock
from printers.certificate.labels import LABELS, CertificateLabels
from printers.certificate.templates import CertificateTemplate, template_for
from printers.fonts import register_font

log = logging.getLogger(__name__)

# Images (the seal, the QR code) go into the PDF as binary streams, not ASCII85 text:
# reportlab's pure-Python ASCII85 encoder was a third of a warm render, and nothing
# that reads our PDFs (CUPS, QtPdf, pdftotext) needs a 7-bit file.
rl_config.useA85 = 0

PAGE_WIDTH, PAGE_HEIGHT = A4
#: Margins of Chinese official documents (GB/T 9704: 37 mm top, 28 mm left; we keep a
#: little less top margin because a certificate has no red letterhead above the title).
MARGIN_TOP = 30 * mm
MARGIN_BOTTOM = 25 * mm
MARGIN_LEFT = 26 * mm
MARGIN_RIGHT = 24 * mm
GRID = colors.Color(0.35, 0.35, 0.35)
HEADER_FILL = colors.Color(0.92, 0.92, 0.92)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Defers each page so the footer can say "page n of N" (N is known only at the end)."""

    footer_text: tuple[CertificateLabels, str, str] | None = None
    #: Replaces reportlab's default Helvetica, which would be an unembedded font.
    initial_font = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["initialFontName"] = self.initial_font or kwargs.get("initialFontName")
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        if self.footer_text is None:
            return
        labels, number, font = self.footer_text
        self.saveState()
        self.setFont(font, 8.5)
        self.setFillColor(colors.Color(0.3, 0.3, 0.3))
        y = MARGIN_BOTTOM - 12 * mm
        self.drawString(MARGIN_LEFT, y, f"{labels.number}{labels.colon}{number}")
        self.drawRightString(
            PAGE_WIDTH - MARGIN_RIGHT, y, labels.page.format(page=self._pageNumber, total=total)
        )
        self.setStrokeColor(colors.Color(0.6, 0.6, 0.6))
        self.setLineWidth(0.4)
        self.line(MARGIN_LEFT, y + 11, PAGE_WIDTH - MARGIN_RIGHT, y + 11)
        self.restoreState()


class CertificateRenderer:
    """Renders certificates to PDF bytes. Stateless apart from registered fonts; reusable."""

    def __init__(self) -> None:
        self._serif = register_font("serif")
        self._sans = register_font("sans")

    def render(self, data: CertificateData) -> bytes:
        """The certificate as an A4 PDF (bytes), ready to preview or send to a printer."""
        template = template_for(data.template)
        labels = LABELS[data.language]
        out = BytesIO()
        doc = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=data.title,
            author=data.issuer,
            subject=data.number,
            creator="govkiosk",
            lang="zh-CN" if data.language == "zh" else "en",
            invariant=True,
        )
        footer = (labels, data.number, self._sans)

        class _Canvas(_NumberedCanvas):
            footer_text = footer
            initial_font = self._serif

        story = self._story(data, template, labels, doc.width)
        doc.build(story, canvasmaker=_Canvas)
        pdf = out.getvalue()
        log.info(
            "rendered certificate %s (%s, %s): %d bytes",
            data.number,
            data.template,
            data.language,
            len(pdf),
        )
        return pdf

    # -- the story ------------------------------------------------------------------

    def _styles(self, lang: str) -> dict[str, ParagraphStyle]:
        wrap = "CJK" if lang == "zh" else None
        # The Ming face's Latin letters are fixed-width and look typed; English
        # certificates are set in the sans face, which also has every CJK glyph.
        body = ParagraphStyle(
            "body", fontName=self._body_font(lang), fontSize=11.5, leading=18, wordWrap=wrap
        )
        return {
            "body": body,
            "meta": ParagraphStyle("meta", parent=body, fontName=self._sans, fontSize=9.5,
                                   leading=13, alignment=TA_RIGHT),
            "label": ParagraphStyle("label", parent=body, fontName=self._sans, fontSize=10.5),
            "value": body,
            "big": ParagraphStyle("big", parent=body, fontSize=14, leading=20),
            "heading": ParagraphStyle("heading", parent=body, fontName=self._sans,
                                      fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
            "cell": ParagraphStyle("cell", parent=body, fontSize=10, leading=13),
            "cell_num": ParagraphStyle("cell_num", parent=body, fontSize=10, leading=13,
                                       alignment=TA_RIGHT),
            "head": ParagraphStyle("head", parent=body, fontName=self._sans, fontSize=10,
                                   leading=13, alignment=TA_CENTER),
            "note": ParagraphStyle("note", parent=body, fontSize=9.5, leading=14,
                                   leftIndent=14, firstLineIndent=-14),
            "small": ParagraphStyle("small", parent=body, fontName=self._sans, fontSize=7.5,
                                    leading=10, alignment=TA_LEFT, wordWrap="CJK"),
        }  # fmt: skip

    def _body_font(self, lang: str) -> str:
        return self._serif if lang == "zh" else self._sans

    def _story(
        self,
        data: CertificateData,
        template: CertificateTemplate,
        labels: CertificateLabels,
        width: float,
    ) -> list[Flowable]:
        st = self._styles(data.language)
        story: list[Flowable] = [
            Paragraph(f"{_escape(labels.number)}{labels.colon}{_escape(data.number)}", st["meta"]),
            Spacer(1, 4 * mm),
            TitleBlock(data.title, self._sans, 22, width),
            Spacer(1, 6 * mm),
            self._fields_table(data, template, labels, st, width),
        ]
        if data.table is not None and data.table.rows:
            if template.table_caption:
                story.append(
                    Paragraph(_escape(template.table_caption[data.language]), st["heading"])
                )
            story.append(self._data_table(data, template, st, width))
        if data.notes:
            story.append(Paragraph(_escape(labels.notes), st["heading"]))
            for i, note in enumerate(data.notes, 1):
                story.append(Paragraph(f"{i}. {_escape(note)}", st["note"]))
        story.append(Spacer(1, 8 * mm))
        story.append(KeepTogether(self._closing(data, labels, st, width)))
        return story

    def _fields_table(
        self,
        data: CertificateData,
        template: CertificateTemplate,
        labels: CertificateLabels,
        st: dict[str, ParagraphStyle],
        width: float,
    ) -> Table:
        pairs = [(labels.holder_name, data.holder.name), (labels.holder_id, data.holder.id_number)]
        pairs += [(f.label, f.value) for f in data.fields]

        def value(label: str, text: str) -> Paragraph:
            style = st["big"] if label in template.emphasised_labels else st["value"]
            return Paragraph(_escape(text) or "—", style)

        label_w = 30 * mm
        if not template.two_column_fields:
            rows = [
                [Paragraph(_escape(label), st["label"]), value(label, text)]
                for label, text in pairs
            ]
            table = Table(rows, colWidths=[label_w + 6 * mm, width - label_w - 6 * mm])
            table.setStyle(self._grid_style(shade_columns=(0,)))
            return table
        # Two label/value pairs per row; a value too wide for half the row gets a row of
        # its own (value spanning the right three cells) so nothing wraps needlessly.
        value_w = width / 2 - label_w
        rows = []
        spans: list[int] = []
        pending: list[tuple[str, str]] = []

        def flush() -> None:
            row: list[Any] = []
            for label, text in pending:
                row += [Paragraph(_escape(label), st["label"]), value(label, text)]
            if len(pending) == 1:
                spans.append(len(rows))
                row += ["", ""]
            rows.append(row)
            pending.clear()

        for label, text in pairs:
            fits = stringWidth(text, st["value"].fontName, st["value"].fontSize) < value_w - 12
            if not fits:
                if pending:
                    flush()
                pending.append((label, text))
                flush()
                continue
            pending.append((label, text))
            if len(pending) == 2:
                flush()
        if pending:
            flush()
        table = Table(rows, colWidths=[label_w, value_w, label_w, value_w])
        table.setStyle(self._grid_style(shade_columns=(0, 2)))
        for r in spans:
            table.setStyle(
                TableStyle([("SPAN", (1, r), (3, r)), ("BACKGROUND", (2, r), (2, r), colors.white)])
            )
        return table

    def _grid_style(self, shade_columns: tuple[int, ...]) -> TableStyle:
        return TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self._serif),  # else Table's Helvetica leaks in
            ("GRID", (0, 0), (-1, -1), 0.6, GRID),
            ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            *[("BACKGROUND", (c, 0), (c, -1), HEADER_FILL) for c in shade_columns],
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ])  # fmt: skip

    def _data_table(
        self,
        data: CertificateData,
        template: CertificateTemplate,
        st: dict[str, ParagraphStyle],
        width: float,
    ) -> Table:
        assert data.table is not None
        columns = data.table.columns
        numeric = template.numeric_columns(data.table.rows, len(columns))
        rows: list[list[Any]] = [[Paragraph(_escape(c), st["head"]) for c in columns]]
        for row in data.table.rows:
            rows.append([
                Paragraph(_escape(cell), st["cell_num"] if i in numeric else st["cell"])
                for i, cell in enumerate(row)
            ])  # fmt: skip
        weights = template.column_weights or tuple(1.0 for _ in columns)
        total = sum(weights)
        table = Table(rows, colWidths=[width * w / total for w in weights], repeatRows=1)
        table.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self._serif),
            ("GRID", (0, 0), (-1, -1), 0.5, GRID),
            ("BOX", (0, 0), (-1, -1), 1.0, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.97, 0.97, 0.97)]),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]))  # fmt: skip
        return table

    def _closing(
        self,
        data: CertificateData,
        labels: CertificateLabels,
        st: dict[str, ParagraphStyle],
        width: float,
    ) -> list[Flowable]:
        qr_size = 30 * mm
        issuer = IssuerBlock(
            [
                f"{labels.issuer}{labels.colon}{data.issuer}",
                f"{labels.issued_on}{labels.colon}{labels.date(data.issued_at)}",
            ],
            self._body_font(data.language),
            12,
            data.seal_png(),
            42 * mm,
        )
        verify = [
            QrCode(data.verification_url, qr_size),
            Paragraph(_escape(labels.verify), ParagraphStyle(
                "qrcap", parent=st["small"], alignment=TA_CENTER, fontSize=8.5)),
        ]  # fmt: skip
        row = Table(
            [[verify, issuer]],
            colWidths=[qr_size + 6 * mm, width - qr_size - 6 * mm],
            style=TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), self._serif),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (0, 0), 0),
                ]
            ),
        )
        return [
            row,
            Spacer(1, 3 * mm),
            HRFlowable(width="100%", thickness=0.4, color=OFFICIAL_RED),
            Spacer(1, 1.5 * mm),
            Paragraph(
                f"{_escape(labels.verify_hint)} {_escape(data.verification_url)}", st["small"]
            ),
        ]

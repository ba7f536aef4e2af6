"""Certificate PDFs: fonts embedded, text extractable, QR decodes, long tables paginate."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from printers.certificate import CertificateData, CertificateRenderer
from printers.certificate.sample import sample_certificate, sample_certificate_json
from printers.certificate.templates import TEMPLATES
from printers.errors import CertificateDataError


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


def _write(tmp_path: Path, pdf: bytes, name: str = "c.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _pdffonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    return [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]


def _page_png(path: Path, page: int, dpi: int = 150) -> Image.Image:
    out = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(path)],
        check=True,
        capture_output=True,
    )
    return Image.open(BytesIO(out.stdout))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_font_is_embedded_and_subset(
    renderer: CertificateRenderer, tmp_path: Path, lang: str
) -> None:
    path = _write(tmp_path, renderer.render(sample_certificate(lang)))
    fonts = _pdffonts(path)
    assert fonts, "pdffonts listed no font"
    for row in fonts:
        name, emb, sub = row[0], row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), f"font {name} not embedded/subset: {row}"
        assert "+" in name


def test_chinese_text_is_extractable(renderer: CertificateRenderer, tmp_path: Path) -> None:
    data = sample_certificate("zh")
    path = _write(tmp_path, renderer.render(data))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in ("社会保险参保缴费证明", "张伟", "正常参保", data.number, "缴费明细", "说明"):
        assert expected in text.replace(" ", "")
    assert "北京市社会保险事业管理中心" in text.replace(" ", "")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_qr_decodes_to_the_verification_url(
    renderer: CertificateRenderer, tmp_path: Path, lang: str
) -> None:
    data = sample_certificate(lang, months=6)
    path = _write(tmp_path, renderer.render(data))
    pages = len(PdfReader(path).pages)
    found = zxingcpp.read_barcodes(_page_png(path, pages))
    assert [b.text for b in found if b.format == zxingcpp.BarcodeFormat.QRCode] == [
        data.verification_url
    ]


def test_long_table_paginates_with_repeated_header_and_page_numbers(
    renderer: CertificateRenderer, tmp_path: Path
) -> None:
    data = sample_certificate("zh", months=150)
    reader = PdfReader(_write(tmp_path, renderer.render(data)))
    total = len(reader.pages)
    assert total >= 4
    all_months = {row[0] for row in data.table.rows} if data.table else set()
    seen: set[str] = set()
    for n, page in enumerate(reader.pages, 1):
        text = page.extract_text().replace(" ", "")
        assert f"第{n}页/共{total}页" in text
        assert data.number in text
        months = {m for m in all_months if m in text}
        if months:
            assert "缴费基数" in text, f"page {n} has table rows but no header"
        seen |= months
    assert seen == all_months, "some table rows are missing from the PDF"


def test_english_certificate_uses_english_labels(
    renderer: CertificateRenderer, tmp_path: Path
) -> None:
    reader = PdfReader(_write(tmp_path, renderer.render(sample_certificate("en", months=3))))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Certificate No." in text and "Page 1 of" in text and "Date of issue" in text
    assert "21 November 2026" in text


def test_a4_and_reproducible(renderer: CertificateRenderer) -> None:
    data = sample_certificate("zh", months=3)
    first, second = renderer.render(data), renderer.render(data)
    assert first == second
    box = PdfReader(BytesIO(first)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_without_seal_or_table(
    renderer: CertificateRenderer, template: str
) -> None:
    obj = sample_certificate_json("zh", seal=False)
    obj.update(template=template, table=None, notes=[])
    reader = PdfReader(BytesIO(renderer.render(CertificateData.from_json(obj))))
    assert len(reader.pages) == 1
    assert "张伟" in reader.pages[0].extract_text()


def test_seal_is_drawn_when_present(renderer: CertificateRenderer) -> None:
    with_seal = renderer.render(sample_certificate("zh", months=3, seal=True))
    without = renderer.render(sample_certificate("zh", months=3, seal=False))
    assert len(PdfReader(BytesIO(with_seal)).pages[-1].images) == 1
    assert len(PdfReader(BytesIO(without)).pages[-1].images) == 0


def test_markup_in_data_is_printed_literally(renderer: CertificateRenderer) -> None:
    obj = sample_certificate_json("zh", months=1, seal=False)
    obj["fields"] = [{"label": "备注", "value": "<b>A & B</b>"}]
    text = PdfReader(BytesIO(renderer.render(CertificateData.from_json(obj)))).pages[0]
    assert "<b>A & B</b>" in text.extract_text()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"template": "driving_licence"}, "template"),
        ({"issued_at": "yesterday"}, "issued_at"),
        ({"verification_url": "javascript:alert(1)"}, "verification_url"),
        ({"seal_png_base64": "aGVsbG8="}, "seal_png_base64"),
        ({"table": {"columns": ["a", "b"], "rows": [["1"]]}}, "table.rows"),
        ({"holder": {"name": ""}}, "holder"),
    ],
)
def test_bad_data_is_rejected_naming_the_field(change: dict[str, object], field: str) -> None:
    obj = sample_certificate_json("zh", months=1, seal=False)
    obj.update(change)
    with pytest.raises(CertificateDataError, match=field.replace(".", r"\.")):
        CertificateData.from_json(obj)


def test_from_json_accepts_text_and_ignores_unknown_keys() -> None:
    obj = sample_certificate_json("en", months=1, seal=False)
    obj["future_field"] = 1
    data = CertificateData.from_json(CertificateData.from_json(obj).to_json())
    assert data.number == obj["number"]

"""One PDF per material: a document's pages (camera JPEGs, scanner PNGs) as A4 pages.

The backend stores one PDF per material, so the scan step turns a document's pages
into one file under a size cap. Pages are re-encoded as JPEG (grey when they are grey,
as the camera's enhanced pages are) and fitted to A4 at up to 200 dpi; when the file
would exceed the cap, quality and then resolution are lowered step by step. A document
that cannot fit even then is refused with a message, never cut silently.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image as PilImage
from PIL import ImageOps

from kiosk_base.errors import UserFacingError

#: A4's long side in inches; pages are laid out at the dpi that makes them A4.
_A4_LONG_IN = 11.69
#: (JPEG quality, scale) tried in order until the PDF fits the cap.
_LADDER = ((85, 1.0), (70, 1.0), (55, 0.85), (45, 0.7), (35, 0.55), (30, 0.4))
_MAX_LONG_PX = 2339  # A4 at 200 dpi


@dataclass(frozen=True, repr=False)
class DocumentPdf:
    data: bytes
    pages: int

    def __repr__(self) -> str:  # a resident's document never goes to a log
        return f"DocumentPdf({self.pages} pages, {len(self.data)} bytes)"


class DocumentTooLargeError(UserFacingError):
    """The pages do not fit the PDF size cap even at the lowest quality."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__("scan.pdf_too_large", {"max_kb": str(max_bytes // 1000)})


def _page(data: bytes) -> PilImage.Image:
    image: PilImage.Image = PilImage.open(io.BytesIO(data))
    image = ImageOps.exif_transpose(image) or image
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if image.mode == "RGB":
        r, g, b = image.split()
        # A grey page in colour clothing (the camera's enhanced pages are BGR grey).
        if r.tobytes() == g.tobytes() == b.tobytes():
            image = r
    long_side = max(image.size)
    if long_side > _MAX_LONG_PX:
        factor = _MAX_LONG_PX / long_side
        image = image.resize((max(1, round(image.width * factor)),
                              max(1, round(image.height * factor))), PilImage.Resampling.LANCZOS)
    return image


def _render(pages: Sequence[PilImage.Image], quality: int, scale: float) -> bytes:
    sized = [p if scale == 1.0 else p.resize(
        (max(1, round(p.width * scale)), max(1, round(p.height * scale))),
        PilImage.Resampling.LANCZOS) for p in pages]
    buf = io.BytesIO()
    first, rest = sized[0], list(sized[1:])
    dpi = max(36.0, max(first.size) / _A4_LONG_IN)
    first.save(buf, "PDF", save_all=True, append_images=rest, resolution=dpi,
               quality=quality, title="", author="", producer="govkiosk")
    return buf.getvalue()


def build_pdf(pages: Sequence[bytes], max_bytes: int) -> DocumentPdf:
    """The pages (image files) in order as one PDF of at most ``max_bytes``."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    images = [_page(data) for data in pages]
    for quality, scale in _LADDER:
        pdf = _render(images, quality, scale)
        if len(pdf) <= max_bytes:
            return DocumentPdf(pdf, len(images))
    raise DocumentTooLargeError(max_bytes)

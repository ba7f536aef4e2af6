"""The materials library and phone uploads of the reference backend (the logic).

A material is one PDF per document type a person submitted with an application; it is
kept when the application is submitted (the same file twice is kept once) and offered
to later services through ``GET /v1/person/materials``. Phone uploads turn what the
resident's phone sent (JPEG/PNG images or a PDF of page images) into JPEG pages.
"""

from __future__ import annotations

import hashlib
import io
import logging

import sqlalchemy as sa
from PIL import Image as PilImage
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from backend_sim import db
from backend_sim.http import ApiError, new_id
from backend_sim.state import BackendState

log = logging.getLogger(__name__)

#: A phone file may hold at most this many pages, and be this large.
MAX_PHONE_PAGES = 10
MAX_PHONE_BYTES = 10_000_000
_PREVIEW_PX = 360


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF; 422 invalid_pdf when it is not one."""
    if not data.startswith(b"%PDF-"):
        raise ApiError(422, "invalid_pdf", "the attachment is not a PDF")
    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ApiError(422, "invalid_pdf", f"the PDF cannot be read: {type(exc).__name__}"
                       ) from None


def page_images(pdf: bytes) -> list[bytes]:
    """Each page's (largest) image as JPEG: the pages of a scanned or photographed PDF."""
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        images = list(page.images)
        if not images:
            raise ApiError(422, "unsupported_pdf", "a page holds no image")
        biggest = max(images, key=lambda im: len(im.data))
        out.append(_as_jpeg(biggest.data))
    return out


def _as_jpeg(data: bytes, max_px: int = 2339, quality: int = 85) -> bytes:
    try:
        image: PilImage.Image = PilImage.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError) as exc:
        raise ApiError(422, "unsupported_file", f"not an image: {type(exc).__name__}") from None
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.thumbnail((max_px, max_px))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def preview(pdf: bytes) -> bytes | None:
    """A small JPEG of the first page, or None when the PDF's page has no image."""
    try:
        first = PdfReader(io.BytesIO(pdf)).pages[0]
        images = list(first.images)
    except (PdfReadError, ValueError, KeyError, IndexError):
        return None
    if not images:
        return None
    return _as_jpeg(max(images, key=lambda im: len(im.data)).data, _PREVIEW_PX, 75)


def phone_pages(content_type: str, data: bytes) -> list[bytes]:
    """The JPEG pages of a file from the phone (422 with a reason when unusable)."""
    if len(data) > MAX_PHONE_BYTES:
        raise ApiError(422, "file_too_large", "the file is too large")
    pages = page_images(data) if content_type == "application/pdf" else [_as_jpeg(data)]
    if len(pages) > MAX_PHONE_PAGES:
        raise ApiError(422, "too_many_pages", f"at most {MAX_PHONE_PAGES} pages")
    return pages


def keep_submitted(state: BackendState, application_id: str) -> int:
    """Put the PDFs of a submitted application into its person's library; how many."""
    att, apps, lib = db.attachments, db.applications, db.materials
    kept = 0
    with state.engine.begin() as conn:
        app = conn.execute(sa.select(apps.c.id_number).where(
            apps.c.application_id == application_id)).first()
        if app is None:
            return 0
        rows = conn.execute(sa.select(att).where(
            att.c.application_id == application_id,
            att.c.content_type == "application/pdf")).all()
        for row in rows:
            known = conn.execute(sa.select(lib.c.material_id).where(
                lib.c.id_number == app.id_number, lib.c.material_type == row.document_id,
                lib.c.sha256 == row.sha256)).first()
            if known is not None:
                continue
            conn.execute(sa.insert(lib).values(
                material_id=new_id("mat"), id_number=app.id_number,
                material_type=row.document_id, application_id=application_id,
                submitted_on=state.now().date().isoformat(), pages=pdf_pages(row.data),
                sha256=row.sha256, data=row.data, preview=preview(row.data)))
            kept += 1
    log.info("materials: %d kept from a submitted application", kept)
    return kept


def store(state: BackendState, id_number: str, material_type: str, pdf: bytes,
          submitted_on: str) -> str:
    """Put a PDF into a person's library directly (the seed's stored material)."""
    material_id = new_id("mat")
    with state.engine.begin() as conn:
        conn.execute(sa.insert(db.materials).values(
            material_id=material_id, id_number=id_number, material_type=material_type,
            application_id=None, submitted_on=submitted_on, pages=pdf_pages(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(), data=pdf, preview=preview(pdf)))
    return material_id


def material_for(state: BackendState, id_number: str, material_id: str,
                 material_type: str) -> bytes:
    """The stored PDF, if it is this person's material of this type (else 404)."""
    lib = db.materials
    with state.engine.connect() as conn:
        row = conn.execute(sa.select(lib.c.data).where(
            lib.c.material_id == material_id, lib.c.id_number == id_number,
            lib.c.material_type == material_type)).first()
    if row is None:
        raise ApiError(404, "not_found", "no such stored material for this person")
    return bytes(row.data)

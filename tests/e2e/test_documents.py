"""Scanned materials end to end: the real kiosk, the document camera and the flatbed,
the materials library and the resident's phone; each material one PDF on the backend.

The backend's stored PDFs are read back from its database (the state dir's
reference-backend.sqlite) and their pages counted with pypdf.
"""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from personal_data import assert_no_personal_data_left
from pypdf import PdfReader
from test_scenarios import crash_free, run_scenario

pytestmark = pytest.mark.e2e

WANG_FANG = "440305194209150287"
ZHANG_WEI = "110101195803070230"


def stored(state: Path) -> list[tuple[str, str, str, int, bytes]]:
    """(application, id number, document, pages, PDF) of every PDF attachment, in order."""
    with sqlite3.connect(state / "reference-backend.sqlite") as db:
        rows = db.execute(
            "SELECT a.application_id, p.id_number, a.document_id, a.data FROM attachments a"
            " JOIN applications p ON p.application_id = a.application_id"
            " WHERE a.content_type = 'application/pdf' ORDER BY p.created_at, a.document_id"
        ).fetchall()
    return [(app, who, doc, len(PdfReader(io.BytesIO(data)).pages), data)
            for app, who, doc, data in rows]


def library(state: Path, id_number: str) -> dict[str, list[int]]:
    with sqlite3.connect(state / "reference-backend.sqlite") as db:
        rows = db.execute("SELECT material_type, pages FROM materials WHERE id_number = ?",
                          (id_number,)).fetchall()
    out: dict[str, list[int]] = {}
    for kind, pages in rows:
        out.setdefault(kind, []).append(pages)
    return out


def test_camera_and_flatbed_each_become_one_pdf_and_are_reused(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("documents_camera", tmp_path)
    assert transcript[-1]["ok"] is True
    crash_free(state)
    pdfs = stored(state)
    first, second = pdfs[:2], pdfs[2:]
    assert [(who, doc, pages) for _, who, doc, pages, _ in first] == [
        (WANG_FANG, "hukou_book", 3), (WANG_FANG, "income_proof", 1)]
    assert [(who, doc, pages) for _, who, doc, pages, _ in second] == [
        (WANG_FANG, "hukou_book", 3), (WANG_FANG, "income_proof", 1)]
    assert first[0][0] != second[0][0]  # two applications
    assert second[0][4] == first[0][4]  # the household book reused: the very same PDF
    assert library(state, WANG_FANG)["hukou_book"] == [3]  # kept once
    # Nothing of the pages is left on the kiosk once the session ended, nor logged.
    assert_no_personal_data_left(state)


def test_stored_copy_and_a_file_from_the_phone(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("documents_phone", tmp_path)
    assert transcript[-1]["ok"] is True
    crash_free(state)
    mine = [(doc, pages, data) for _, who, doc, pages, data in stored(state) if who == ZHANG_WEI]
    assert [(doc, pages) for doc, pages, _ in mine] == [("hukou_book", 1), ("income_proof", 2)]
    with sqlite3.connect(state / "reference-backend.sqlite") as db:
        seeded = db.execute("SELECT data FROM materials WHERE material_id = 'mat-seed-0001'"
                            ).fetchone()[0]
    assert mine[0][2] == seeded  # the copy submitted on 2026-11-20
    for name in ("scan-offer-zh", "scan-offer-en", "scan-phone-en", "scan-pages-zh-large"):
        assert (tmp_path / "out" / f"{name}.png").stat().st_size > 0

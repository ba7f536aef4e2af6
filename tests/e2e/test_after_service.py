"""After the form, through the real app: delivery by mail, the application receipt with
its progress QR code, the 好差评 rating, a signed application. Each checks what reached
the reference backend (its database in the run's state dir) and what was left behind.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from kiosk_process import run_kiosk
from test_scenarios import SCENARIOS, crash_free, run_scenario

pytestmark = pytest.mark.e2e


def _rows(state: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(state / "reference-backend.sqlite")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _nothing_left(state: Path, *secrets: str) -> None:
    sessions = state / "sessions"
    assert not (sessions.exists() and any(p.is_file() for p in sessions.rglob("*")))
    for path in (state / "log").rglob("*"):
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        for secret in secrets:
            assert secret not in text, f"{secret} in {path}"


def test_mailed_elderly_card_receipt_and_rating(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("elderly_card_mailed", tmp_path)
    assert transcript[-1]["ok"] is True
    crash_free(state)
    (app,) = _rows(state, "SELECT * FROM applications WHERE service_id='elderly_card' "
                          "AND terminal_id='KIOSK-SIM-0001'")
    form = json.loads(app["form"])
    assert form["delivery_method"] == "mail" and form["delivery_phone"] == "13912345678"
    assert form["delivery_address"] == "北京市东城区景山前街4号"
    assert form["delivery_name"] == "张伟" and app["status"] == "submitted"
    # The receipt printed: the application number and its progress page as a QR code.
    conn = sqlite3.connect(state / "print-journal.sqlite")
    payloads = [json.loads(p) for (p,) in conn.execute(
        "SELECT payload FROM print_jobs WHERE kind='receipt'")]
    conn.close()
    (receipt,) = payloads
    assert receipt["qr_payload"].endswith(f"/progress/{app['reference']}")
    assert any(line["value"] == app["reference"] for line in receipt["lines"])
    assert any("5个工作日" in line["value"] for line in receipt["lines"])
    (rating,) = _rows(state, "SELECT * FROM ratings")
    assert (rating["service_id"], rating["level"], rating["reference"]) == (
        "elderly_card", 2, app["reference"])
    assert json.loads(rating["reasons"]) == ["slow"]
    _nothing_left(state, "13912345678", "景山前街4号")


def test_signed_subsidy_application(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("subsidy_signed", tmp_path)
    assert transcript[-1]["ok"] is True
    crash_free(state)
    (app,) = _rows(state, "SELECT * FROM applications WHERE service_id='subsidy_documents' "
                   "AND terminal_id='KIOSK-SIM-0001'")
    assert app["status"] == "submitted"
    (signature,) = _rows(state, "SELECT * FROM attachments WHERE "
                                f"application_id='{app['application_id']}' AND "
                                "document_id='applicant_signature'")
    assert signature["content_type"] == "image/png"
    assert bytes(signature["data"]).startswith(b"\x89PNG") and len(signature["data"]) > 2000
    assert _rows(state, "SELECT * FROM ratings") == []  # skipped
    _nothing_left(state, "applicant_signature.png")


def test_resident_calls_staff(tmp_path: Path) -> None:
    from kiosk.staff_access import hash_pin

    run = run_kiosk(SCENARIOS / "help_call_staff.yaml", tmp_path,
                    extra_config=f'[ui]\nstaff_pin_hash = "{hash_pin("1357")}"\n')
    failed = [t for t in run.transcript if t.get("ok") is False]
    assert run.returncode == 0, (failed, run.stderr[-4000:])
    crash_free(run.state)
    events = _rows(run.state, "SELECT * FROM audit_events WHERE kind='help_requested'")
    details = [json.loads(e["detail"]) for e in events]
    assert [d["screen"] for d in details][:1] == ["menu"]
    conn = sqlite3.connect(run.state / "outbox.sqlite")
    queued = conn.execute("SELECT kind, payload FROM outbox").fetchall()
    conn.close()
    # The call made while the backend failed went through the outbox (delivered later
    # by the reconciler when it ran in time, else still waiting).
    assert [k for k, _ in queued] == ["audit"]
    payload = json.loads(queued[0][1])
    (event,) = payload["events"]
    assert event["kind"] == "help_requested" and event["service_id"] == "elderly_card"
    assert event["detail"]["screen"] == "step:verify_face"


def test_rating_waits_in_the_outbox_while_the_platform_is_down(tmp_path: Path) -> None:
    run = run_kiosk(SCENARIOS / "rating_offline.yaml", tmp_path, reconcile=1)
    failed = [t for t in run.transcript if t.get("ok") is False]
    assert run.returncode == 0, (failed, run.stderr[-4000:])
    crash_free(run.state)
    conn = sqlite3.connect(run.state / "outbox.sqlite")
    queued = conn.execute("SELECT kind, status, idempotency_key FROM outbox").fetchall()
    conn.close()
    # Queued when the 503 came, delivered by the kiosk's own flush after the clear.
    assert [(k, s) for k, s, _ in queued] == [("rating", "done")]
    (rating,) = _rows(run.state, "SELECT * FROM ratings")
    assert (rating["service_id"], rating["level"]) == ("application_status", 4)
    assert queued[0][2].startswith("rating-")

"""Regressions of the terminal lifecycle (issue 9), each through the real app and the
shipped catalog: a card left in the reader, a QR login before an ID-card service, a
person the backend refuses a service."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_scenarios import crash_free, run_scenario

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name", ["card_left_in_reader", "qr_login_needs_id_card",
                                  "not_eligible", "resident_view",
                                  "social_security_card_topup"])
def test_lifecycle_scenario(name: str, tmp_path: Path) -> None:
    _, transcript, state = run_scenario(name, tmp_path)
    summary = transcript[-1]
    assert summary["ok"] is True and summary["steps_run"] == summary["steps"]
    crash_free(state)


def test_no_face_check_before_a_refusal(tmp_path: Path) -> None:
    """The not-eligible person never reaches the face check (no verification is logged)."""
    _, transcript, state = run_scenario("not_eligible", tmp_path)
    assert not any(t.get("screen") == "step:verify_face" for t in transcript)
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert "verify_face" not in log
    assert "not eligible (no_household_registration)" in log


def test_a_card_in_the_reader_at_start_up_logs_nobody_in(tmp_path: Path) -> None:
    """Started with a citizen card in the reader: it is asked for, and only put in again
    does it log its holder in (whose purse balance the menu and top-up then show)."""
    _, transcript, state = run_scenario("card_at_start_up", tmp_path,
                                        card_in_reader="wang_fang")
    summary = transcript[-1]
    assert summary["ok"] is True and summary["steps_run"] == summary["steps"]
    crash_free(state)
    log = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    assert "a card was already in the reader" in log
    assert "王芳" not in log
    assert not [line for line in log.splitlines()
                if "王" in line and ("balance" in line or "余额" in line)]

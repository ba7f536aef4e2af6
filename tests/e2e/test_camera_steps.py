"""End to end: the live face check and ID photo through the real app and the real driver.

The kiosk runs with ``--simulate``: its face camera is the shipping OpenCV driver
(``cv2.VideoCapture``) reading the camera simulator's MJPEG stream on loopback. The
scenarios move the simulated resident (face_pose, blink, turn_head, present_photo); the
kiosk's guidance, liveness check and ID photo checks do the rest.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import cv2
import numpy as np
import pytest
from personal_data import assert_no_personal_data_left
from test_scenarios import crash_free, run_scenario

pytestmark = pytest.mark.e2e


def _log(state: Path) -> list[dict[str, str]]:
    text = (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _opencv_ran(entries: list[dict[str, str]]) -> None:
    """The face camera was the OpenCV driver reading the stream through FFmpeg."""
    opened = [e["msg"] for e in entries if e["logger"] == "drivers.camera.opencv_camera"]
    assert any(m.startswith("face_camera: OpenCV capture opened network stream (FFMPEG")
               for m in opened), opened


def test_id_photo_taken_by_itself_after_guidance(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("camera_face_and_photo", tmp_path)
    assert transcript[-1]["ok"] is True
    crash_free(state)
    entries = _log(state)
    _opencv_ran(entries)
    messages = [e["msg"] for e in entries]
    # The face check passed its liveness challenge before the backend compared the photo.
    challenge = messages.index(next(m for m in messages if "liveness challenge" in m))
    assert messages.index("step verify_face: CAPTURING -> VERIFYING") > challenge
    # The photo was taken by the guidance, not the button (the scenario never taps it),
    # after it had asked the resident to move back.
    assert "step capture_photo: guidance move_back" in messages
    assert "step capture_photo: GUIDING -> CAPTURING" in messages
    # The backend got the photo cut to the Chinese ID photo spec.
    with sqlite3.connect(state / "reference-backend.sqlite") as db:
        rows = db.execute("SELECT data FROM attachments WHERE document_id = ?",
                          ("elderly_card_photo",)).fetchall()
    assert len(rows) == 1
    photo = cv2.imdecode(np.frombuffer(rows[0][0], np.uint8), cv2.IMREAD_COLOR)
    assert photo.shape[:2] == (441, 358)
    # Frames and photos are personal: nothing of the session is left on disk or logged.
    assert_no_personal_data_left(state)


def test_flat_photo_fails_liveness_and_the_resident_passes(tmp_path: Path) -> None:
    _, transcript, state = run_scenario("camera_flat_photo", tmp_path)
    assert transcript[-1]["ok"] is True
    crash_free(state)
    entries = _log(state)
    _opencv_ran(entries)
    messages = [e["msg"] for e in entries]
    failed = next(i for i, m in enumerate(messages)
                  if m.startswith("step verify_face:") and m.endswith("-> FAILED (face.failed)"))
    assert messages[:failed].count("step verify_face: liveness challenge not met in time") == 3
    # The printed photo never reached the backend's comparison; the live resident did.
    verifications = [m for m in messages if "/v1/identity/face-verifications" in m]
    assert len(verifications) == 1
    assert not any("face-verifications" in m for m in messages[:failed])
    assert_no_personal_data_left(state)

"""After a run of the real app: no frame, photo, scan or identity left behind.

Frames, photos and scans are personal data (issue 13 item 8): memory or the session's
private directory only (state/sessions/session-*), wiped when the session ends, never
logged. This checks what a run leaves: every session that started was wiped, the
sessions directory is empty, no image or PDF file lies anywhere in the state dir (the
reference backend keeps what it was sent in its database), and no log file holds image
bytes (raw or base64), the path of a session file, or an unmasked ID number.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".pdf", ".avi", ".pnm", ".tif", ".tiff", ".bmp"}
#: JPEG, PNG and PDF starts, raw and as base64.
IMAGE_MARKS = (b"\xff\xd8\xff", b"\x89PNG", b"%PDF", b"/9j/", b"iVBORw0KGgo", b"JVBERi0")
#: An 18-character resident ID number standing alone (masked ones hold asterisks).
ID_NUMBER = re.compile(rb"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def assert_no_personal_data_left(state: Path) -> None:
    entries = [json.loads(line) for line in
               (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8").splitlines()]
    messages = [str(e.get("msg", "")) for e in entries]
    started = {m.split()[1] for m in messages if re.fullmatch(r"session \w+ started", m)}
    wiped = {m.split()[1] for m in messages if re.fullmatch(r"session \w+ wiped", m)}
    assert started, "no session ran"
    assert started <= wiped, f"sessions never wiped: {started - wiped}"
    sessions = state / "sessions"
    left = list(sessions.rglob("*")) if sessions.exists() else []
    assert not left, f"left in the sessions directory: {left}"
    for path in state.rglob("*"):
        assert path.suffix.lower() not in IMAGE_SUFFIXES, f"an image was left behind: {path}"
    logs = [p for p in (state / "log").rglob("*") if p.is_file()]
    assert logs
    for path in logs:
        data = path.read_bytes()
        for mark in IMAGE_MARKS:
            assert mark not in data, f"{path.name} holds image bytes ({mark!r})"
        assert b"sessions/session-" not in data, f"{path.name} names a session file"
        found = ID_NUMBER.search(data)
        assert found is None, f"{path.name} holds an unmasked ID number"

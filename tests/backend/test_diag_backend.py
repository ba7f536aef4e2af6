"""kiosk-diag backend: ping the embedded backend; an unreachable one exits 4."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from kiosk.diag import exitcodes
from kiosk.diag.cli import main


def test_ping_embedded(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backend", "ping", "--embedded", "--json"]) == exitcodes.OK
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["services"] >= 8


def test_ping_unreachable_exits_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backend_client.signing import TerminalCredentials

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    state = tmp_path / "state"
    TerminalCredentials.generate("KIOSK-SIM-0001").save(state / "terminal-credentials.json")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'state_dir = "{state}"\n[backend]\nurl = "http://127.0.0.1:{port}/v1"\nretries = 0\n',
        encoding="utf-8",
    )
    code = main(["--config", str(config), "backend", "ping", "--json"])
    assert code == exitcodes.DEVICE_ERROR
    assert json.loads(capsys.readouterr().out)["message_key"] == "error.backend.unreachable"

"""kiosk-diag says how receipts are confirmed (real subprocess, as a technician runs it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = """
state_dir = "{state}"
[devices.card_reader]
impl = "sim"
transport = "in-process"
[devices.receipt_printer]
impl = "sim"
printer_model = "{model}"
"""


def _diag(tmp_path: Path, model: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(state=tmp_path / "state", model=model), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk.diag.cli", "--config", str(config),
                           *args], capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.parametrize(("model", "mode"), [("answers_gs_h", "process_id"),
                                             ("ignores_gs_h", "status")])
def test_devices_shows_the_completion_mode(tmp_path: Path, model: str, mode: str) -> None:
    proc = _diag(tmp_path, model, "devices", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {d["name"]: d for d in json.loads(proc.stdout)["devices"]}
    assert rows["receipt_printer"]["status"]["detail"]["completion"] == mode


def test_receipt_test_prints_without_gs_h_and_says_so(tmp_path: Path) -> None:
    png = tmp_path / "r.png"
    proc = subprocess.run([sys.executable, "-m", "kiosk.diag.cli", "receipt-test", "--sim",
                           "--sim-model", "ignores_gs_h", "--png", str(png)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "completion mode: status" in proc.stdout
    assert "printed" in proc.stdout and png.stat().st_size > 0

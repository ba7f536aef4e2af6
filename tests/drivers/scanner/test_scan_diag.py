"""``kiosk-diag scan`` end to end (in process, real config, SANE's test backend)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.diag import exitcodes
from kiosk.diag.cli import main

pytestmark = pytest.mark.skipif(shutil.which("scanimage") is None, reason="needs sane-utils")


def write_config(tmp_path: Path, devices: str = "") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n{devices}', encoding="utf-8")
    return path


def test_scan_writes_a_png(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "page.png"
    code = main(
        [
            "--config",
            str(write_config(tmp_path)),
            "scan",
            "--out",
            str(out),
            "--dpi",
            "100",
            "--json",
        ]
    )
    assert code == exitcodes.OK
    report = json.loads(capsys.readouterr().out)
    image = cv2.imdecode(np.frombuffer(out.read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    assert (report["width"], report["height"], report["blank"]) == (
        image.shape[1],
        image.shape[0],
        False,
    )


def test_absent_scanner_is_a_device_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, '[devices.scanner]\nimpl = "sane"\ndevice = "nosuch:0"\n')
    out = tmp_path / "page.png"
    code = main(["--config", str(config), "scan", "--out", str(out), "--json"])
    assert code == exitcodes.DEVICE_ERROR
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "SANE_NO_DEVICE"
    assert not out.exists()


def test_bad_resolution_is_a_usage_error(tmp_path: Path) -> None:
    argv = ["--config", str(write_config(tmp_path)), "scan", "--out", str(tmp_path / "p.png")]
    assert main([*argv, "--dpi", "10"]) == exitcodes.USAGE

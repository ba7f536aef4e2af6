"""``kiosk-diag camera-snapshot`` end to end (in process, real config, real devices)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.camera.jpeg import decode_image, jpeg_comments
from drivers.camera.recording import SAMPLE_PERSON
from kiosk.diag import exitcodes
from kiosk.diag.cli import main


def write_config(tmp_path: Path, devices: str = "") -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n{devices}', encoding="utf-8")
    return path


def test_face_snapshot_of_a_simulated_resident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "face.jpg"
    config = write_config(tmp_path)
    argv = ["--config", str(config), "camera-snapshot", "--role", "face_camera"]
    code = main([*argv, "--out", str(out), "--sim-person", SAMPLE_PERSON, "--json"])
    assert code == exitcodes.OK
    report = json.loads(capsys.readouterr().out)
    assert report["face_found"] is True and report["face_problems"] == []
    assert jpeg_comments(out.read_bytes()) == [f"sim-person={SAMPLE_PERSON}"]
    assert decode_image(out.read_bytes()).shape == (480, 640, 3)


def test_document_snapshot_writes_the_cut_out_page(tmp_path: Path) -> None:
    out = tmp_path / "page.jpg"
    config = write_config(tmp_path)
    argv = ["--config", str(config), "camera-snapshot", "--role", "document_camera"]
    assert main([*argv, "--out", str(out)]) == exitcodes.OK
    height, width = decode_image(out.read_bytes()).shape[:2]
    assert height > width  # an upright A4 page, not the 4:3 frame


def test_missing_camera_is_a_device_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-video.avi"
    config = write_config(
        tmp_path, f'[devices.face_camera]\nimpl = "opencv"\nsource = "{missing}"\n'
    )
    out = tmp_path / "x.jpg"
    code = main(["--config", str(config), "camera-snapshot", "--out", str(out), "--json"])
    assert code == exitcodes.DEVICE_ERROR
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "CAP_OPEN"
    assert not out.exists()


def test_sim_person_on_a_real_camera_is_a_usage_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[devices.face_camera]\nimpl = "opencv"\nsource = 0\n')
    argv = ["--config", str(config), "camera-snapshot", "--out", str(tmp_path / "x.jpg")]
    assert main([*argv, "--sim-person", SAMPLE_PERSON]) == exitcodes.USAGE

"""kiosk-diag devices / selftest / config as a technician runs them (real subprocess)."""

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
"""


def diag(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(state=tmp_path / "state"), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk.diag.cli", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=180, check=False)


def test_devices_lists_every_role_online(tmp_path: Path) -> None:
    proc = diag(tmp_path, "devices", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    roles = {d["name"]: d for d in report["devices"]}
    assert set(roles) == {"id_card_reader", "card_reader", "face_camera", "document_camera",
                          "scanner", "a4_printer", "receipt_printer"}
    assert all(d["status"]["state"] == "online" for d in roles.values())
    assert all(d["simulated"] for d in roles.values())


@pytest.mark.parametrize(("inject", "role", "state"), [
    ("id_card_reader:reader_gone", "id_card_reader", {"no_device", "offline"}),
    ("a4_printer:offline", "a4_printer", {"offline"}),
])
def test_an_injected_fault_changes_the_state(tmp_path: Path, inject: str, role: str,
                                             state: set[str]) -> None:
    proc = diag(tmp_path, "devices", "--json", "--inject", inject)
    assert proc.returncode == 1, "a device not online makes the command fail"
    device = {d["name"]: d for d in json.loads(proc.stdout)["devices"]}[role]
    assert device["status"]["state"] in state
    assert device["status"]["error_code"]
    assert inject.split(":")[1] in device["faults"]


def test_paper_out_is_a_supply_status(tmp_path: Path) -> None:
    # XFS4IoT: the printer stays online; its paper supply says "out".
    proc = diag(tmp_path, "devices", "--json", "--inject", "receipt_printer:paper_out")
    device = {d["name"]: d for d in json.loads(proc.stdout)["devices"]}["receipt_printer"]
    assert device["status"]["detail"]["paper"] == "out"
    assert "paper_out" in device["faults"]


def test_text_output_and_selftest(tmp_path: Path) -> None:
    proc = diag(tmp_path, "devices")
    assert "receipt_printer" in proc.stdout and "online" in proc.stdout
    test = diag(tmp_path, "selftest", "a4_printer", "--json")
    assert test.returncode == 0, test.stdout
    assert json.loads(test.stdout)["results"][0]["ok"] is True


def test_bad_config_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[devices.receipt_printer]\nimpl = "sim"\nbaud = "fast"\n',
                      encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kiosk.diag.cli", "--config", str(config),
                           "config"], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "devices.receipt_printer.baud" in proc.stderr and "'fast'" in proc.stderr

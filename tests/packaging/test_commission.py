"""``kiosk-diag commission`` through the real command, against the simulators and the
reference backend on loopback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def commission(tmp_path: Path, config: str, *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "kiosk.toml"
    path.write_text(config, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "kiosk.diag.cli", "--config", str(path),
                           "commission", *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=240, check=False, env=dict(os.environ))


def test_a_terminal_on_simulators_passes(tmp_path: Path) -> None:
    proc = commission(tmp_path, f'terminal_id = "SZ-NS-0007"\nstate_dir = "{tmp_path}/s"\n'
                      '[devices.card_reader]\nimpl = "sim"\ntransport = "in-process"\n',
                      "--json", "--out", str(tmp_path / "report.json"))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["ok"] is True and report["failed"] == []
    assert json.loads((tmp_path / "report.json").read_text()) == report
    names = {c["name"]: c for c in report["checks"]}
    for role in ("id_card_reader", "card_reader", "face_camera", "document_camera", "scanner",
                 "a4_printer", "receipt_printer"):
        assert any(n.startswith(f"device {role}") and c["status"] == "pass"
                   for n, c in names.items()), role
    assert names["backend reachable"]["status"] == "pass"
    assert names["terminal enrolled"]["status"] == "pass"
    assert "SZ-NS-0007" in names["terminal enrolled"]["detail"]
    assert names["clock"]["status"] in ("pass", "unknown", "fail")
    if names["clock"]["status"] == "unknown":
        assert "cannot tell" in names["clock"]["detail"]
    assert report["config_checksum"].startswith("sha256:")


def test_missing_devices_queue_and_enrolment_fail_with_a_printable_report(
        tmp_path: Path) -> None:
    from backend_sim.embedded import start_embedded

    # A reachable backend that has never heard of this terminal's key.
    backend = start_embedded(tmp_path / "ref.sqlite", tmp_path / "ref", terminal_id="OTHER-01")
    try:
        creds = tmp_path / "terminal-credentials.json"
        creds.write_text(json.dumps({"terminal_id": "SZ-NS-0007", "private_key_base64":
                                     base64.b64encode(os.urandom(32)).decode()}))
        proc = commission(tmp_path, f'''
terminal_id = "SZ-NS-0007"
state_dir = "{tmp_path}/s"
[backend]
url = "{backend.url}"
credentials = "{creds}"
[devices.id_card_reader]
impl = "serial"
port = "{tmp_path}/no-such-tty"
[devices.a4_printer]
impl = "cups"
queue = "NoSuchQueue"
[devices.card_reader]
impl = "sim"
transport = "in-process"
''')
    finally:
        backend.stop()
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    text = proc.stdout
    assert "Terminal commissioning report" in text and "SZ-NS-0007" in text
    lines = {ln.split("]", 1)[1].split()[0] + " " + ln.split("]", 1)[1].split()[1]: ln
             for ln in text.splitlines() if ln.startswith("[")}
    assert lines["device id_card_reader"].startswith("[FAIL]")
    assert lines["device a4_printer"].startswith("[FAIL]")
    assert lines["queue NoSuchQueue"].startswith("[FAIL]")
    assert lines["device face_camera"].startswith("[PASS]")
    assert lines["backend reachable"].startswith("[PASS]")
    assert lines["terminal enrolled"].startswith("[FAIL]")
    assert "RESULT     FAIL" in text and "Technician" in text

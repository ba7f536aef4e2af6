"""The real kiosk as a subprocess: ``python -m kiosk.app --simulate --headless --scenario``.

Each run gets its own state dir and config: every device on its simulator, the embedded
reference backend, the citizen card in-process (so runs never share vpcd with the
pcscd tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
terminal_id = "KIOSK-SIM-0001"
state_dir = "{state}"
[timeouts]
idle_s = {idle}
countdown_s = {countdown}
goodbye_s = {goodbye}
status_poll_s = 1
reconcile_s = {reconcile}
[devices.card_reader]
impl = "sim"
transport = "in-process"
"""


@dataclass
class KioskRun:
    returncode: int
    transcript: list[dict[str, Any]]
    state: Path
    out: Path
    stderr: str

    def log_entries(self) -> list[dict[str, Any]]:
        path = self.state / "log" / "kiosk.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_kiosk(scenario: Path | list[dict[str, Any]], workdir: Path, *, idle: float = 120,
              countdown: float = 15, goodbye: float = 3, reconcile: float = 30,
              timeout: float = 300,
              card_in_reader: str | None = None, extra_config: str = "") -> KioskRun:
    """Run one scenario (a file, or a list of ops written to one) to its end;
    ``card_in_reader``: the citizen card profile already in the reader at start;
    ``extra_config`` is appended to the config (whole tables, e.g. ``[ui]``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    state, out = workdir / "state", workdir / "out"
    if not isinstance(scenario, Path):
        path = workdir / "scenario.yaml"
        path.write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
        scenario = path
    config = workdir / "kiosk.toml"
    text = CONFIG.format(state=state, idle=idle, countdown=countdown, goodbye=goodbye,
                         reconcile=reconcile)
    if card_in_reader is not None:  # [devices.card_reader] is the config's last table
        text += f'profile = "{card_in_reader}"\n'
    config.write_text(text + extra_config, encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    command = [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config",
               str(config), "--speech-engine", "mock", "--scenario", str(scenario),
               "--out", str(out)]
    try:
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        returncode, stderr = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as exc:  # killed: the transcript says how far it got
        returncode = -9
        err = exc.stderr or b""
        stderr = (err.decode(errors="replace") if isinstance(err, bytes) else err) + \
            f"\n(killed after {timeout:.0f} s)"
    transcript_file = out / "transcript.jsonl"
    transcript = [json.loads(line) for line in
                  transcript_file.read_text(encoding="utf-8").splitlines()] \
        if transcript_file.exists() else []
    return KioskRun(returncode, transcript, state, out, stderr)

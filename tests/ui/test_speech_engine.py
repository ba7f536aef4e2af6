"""Read-aloud through the real engine: the kiosk, as a subprocess, speaks a screen's prompt
through Qt's speech-dispatcher plugin, espeak-ng and a private speech-dispatcher whose
audio goes to libao's null driver (no sound card on a test machine).

Proof that it spoke, from both ends: the kiosk logs each utterance that the engine
reported finished, with the voice it chose for the session's language; speech-dispatcher
logs the synthesized samples it sent to audio.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = """
- expect_screen: attract
- wait: 4
- tap: language
- wait: 4
- screenshot: attract-english
"""

CONFIG = """
terminal_id = "KIOSK-SIM-0001"
state_dir = "{state}"
[ui]
read_aloud = true
[devices.card_reader]
impl = "sim"
transport = "in-process"
"""


@pytest.fixture
def speech_dispatcher(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A private speech-dispatcher on a unix socket, audio to libao's null driver."""
    binary = shutil.which("speech-dispatcher")
    assert binary, "speech-dispatcher is missing: installer/bootstrap.sh installs it"
    root = tmp_path / "speechd"
    conf, home, logs = root / "conf", root / "home", root / "log"
    shutil.copytree("/etc/speech-dispatcher", conf)
    home.mkdir(parents=True)
    logs.mkdir()
    (home / ".libao").write_text("default_driver=null\n", encoding="utf-8")
    speechd_conf = conf / "speechd.conf"
    text = speechd_conf.read_text(encoding="utf-8")
    speechd_conf.write_text(text + '\nAudioOutputMethod "libao"\nDefaultModule espeak-ng\n',
                            encoding="utf-8")
    socket = root / "speechd.sock"
    proc = subprocess.Popen(
        [binary, "--run-single", "--config-dir", str(conf), "--communication-method",
         "unix_socket", "--socket-path", str(socket), "--timeout", "0", "--log-dir", str(logs),
         "--log-level", "4"],
        env=dict(os.environ, HOME=str(home)), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert socket.exists(), "speech-dispatcher did not open its socket"
    try:
        yield socket, logs
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_the_kiosk_speaks_prompts_in_the_session_language(
        tmp_path: Path, speech_dispatcher: tuple[Path, Path]) -> None:
    socket, speechd_logs = speech_dispatcher
    state, out = tmp_path / "state", tmp_path / "out"
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(state=state), encoding="utf-8")
    scenario = tmp_path / "speak.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               SPEECHD_ADDRESS=f"unix_socket:{socket}")
    proc = subprocess.run(
        [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config", str(config),
         "--speech-engine", "speechd", "--scenario", str(scenario), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    entries = [json.loads(line) for line in
               (state / "log" / "kiosk.jsonl").read_text(encoding="utf-8").splitlines()]
    messages = [e["msg"] for e in entries]
    assert not [e for e in entries if e["level"] in ("ERROR", "CRITICAL")]
    assert any("text-to-speech engine speechd ready" in m for m in messages), messages
    spoken = [m for m in messages if m.startswith("read-aloud: utterance spoken")]
    assert any("language zh" in m and "Chinese (Mandarin" in m for m in spoken), messages
    assert any("language en" in m and "English" in m for m in spoken), messages
    speechd_log = (speechd_logs / "speech-dispatcher.log").read_text(errors="replace")
    assert "samples to audio" in speechd_log

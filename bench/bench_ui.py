"""UI benchmarks (issue: kiosk shell).

* start-up to the attract screen, as a ratio to a minimal PyQt6 window started the same
  way in the same run (both as fresh processes, median of N);
* the longest event-loop stall during a full simulated service, from the scenario
  runner's 10 ms probe (the UI thread must never wait on a device or the network).

Prints one JSON object per measurement. Usage: python bench/bench_ui.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = """
import sys
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
w = QLabel("hello")
w.resize(1280, 900)
w.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""
ATTRACT_ONLY = "- expect_screen: attract\n"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "attract.yaml"
        scenario.write_text(ATTRACT_ONLY, encoding="utf-8")
        config = Path(tmp) / "kiosk.toml"
        # The citizen card in-process: a benchmark must not take over the system's vpcd.
        config.write_text(f'state_dir = "{tmp}/state"\n[devices.card_reader]\nimpl = "sim"\n'
                          'transport = "in-process"\n', encoding="utf-8")
        kiosk = [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config",
                 str(config), "--speech-engine", "mock", "--scenario", str(scenario)]
        minimal = [sys.executable, "-c", MINIMAL]
        base, full = [], []
        for i in range(args.runs):  # interleaved, so machine noise hits both alike
            base.append(timed(minimal, env))
            full.append(timed([*kiosk, "--out", f"{tmp}/out{i}"], env))
        print(json.dumps({
            "bench": "ui_startup_to_attract", "runs": args.runs,
            "minimal_window_s": round(statistics.median(base), 3),
            "kiosk_s": round(statistics.median(full), 3),
            "ratio_to_minimal_window": round(statistics.median(full) / statistics.median(base), 2),
            "note": "kiosk includes starting the embedded backend and opening every simulator",
        }))
        out = Path(tmp) / "full"
        subprocess.run([*kiosk[:-1], str(ROOT / "tests/e2e/scenarios/full_certificate.yaml"),
                        "--out", str(out)], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=300)
        lines = (out / "transcript.jsonl").read_text(encoding="utf-8").splitlines()
        summary = json.loads(lines[-1])
        print(json.dumps({
            "bench": "ui_longest_event_loop_stall", "scenario": "full_certificate",
            "max_stall_ms": summary["max_event_loop_stall_ms"],
            "scenario_duration_s": summary["duration_s"],
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())

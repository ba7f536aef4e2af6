"""UI benchmarks, as ratios to a baseline measured in the same run (interleaved).

* Start-up: a bare PyQt6 window (a QMainWindow shown like the kiosk's, 1280x900, the same
  offscreen platform, the same interpreter) and the kiosk are started as fresh processes,
  alternately. For each, the time from spawning the process to the line its first paint
  prints (the bare window) or logs (the kiosk: ``start-up: first frame``, and ``start-up:
  ready`` once devices have opened and the catalog is loaded). Ratios: first frame and
  ready, each over the bare window's first frame, median with min and max over the runs.
  Ready is measured twice: with ``--simulate`` (the embedded reference backend is a child
  the kiosk starts: Python, FastAPI, SQLAlchemy, its database) and as deployed (the
  backend already running, as the city's platform is; the kiosk enrolled once with
  ``kiosk-diag backend enroll``), so the note can tell the backend's start from the
  kiosk's own. Beside it, the libraries' floor: a process that only imports the
  third-party modules the deployed kiosk had imported by the time it was ready (read off
  one ``-X importtime`` run of it), spawned the same way: no kiosk can be ready sooner.
  And the bare window again, started after importing only the libraries the project's
  brief names for its hardware and platform (OpenCV with numpy for the cameras, pyscard,
  pyserial, requests): what the prescribed stack costs before any line of the kiosk runs.
* Event-loop stalls over the full certificate scenario (3 runs): the kiosk's own stall
  watchdog (a 10 ms beat; ``event_loop_stalls.json``) gives the longest stall and the
  99th percentile after start-up, plus where the UI thread was in the worst ones.

Usage: python bench/bench_ui.py [--runs N] [--stall-runs N]
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

from run_all import PACKAGES  # the project's own packages (the floor leaves them out)

ROOT = Path(__file__).resolve().parents[1]
BARE = """
import sys
from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.setCentralWidget(QLabel("hello"))
w.resize(1280, 900)
class F(QObject):
    done = False
    def eventFilter(self, obj, ev):
        if not self.done and ev.type() == QEvent.Type.Paint:
            self.done = True
            QTimer.singleShot(0, lambda: (print("first frame", flush=True), app.quit()))
        return False
f = F()
app.installEventFilter(f)
w.show()
app.exec()
"""
ATTRACT_ONLY = "- expect_screen: attract\n"
#: The libraries the brief prescribes for cameras, cards, serial devices and HTTP.
PRESCRIBED = ("cv2", "numpy", "smartcard.System", "serial", "requests")


def _libraries_at_ready(cmd: list[str], env: dict[str, str]) -> list[str]:
    """The third-party modules ``cmd`` (a kiosk) imported before it logged ready, in
    import order: ``-X importtime`` lines and the log share stderr, in order."""
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, errors="replace", timeout=120,
                          check=False)
    names: list[str] = []
    for line in proc.stderr.splitlines():
        if "start-up: ready" in line:
            return names
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            top = name.split(".")[0]
            if top and " " not in name and top not in PACKAGES \
                    and top not in sys.stdlib_module_names and not top.startswith("_") \
                    and not name.startswith("__editable__"):
                names.append(name)
    raise RuntimeError("the kiosk never logged ready under -X importtime")


def _floor_script(modules: list[str]) -> str:
    """Imports ``modules`` (each may fail alone: some are tried and given up on)."""
    return ("import importlib\n"
            f"for m in {modules!r}:\n"
            "    try:\n        importlib.import_module(m)\n"
            "    except Exception:\n        pass\n"
            "print('imported', flush=True)\n")


def _spawn_until(cmd: list[str], env: dict[str, str], marks: tuple[str, ...],
                 timeout: float = 120) -> dict[str, float]:
    """Seconds from spawn until each mark first appears in the output (both streams)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace")
    seen: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        for mark in marks:
            if mark not in seen and mark in line:
                seen[mark] = time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            proc.kill()
            break
    proc.wait(timeout)
    missing = [m for m in marks if m not in seen]
    if missing:
        raise RuntimeError(f"{cmd[:3]}: never printed {missing}")
    return seen


def _ratios(values: list[float], base: list[float]) -> dict[str, float]:
    r = [v / b for v, b in zip(values, base, strict=True)]
    return {"ratio_median": round(statistics.median(r), 2), "ratio_min": round(min(r), 2),
            "ratio_max": round(max(r), 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stall-runs", type=int, default=3)
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
                 str(config), "--speech-engine", "mock"]
        marks = ("start-up: first frame", "start-up: ready")
        # The crash tests' harness: the backend in its own process, a kiosk enrolled with
        # it through kiosk-diag backend enroll, as a terminal is set up.
        sys.path.insert(0, str(ROOT))
        from tests.e2e.payment_harness import Kiosk, ReferenceBackend

        platform = ReferenceBackend(Path(tmp) / "platform.sqlite")
        try:
            enrolled = Kiosk(platform, Path(tmp) / "deployed", "KIOSK-BENCH-0001")
        except BaseException:
            platform.stop()
            raise
        deployed_kiosk = [sys.executable, "-m", "kiosk.app", "--headless", "--config",
                          str(enrolled.config), "--speech-engine", "mock"]
        deployed_run = [*deployed_kiosk, "--scenario", str(scenario), "--out", f"{tmp}/imp"]
        try:
            libraries = _libraries_at_ready(deployed_run, env)
        except BaseException:
            platform.stop()
            raise
        floor_cmd = [sys.executable, "-c", _floor_script(libraries)]
        prescribed_cmd = [sys.executable, "-c",
                          "".join(f"import {m}\n" for m in PRESCRIBED) + BARE]
        bare, first, ready, deployed, floor, prescribed = [], [], [], [], [], []
        try:
            for i in range(args.runs):  # interleaved, so machine noise hits all alike
                bare.append(_spawn_until([sys.executable, "-c", BARE], env, ("first frame",))
                            ["first frame"])
                seen = _spawn_until([*kiosk, "--scenario", str(scenario), "--out",
                                     f"{tmp}/out{i}"], env, marks)
                first.append(seen["start-up: first frame"])
                ready.append(seen["start-up: ready"])
                deployed.append(_spawn_until([*deployed_kiosk, "--scenario", str(scenario),
                                              "--out", f"{tmp}/dep{i}"], env, marks)
                                ["start-up: ready"])
                floor.append(_spawn_until(floor_cmd, env, ("imported",))["imported"])
                prescribed.append(_spawn_until(prescribed_cmd, env, ("first frame",))
                                  ["first frame"])
        finally:
            platform.stop()
        print(json.dumps({
            "bench": "ui_startup_first_frame", "runs": args.runs,
            "baseline": "bare PyQt6 QMainWindow, same platform, spawn to first paint",
            "bare_s_median": round(statistics.median(bare), 3),
            "kiosk_s_median": round(statistics.median(first), 3), **_ratios(first, bare),
        }), flush=True)
        print(json.dumps({
            "bench": "ui_startup_ready", "runs": args.runs,
            "baseline": "bare PyQt6 QMainWindow's first frame",
            "note": "ready: devices opened, backend (own process) up, catalog loaded",
            "kiosk_s_median": round(statistics.median(ready), 3), **_ratios(ready, bare),
        }), flush=True)
        print(json.dumps({
            "bench": "ui_startup_ready_deployed", "runs": args.runs,
            "baseline": "bare PyQt6 QMainWindow's first frame",
            "note": "ready: devices opened, catalog loaded; the backend already running "
                    "in its own process (as deployed), the kiosk enrolled with it",
            "kiosk_s_median": round(statistics.median(deployed), 3),
            **_ratios(deployed, bare),
        }), flush=True)
        print(json.dumps({
            "bench": "ui_startup_library_floor", "runs": args.runs,
            "baseline": "bare PyQt6 QMainWindow's first frame",
            "note": "a process importing only the third-party modules the deployed kiosk "
                    "had imported when ready; the kiosk's own share is the rest",
            "modules": len(libraries),
            "packages": sorted({m.split(".")[0] for m in libraries}),
            "floor_s_median": round(statistics.median(floor), 3), **_ratios(floor, bare),
        }), flush=True)
        print(json.dumps({
            "bench": "ui_startup_prescribed_window", "runs": args.runs,
            "baseline": "bare PyQt6 QMainWindow's first frame",
            "note": "the same bare window, started after importing only the libraries the "
                    "brief prescribes for the hardware and the platform",
            "modules": list(PRESCRIBED),
            "window_s_median": round(statistics.median(prescribed), 3),
            **_ratios(prescribed, bare),
        }), flush=True)
        if args.stall_runs < 1:
            return 0
        maxima, p99s, worst = [], [], []
        for i in range(args.stall_runs):
            out = Path(tmp) / f"full{i}"
            subprocess.run([*kiosk, "--scenario",
                            str(ROOT / "tests/e2e/scenarios/full_certificate.yaml"),
                            "--out", str(out)], cwd=ROOT, env=env, check=True,
                           capture_output=True, timeout=300)
            stalls = json.loads((out / "event_loop_stalls.json").read_text(encoding="utf-8"))
            maxima.append(stalls["max_stall_ms"])
            p99s.append(stalls["p99_stall_ms"])
            worst.extend(stalls["worst"][:2])
        print(json.dumps({
            "bench": "ui_event_loop_stalls", "scenario": "full_certificate",
            "runs": args.stall_runs, "target_ms": 50,
            "max_stall_ms_median": statistics.median(maxima), "max_stall_ms_each": maxima,
            "p99_stall_ms_median": statistics.median(p99s), "p99_stall_ms_each": p99s,
            "worst": sorted(worst, key=lambda w: -float(w["ms"]))[:4],
        }, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Screenshots of every screen type: zh and en, normal and elder (large text) mode, at
1280x800 and 1920x1080, taken off-screen from the real kiosk (``make screenshots``).

Each combination is one run of ``kiosk --simulate --headless`` with demo/screens.yaml
(after a ``window_size`` step and the language / large-text taps a resident would make),
on its own state dir, two runs at a time. The scenario checks the layout after every
screenshot (kiosk_sim.layout_check): a run fails when anything is cut off or the window
grew past the screen. ``--docs`` also writes the small copies README shows
(docs/screenshots/).

    python -m kiosk_sim.screenshots [--out demo-out/screenshots] [--docs docs/screenshots]
                                    [--only en-elder-1280x800] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from kiosk.staff_access import hash_pin

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "demo" / "screens.yaml"
SIZES = ("1280x800", "1920x1080")
LANGS = ("zh", "en")
MODES = ("normal", "elder")
#: The screens README shows (docs/screenshots/NAME.png), from which run, at what width.
DOCS = {
    "menu-zh": ("zh-normal-1280x800", "04-menu"),
    "menu-en-elder": ("en-elder-1280x800", "04-menu"),
    "identify-zh": ("zh-normal-1280x800", "02-identify"),
    "face-check-zh-elder": ("zh-elder-1280x800", "07-face-check"),
    "scan-camera-en": ("en-normal-1280x800", "13-scan-documents"),
    "pay-en": ("en-normal-1280x800", "15-pay"),
    "result-zh": ("zh-normal-1280x800", "12-application-done"),
    "result-en-elder": ("en-elder-1280x800", "17-certificate"),
    "form-keypad-zh-elder": ("zh-elder-1280x800", "09-form-keypad"),
    "help-en-elder": ("en-elder-1280x800", "05b-help"),
}
DOC_WIDTH = 560

CONFIG = """
terminal_id = "KIOSK-SIM-0001"
state_dir = "{state}"
[timeouts]
idle_s = 600
countdown_s = 30
goodbye_s = 3
status_poll_s = 1
[devices.card_reader]
impl = "sim"
transport = "in-process"
[ui]
staff_pin_hash = "{pin_hash}"
"""
#: The staff PIN of the screenshots' kiosk (its config only; shipped code has none).
DEMO_STAFF_PIN = "1357"


@dataclass(frozen=True)
class Combo:
    lang: str
    mode: str
    size: str

    @property
    def name(self) -> str:
        return f"{self.lang}-{self.mode}-{self.size}"

    def prefix(self) -> list[object]:
        steps: list[object] = [{"window_size": self.size}, {"expect_screen": "attract",
                                                            "timeout": 60}]
        if self.lang == "en":
            steps.append({"tap": "language"})
        if self.mode == "elder":
            steps.append({"tap": "large text"})
        return steps


def screen_names() -> list[str]:
    """The screenshots one run takes, in order (demo/screens.yaml)."""
    steps = yaml.safe_load(SCREENS.read_text(encoding="utf-8"))
    return [str(s["screenshot"]) for s in steps if isinstance(s, dict) and "screenshot" in s]


def combos(only: list[str] | None = None) -> list[Combo]:
    every = [Combo(lang, mode, size) for size in SIZES for lang in LANGS for mode in MODES]
    return [c for c in every if not only or c.name in only]


def run_combo(combo: Combo, out_root: Path, timeout: float = 400) -> tuple[Combo, bool, str]:
    """One kiosk run; (combo, passed, why not)."""
    out = out_root / combo.name
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as work:
        work_dir = Path(work)
        scenario = work_dir / "screens.yaml"
        body = [step for step in yaml.safe_load(SCREENS.read_text(encoding="utf-8"))
                if step != {"note": "LANGUAGE"} or combo.lang == "en"]
        body = [{"tap": "language"} if step == {"note": "LANGUAGE"} else step
                for step in body]
        scenario.write_text(yaml.safe_dump(combo.prefix() + body, allow_unicode=True,
                                           sort_keys=False), encoding="utf-8")
        config = work_dir / "kiosk.toml"
        config.write_text(CONFIG.format(state=work_dir / "state",
                                        pin_hash=hash_pin(DEMO_STAFF_PIN)), encoding="utf-8")
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        command = [sys.executable, "-m", "kiosk.app", "--simulate", "--headless", "--config",
                   str(config), "--speech-engine", "mock", "--scenario", str(scenario),
                   "--out", str(out)]
        try:
            proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return combo, False, f"killed after {timeout:.0f} s"
        (out / "kiosk.log").write_text(proc.stderr, encoding="utf-8")
    transcript = out / "transcript.jsonl"
    lines = transcript.read_text(encoding="utf-8").splitlines() if transcript.exists() else []
    failed = [json.loads(line) for line in lines if '"ok": false' in line]
    if proc.returncode != 0 or failed:
        why = failed[0].get("error", "") if failed else f"exit {proc.returncode}"
        return combo, False, str(why)
    return combo, True, ""


def write_docs(out_root: Path, docs: Path) -> list[Path]:
    """Small copies of the main screens for README (a few hundred KB in all)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QImage

    docs.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (run, shot) in DOCS.items():
        source = out_root / run / f"{shot}.png"
        if not source.exists():
            continue
        image = QImage(str(source)).scaledToWidth(
            DOC_WIDTH, Qt.TransformationMode.SmoothTransformation)
        # 8-bit indexed colour: a flat UI loses nothing visible, the file shrinks 3-4x.
        image = image.convertToFormat(QImage.Format.Format_Indexed8)
        target = docs / f"{name}.png"
        image.save(str(target), "PNG", 9)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="demo-out/screenshots", help="where the runs go")
    p.add_argument("--docs", default="", help="also write README's small copies here")
    p.add_argument("--only", nargs="*", help="combinations to run, e.g. zh-elder-1280x800")
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    out_root = (ROOT / args.out).resolve()
    out_root.mkdir(parents=True, exist_ok=True)
    runs = combos(args.only)
    ok = True
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for combo, passed, why in pool.map(lambda c: run_combo(c, out_root), runs):
            shots = len(list((out_root / combo.name).glob("*.png")))
            print(f"screenshots: {combo.name}: {shots} screens "
                  f"{'ok' if passed else 'FAILED: ' + why}", flush=True)
            ok = ok and passed
    if args.docs:
        for path in write_docs(out_root, (ROOT / args.docs).resolve()):
            print(f"screenshots: {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)")
    print(f"screenshots: in {out_root}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

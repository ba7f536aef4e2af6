"""Page rectification at 3264x2448 (an 8-megapixel document camera), as a ratio to a
bare OpenCV read-and-resize loop over the same frames in the same run (interleaved).

The frames are the simulated desk (a form turned at several angles, rendered by the
camera simulator's scene) written once to an MJPG video file; both loops read it with
``cv2.VideoCapture``:

* baseline: read a frame, resize it to 1280x960 (what a preview does with it);
* rectify: read a frame, detect the page, warp it upright and enhance it
  (``drivers.camera.document``: what a capture with the document camera does); the
  detect-and-rectify part alone is given too.

Interleaved rounds; median, min and max. The last line is the JSON record ``make
bench`` collects; its ``summary`` is the sentence to quote, with the load average.

    .venv/bin/python bench/bench_documents.py [--frames N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

from drivers.camera.desk_scene import DeskState, render_desk
from drivers.camera.document import PageDetector, rectify
from drivers.camera.scene import SceneRenderer

WIDTH, HEIGHT = 3264, 2448


def _write_frames(path: Path, frames: int) -> None:
    scene, desk = SceneRenderer(WIDTH, HEIGHT), DeskState()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write an MJPG file here")
    for n in range(frames):
        desk.place_page(angle=(-30 + 60 * n / max(frames - 1, 1)))
        writer.write(render_desk(scene, desk.view, n))
    writer.release()


def _baseline(path: Path) -> tuple[float, int]:
    cap = cv2.VideoCapture(str(path))
    count, t = 0, time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        cv2.resize(frame, (1280, 960), interpolation=cv2.INTER_AREA)
        count += 1
    elapsed = time.perf_counter() - t
    cap.release()
    return elapsed / max(count, 1), count


def _rectify(path: Path, detector: PageDetector) -> tuple[float, float, int, int]:
    """(s per frame read + detect + rectify, s per frame of detect + rectify alone,
    frames, pages found): what a capture on the document camera does with a frame."""
    cap = cv2.VideoCapture(str(path))
    count = found = 0
    work = 0.0
    t = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        w = time.perf_counter()
        page = detector.analyse(frame)
        if page.quad is not None:
            rectify(frame, page.quad)
            found += 1
        work += time.perf_counter() - w
        count += 1
    elapsed = time.perf_counter() - t
    cap.release()
    return elapsed / max(count, 1), work / max(count, 1), count, found


def _spread(values: list[float], digits: int) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits),
            "min": round(min(values), digits), "max": round(max(values), digits)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    detector = PageDetector()
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        video = Path(tmp) / "desk.avi"
        _write_frames(video, args.frames)
        base: list[float] = []
        rect: list[float] = []
        alone: list[float] = []
        ratios: list[float] = []
        found = frames = 0
        for _ in range(args.repeat):
            b, frames = _baseline(video)
            r, a, _, found = _rectify(video, detector)
            base.append(b)
            rect.append(r)
            alone.append(a)
            ratios.append(r / b)
    load_after = os.getloadavg()[0]
    ms = 1000 * statistics.median(rect)
    summary = (
        f"page rectification 3264x2448: {ms:.0f} ms/frame read+detect+rectify "
        f"({1000 * min(rect):.0f}-{1000 * max(rect):.0f}), of which detect+rectify "
        f"{1000 * statistics.median(alone):.0f} ms; bare read+resize "
        f"{1000 * statistics.median(base):.0f} ms; ratio {statistics.median(ratios):.2f}; "
        f"{found}/{frames} pages found; load {load_before:.2f}->{load_after:.2f}")
    print(json.dumps({
        "bench": "documents",
        "frame": f"{WIDTH}x{HEIGHT}",
        "frames": frames, "pages_found": found, "repeat": args.repeat,
        "rectify_s_per_frame": _spread(rect, 4),
        "detect_rectify_only_s_per_frame": _spread(alone, 4),
        "baseline_read_resize_s_per_frame": _spread(base, 4),
        "ratio_rectify_to_baseline": _spread(ratios, 2),
        "load_1min": [round(load_before, 2), round(load_after, 2)],
        "summary": summary,
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Page rectification at 3264x2448 (an 8-megapixel document camera), as a ratio to a
bare OpenCV read-and-resize loop over the same frames in the same run (interleaved).

The frames are the simulated desk (a form turned at several angles, rendered by the
camera simulator's scene) written once to an MJPG video file; both loops read it with
``cv2.VideoCapture``:

* baseline: read a frame, resize it to 1280x960 (what a preview does with it);
* rectify: read a frame, detect the page, warp it upright and enhance it
  (``drivers.camera.document``: what a capture with the document camera does).

    .venv/bin/python bench/bench_documents.py [--frames N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
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


def _rectify(path: Path, detector: PageDetector) -> tuple[float, int, int]:
    cap = cv2.VideoCapture(str(path))
    count = found = 0
    t = time.perf_counter()
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        page = detector.analyse(frame)
        if page.quad is not None:
            rectify(frame, page.quad)
            found += 1
        count += 1
    elapsed = time.perf_counter() - t
    cap.release()
    return elapsed / max(count, 1), count, found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    detector = PageDetector()
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as tmp:
        video = Path(tmp) / "desk.avi"
        _write_frames(video, args.frames)
        base, rect, ratios = [], [], []
        found = frames = 0
        for _ in range(args.repeat):
            b, frames = _baseline(video)
            r, _, found = _rectify(video, detector)
            base.append(b)
            rect.append(r)
            ratios.append(r / b)
    print(json.dumps({"page_rectification_3264x2448": {
        "frames": frames, "pages_found": found, "repeat": args.repeat,
        "rectify_s_per_frame": round(statistics.median(rect), 4),
        "baseline_read_resize_s_per_frame": round(statistics.median(base), 4),
        "ratio_median": round(statistics.median(ratios), 2),
        "ratio_min": round(min(ratios), 2), "ratio_max": round(max(ratios), 2),
        "ratio_stdev": round(statistics.stdev(ratios), 2) if len(ratios) > 1 else 0.0,
    }}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Face camera preview at 640x480: frames per second the kiosk's preview pipeline
delivers, next to a bare OpenCV read-and-resize loop on the same recorded frames, in
the same run (interleaved rounds; median, min and max of each).

The frames: a recorded MJPEG video (``record_video``) of the camera simulator's scene
with a resident who walks up, settles in front of the camera, turns the head and
blinks, so the detector finds, tracks, loses and finds the face again as on a kiosk.

* ``preview``: the pipeline the face steps run, end to end: the shipping OpenCV driver
  (``OpenCvCamera``) decoding the video on its worker, lens check and face analysis as
  the kiosk's adapter asks (``CameraAdapter.DETECT_EVERY``; ``challenge`` is the
  liveness phase, ``watch_closely``: every frame analysed), the step's own
  ``LiveFace`` feeding the guidance, and each frame turned into the finished, mirrored
  picture with the guide drawn (``render_frame``: what the UI thread receives). The
  pacer is unthrottled, so this is the rate the pipeline sustains; the kiosk asks 25.
* ``bare``: ``cv2.VideoCapture`` on the same file, ``read()`` and ``cv2.resize`` to
  the detector's 320 px width, nothing else.

CPU milliseconds per frame (all threads) are given too: unlike wall-clock frames per
second they hardly move with what else the machine runs. ``load`` is the 1-minute
load average before and after. The last line printed is the JSON record (``make
bench`` collects it); the ``summary`` field is the sentence to quote.

    .venv/bin/python bench/bench_camera.py [--frames N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import cv2

from drivers.camera.frames import Frame
from drivers.camera.guidance import Guidance, GuideSettings
from drivers.camera.jpeg import Image
from drivers.camera.opencv_camera import OpenCvCamera
from drivers.camera.recording import SAMPLE_PERSON, record_video
from drivers.camera.scene import FacePose, SceneRenderer
from drivers.statistics import StatisticsStore
from kiosk.adapters.devices import CameraAdapter
from kiosk.flow.clock import SystemClock
from kiosk.flow.steps.face_live import LiveFace, LiveView
from kiosk.ui.screens.camera_view import render_frame
from kiosk_base.errors import UserFacingError

WARM_UP = 5


class UnpacedAdapter(CameraAdapter):
    """The kiosk's camera adapter with the pacer opened wide (the bench measures the
    rate the pipeline can sustain, not the 25 fps it is asked for)."""

    PREVIEW_FPS = 1000.0


def resident_frames(count: int) -> Iterator[Image]:
    """Nobody, then a resident walking up from the side, settling, turning, blinking."""
    scene = SceneRenderer(640, 480)
    for i in range(count):
        t = i / max(1, count - 1)
        if t < 0.1:
            yield scene.face_scene(None, i)
            continue
        walk = min(1.0, (t - 0.1) / 0.3)
        pose = FacePose(x=-0.2 * (1 - walk), size=0.7 + 0.3 * walk,
                        turn=0.8 if 0.6 < t < 0.7 else 0.0, eyes_closed=0.8 < t < 0.83)
        yield scene.face_scene(SAMPLE_PERSON, i, pose)


def preview_run(video: Path, frames: int, state: Path, closely: bool) -> tuple[float, float]:
    """(frames per second, CPU ms per frame) of the step's preview pipeline."""
    camera = OpenCvCamera("face_camera", OpenCvCamera.Settings.model_validate(
        {"source": str(video)}), statistics=StatisticsStore(state / "stats.json"))
    camera.open()
    adapter = UnpacedAdapter(camera)
    seen = 0
    enough = threading.Event()
    marks: list[float] = []

    def sink(frame: Frame, view: LiveView) -> None:  # what CameraView.deliver does
        nonlocal seen
        render_frame(frame, view)
        seen += 1
        if seen in (WARM_UP, WARM_UP + frames):
            marks.extend((time.perf_counter(), time.process_time()))
            if seen == WARM_UP + frames:
                enough.set()

    def on_guidance(guidance: Guidance, frame: Frame) -> None:
        pass

    def on_error(error: UserFacingError) -> None:
        raise RuntimeError(f"camera failed in the bench: {error.message_key}")

    live = LiveFace(adapter, SystemClock(), GuideSettings(), on_guidance, on_error)
    live.set_sink(sink)
    try:
        live.start()
        adapter.watch_closely(closely)
        if not enough.wait(300):
            raise RuntimeError("the preview stalled")
    finally:
        live.wipe()
        camera.close()
    wall, cpu = marks[2] - marks[0], marks[3] - marks[1]
    return frames / wall, cpu / frames * 1000


def bare_run(video: Path, frames: int) -> tuple[float, float]:
    cap = cv2.VideoCapture(str(video))
    for _ in range(WARM_UP):
        cap.read()
    done = 0
    started, cpu = time.perf_counter(), time.process_time()
    while done < frames:
        ok, image = cap.read()
        if not ok:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        cv2.resize(image, (320, 240), interpolation=cv2.INTER_AREA)
        done += 1
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    cap.release()
    return frames / elapsed, cpu_s / frames * 1000


def spread(values: list[float], digits: int = 2) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits),
            "min": round(min(values), digits), "max": round(max(values), digits)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=300, help="frames timed per round")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "preview": [], "challenge": []}
    with tempfile.TemporaryDirectory(prefix="bench-camera-") as tmp:
        state = Path(tmp)
        video = record_video(state / "resident.avi", resident_frames(120), fps=25)
        for _ in range(args.repeat):
            runs["bare"].append(bare_run(video, args.frames))
            runs["preview"].append(preview_run(video, args.frames, state, closely=False))
            runs["challenge"].append(preview_run(video, args.frames, state, closely=True))
    fps = {k: [r[0] for r in v] for k, v in runs.items()}
    cpu = {k: [r[1] for r in v] for k, v in runs.items()}
    ratio = [p / b for p, b in zip(fps["preview"], fps["bare"], strict=True)]
    load_after = os.getloadavg()[0]
    median = {k: statistics.median(v) for k, v in fps.items()}
    summary = (
        f"face preview 640x480 with detection: {median['preview']:.0f} fps "
        f"({min(fps['preview']):.0f}-{max(fps['preview']):.0f}; liveness phase "
        f"{median['challenge']:.0f}), {statistics.median(cpu['preview']):.1f} ms CPU/frame; "
        f"bare read+resize {median['bare']:.0f} fps, "
        f"{statistics.median(cpu['bare']):.1f} ms; target 25 fps "
        f"{'met' if median['preview'] >= 25 and median['challenge'] >= 25 else 'NOT met'}; "
        f"load {load_before:.2f}->{load_after:.2f}")
    print(json.dumps({
        "bench": "camera",
        "frame": "640x480",
        "detect_every": CameraAdapter.DETECT_EVERY,
        "repeat": args.repeat,
        "frames_per_round": args.frames,
        "preview_fps": spread(fps["preview"]),
        "challenge_fps": spread(fps["challenge"]),
        "bare_read_resize_fps": spread(fps["bare"]),
        "ratio_preview_to_bare": spread(ratio, 3),
        "preview_cpu_ms_per_frame": spread(cpu["preview"]),
        "challenge_cpu_ms_per_frame": spread(cpu["challenge"]),
        "bare_cpu_ms_per_frame": spread(cpu["bare"]),
        "target_preview_fps": 25,
        "meets_target": median["preview"] >= 25 and median["challenge"] >= 25,
        "load_1min": [round(load_before, 2), round(load_after, 2)],
        "summary": summary,
    }), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

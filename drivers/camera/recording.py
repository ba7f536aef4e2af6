"""Write frames to an MJPEG video file that :class:`OpenCvCamera` can play back.

Frames written here replay through the real driver with ``source = "<file>"``: the
camera bench (bench/bench_camera.py) and the tests run the shipping OpenCV driver on
such files, since a build machine has no video device.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2

from drivers.camera.jpeg import Image
from kiosk_base.errors import DeviceError

#: A made-up resident for recorded face scenes (valid check digit, nobody real).
SAMPLE_PERSON = "110101195803070230"


def record_video(path: Path, frames: Iterable[Image], fps: float = 10) -> Path:
    """Write BGR ``frames`` (all the same size) to ``path`` as MJPEG in AVI."""
    writer: cv2.VideoWriter | None = None
    try:
        for image in frames:
            if writer is None:
                height, width = image.shape[:2]
                writer = cv2.VideoWriter(
                    str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height)
                )
                if not writer.isOpened():
                    raise DeviceError(f"cannot write video {path}", code="VIDEO_WRITE")
            writer.write(image)
    finally:
        if writer is not None:
            writer.release()
    if writer is None:
        raise ValueError("no frames to record")
    return path

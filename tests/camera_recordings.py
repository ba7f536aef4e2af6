"""Recorded synthetic scenes for the tests that run the real OpenCV driver on a file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from drivers.camera.jpeg import Image
from drivers.camera.recording import SAMPLE_PERSON, record_video
from drivers.camera.scene import SceneRenderer


def record_simulated_scene(
    path: Path,
    scene: Literal["face", "nobody", "document", "covered"],
    frames: int = 6,
    size: tuple[int, int] | None = None,
) -> Path:
    """Record a synthetic scene (see drivers/camera/scene.py) to ``path``."""
    width, height = size or ((1280, 960) if scene == "document" else (640, 480))
    renderer = SceneRenderer(width, height)

    def images() -> Iterable[Image]:
        for i in range(frames):
            if scene == "document":
                yield renderer.document_scene(i)
            elif scene == "nobody":
                yield renderer.face_scene(None, i)
            elif scene == "covered":
                yield SceneRenderer.covered(renderer.face_scene(SAMPLE_PERSON, i))
            else:
                yield renderer.face_scene(SAMPLE_PERSON, i)

    return record_video(path, images())

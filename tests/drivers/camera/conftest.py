"""Fixtures for the camera tests: recorded video files the real OpenCV driver plays."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.camera_recordings import record_simulated_scene


@pytest.fixture(scope="session")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_simulated_scene(tmp_path_factory.mktemp("video") / "face.avi", "face")


@pytest.fixture(scope="session")
def covered_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_simulated_scene(tmp_path_factory.mktemp("video") / "covered.avi", "covered")

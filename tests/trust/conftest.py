"""Fixtures: the embedded reference backend over real loopback HTTP, and a client for it
(as in tests/backend)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_client.client import BackendClient
from backend_client.settings import BackendSettings
from backend_sim.embedded import EmbeddedBackend, start_embedded

TERMINAL = "KIOSK-TEST-0001"


@pytest.fixture
def backend(tmp_path: Path, state_dir: Path) -> Iterator[EmbeddedBackend]:
    embedded = start_embedded(tmp_path / "backend.sqlite", state_dir, terminal_id=TERMINAL)
    yield embedded
    embedded.stop()


@pytest.fixture
def settings() -> BackendSettings:
    return BackendSettings(url="embedded", connect_timeout_s=2, read_timeout_s=5, retries=3)


@pytest.fixture
def client(
    backend: EmbeddedBackend, settings: BackendSettings, state_dir: Path
) -> Iterator[BackendClient]:
    c = BackendClient(settings, TERMINAL, state_dir, base_url=backend.url, backoff_s=0.05)
    yield c
    c.close()

"""The reference backend over real loopback HTTP and a client for it: the fixtures that
tests/backend and tests/trust share (each conftest imports them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_client.client import BackendClient
from backend_client.settings import BackendSettings
from backend_sim.embedded import EmbeddedBackend, start_embedded

TERMINAL = "KIOSK-TEST-0001"


def running_backend(tmp_path: Path, state_dir: Path,
                    terminal_id: str) -> Iterator[EmbeddedBackend]:
    """The body of a ``backend`` fixture: started on loopback, stopped after the test."""
    embedded = start_embedded(tmp_path / "backend.sqlite", state_dir, terminal_id=terminal_id)
    try:
        yield embedded
    finally:
        embedded.stop()


@pytest.fixture
def backend(tmp_path: Path, state_dir: Path) -> Iterator[EmbeddedBackend]:
    yield from running_backend(tmp_path, state_dir, TERMINAL)


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

"""The kiosk compares its clock with the backend's at every health check: a warning past
CLOCK_WARN_S, out of service past the signature window (signed calls are refused then)."""

from __future__ import annotations

import logging

import pytest

from backend_client.client import BackendClient
from backend_client.errors import BackendAuthError
from backend_client.signing import CLOCK_WARN_S, MAX_CLOCK_SKEW_S
from backend_sim.embedded import EmbeddedBackend


def test_clock_in_step(client: BackendClient) -> None:
    client.health()
    assert client.clock_skew_s is not None and abs(client.clock_skew_s) < 5
    assert not client.clock_out_of_window


def test_small_skew_warns_but_keeps_serving(
    backend: EmbeddedBackend, client: BackendClient, caplog: pytest.LogCaptureFixture
) -> None:
    backend.state.clock_offset_s = CLOCK_WARN_S + 30
    with caplog.at_level(logging.WARNING, "backend_client.client"):
        client.health()
    assert "clock is" in caplog.text and not client.clock_out_of_window
    assert client.catalog().services  # still inside the signature window


@pytest.mark.parametrize("offset", [MAX_CLOCK_SKEW_S + 60, -(MAX_CLOCK_SKEW_S + 60)])
def test_skew_beyond_the_window_is_out_of_service(
    backend: EmbeddedBackend, client: BackendClient, offset: float
) -> None:
    backend.state.clock_offset_s = offset
    client.health()
    assert client.clock_out_of_window
    with pytest.raises(BackendAuthError):
        client.catalog()
    backend.state.clock_offset_s = 0
    client.health()
    assert not client.clock_out_of_window

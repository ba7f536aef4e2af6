"""Fixtures: the reference backend over real loopback HTTP, and a client for it."""

from __future__ import annotations

import pytest

from backend_client.client import BackendClient
from backend_client.models import IdentityCheckRequest
from backend_sim.embedded import EmbeddedBackend
from backend_sim.phone import SimulatedPhone
from tests.backend.fixtures import TERMINAL, backend, client, settings

__all__ = ["TERMINAL", "backend", "client", "settings"]

ZHANG_WEI = IdentityCheckRequest(
    document_type="resident_id", name="张伟", id_number="110101195803070230",
    valid_from="2016-03-07", valid_until=None,
)


@pytest.fixture
def phone(backend: EmbeddedBackend) -> SimulatedPhone:
    return SimulatedPhone(backend.url)


@pytest.fixture
def zhang_wei() -> IdentityCheckRequest:
    return ZHANG_WEI


@pytest.fixture
def zhang_token(client: BackendClient) -> str:
    check = client.check_identity(ZHANG_WEI)
    assert check.result == "valid" and check.person_token
    return check.person_token

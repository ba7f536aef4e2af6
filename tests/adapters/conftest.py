"""Fixtures: the adapters (kiosk/adapters) over the reference backend on loopback and
the device simulators, built the way kiosk/adapters.build_ports builds them."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from backend_client.client import BackendClient
from backend_client.journal import PaymentJournal
from backend_client.settings import BackendSettings
from backend_sim.catalog import build_catalog
from backend_sim.embedded import EmbeddedBackend
from backend_sim.phone import SimulatedPhone
from drivers.base import Device
from drivers.registry import DeviceRegistry
from kiosk.adapters.backend import BackendPorts
from kiosk.config import parse_config
from kiosk.devices import build_registry
from kiosk.flow import ports as p
from tests.backend.fixtures import running_backend

TERMINAL = "KIOSK-ADAPTER-0001"
ZHANG_WEI = p.Person(name="张伟", id_number="110101195803070230", source="id_card",
                     card_type="resident_id")


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(4, thread_name_prefix="adapter-test")
    yield pool
    pool.shutdown(wait=True)


@pytest.fixture
def backend(tmp_path: Path, state_dir: Path) -> Iterator[EmbeddedBackend]:
    yield from running_backend(tmp_path, state_dir, TERMINAL)


@pytest.fixture
def client(backend: EmbeddedBackend, state_dir: Path) -> Iterator[BackendClient]:
    # One retry and a short read timeout keep the hostile cases quick.
    settings = BackendSettings(url="embedded", connect_timeout_s=2, read_timeout_s=1.5,
                               retries=1)
    c = BackendClient(settings, TERMINAL, state_dir, base_url=backend.url, backoff_s=0.05)
    yield c
    c.close()


@pytest.fixture
def journal(state_dir: Path) -> PaymentJournal:
    return PaymentJournal(state_dir / "payments.sqlite")


@pytest.fixture
def ports(client: BackendClient, executor: ThreadPoolExecutor,
          journal: PaymentJournal) -> BackendPorts:
    catalog = build_catalog()
    return BackendPorts(client, executor, journal, lambda: catalog)


@pytest.fixture
def phone(backend: EmbeddedBackend) -> SimulatedPhone:
    return SimulatedPhone(backend.url)


@pytest.fixture
def zhang(ports: BackendPorts) -> p.Person:
    """张伟, checked by the backend (so the adapter holds his person token)."""
    check = ports.check_identity(ZHANG_WEI).result(timeout=10)
    assert check.verdict is p.IdentityVerdict.VERIFIED
    return ZHANG_WEI


def sim(device: Device) -> Any:
    """The simulator behind a simulated device (the scenario hooks use the same)."""
    return device.simulator


class Devices:
    """Simulated devices opened like the kiosk opens them (config -> registry)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.registries: list[DeviceRegistry] = []

    def open(self, role: str) -> Device:
        config = parse_config({
            "state_dir": str(self.state_dir),
            "devices": {"card_reader": {"impl": "sim", "transport": "in-process"}},
        })
        registry = build_registry(config, [role])
        registry.open_all()
        self.registries.append(registry)
        return registry[role]

    def close(self) -> None:
        for registry in self.registries:
            registry.close_all()


@pytest.fixture
def devices(state_dir: Path) -> Iterator[Devices]:
    opened = Devices(state_dir)
    yield opened
    opened.close()


@pytest.fixture
def certificate(ports: BackendPorts, zhang: p.Person) -> dict[str, object]:
    """A certificate as the backend issues it (the mapping the print step gets)."""
    import uuid

    request = p.SubmissionRequest(
        idempotency_key=uuid.uuid4().hex, action="certificate",
        kind="social_insurance_record", service_id="social_insurance_certificate",
        person=zhang, language="zh")
    return dict(ports.issue_certificate(request).result(timeout=10))

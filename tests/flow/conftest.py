"""Fixtures of the flow tests: a kiosk of fakes, a manual executor, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_client.service_definition import ServiceDefinition
from kiosk.flow.engine import FlowEngine
from kiosk.flow.steps import FlowSettings, StepContext
from kiosk.session import Session

from .backend_fakes import Kiosk
from .fakes import FakeClock, ManualExecutor


@pytest.fixture
def kiosk() -> Kiosk:
    return Kiosk()


@pytest.fixture
def executor() -> ManualExecutor:
    return ManualExecutor()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    session = Session("zh", temp_root=tmp_path / "sessions")
    yield session
    session.wipe()


@pytest.fixture
def settings() -> FlowSettings:
    return FlowSettings(qr_login_s=20.0, payment_s=20.0, poll_interval_s=2.0)


@pytest.fixture
def make_context(kiosk, session, executor, clock, settings):  # type: ignore[no-untyped-def]
    def make(service: ServiceDefinition) -> StepContext:
        return StepContext(service, session, kiosk.ports(), executor, clock, settings)

    return make


@pytest.fixture
def make_engine(kiosk, session, executor, clock, settings):  # type: ignore[no-untyped-def]
    def make(service: ServiceDefinition) -> FlowEngine:
        return FlowEngine(service, session, kiosk.ports(), executor, clock=clock,
                          settings=settings)

    return make

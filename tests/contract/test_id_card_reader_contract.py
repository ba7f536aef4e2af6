"""The ID card reader contract, run against every implementation: the simulator (real
serial driver on the simulator's pty) and the serial driver against a separately started
pty simulator (its transport simulator)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from card.errors import IdCardMediaError
from drivers.health import HealthLevel
from drivers.idcard.base import IdCardReader
from drivers.idcard.simulator import IdCardReaderSimulator
from drivers.registry import implementation_class
from drivers.statistics import StatisticsStore
from drivers.status import DeviceState, StatusChange
from kiosk_base.errors import DeviceNotOpenError, UnknownFaultError
from kiosk_base.faults import FaultInjectable


def wait_for(condition: Callable[[], bool], limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.05)


@pytest.fixture(params=["sim", "serial"])
def device(request: pytest.FixtureRequest) -> Iterator[tuple[IdCardReader, IdCardReaderSimulator]]:
    cls = implementation_class("id_card_reader", request.param)
    assert issubclass(cls, IdCardReader)
    external: IdCardReaderSimulator | None = None
    if request.param == "sim":
        settings = cls.Settings.model_validate({"profile": "zhang_wei", "poll_interval_s": 0.1,
                                                "timeout_s": 0.5})
    else:
        external = IdCardReaderSimulator("zhang_wei")
        settings = cls.Settings.model_validate({"port": external.start(),
                                                "poll_interval_s": 0.1, "timeout_s": 0.5})
    dev = cls("id_card_reader", settings, statistics=StatisticsStore(None))
    sim = external or dev.simulator
    assert isinstance(sim, IdCardReaderSimulator)
    yield dev, sim
    dev.close()
    if external is not None:
        external.stop()


def test_lifecycle_status_and_events(device: tuple[IdCardReader, IdCardReaderSimulator]) -> None:
    dev, sim = device
    with pytest.raises(DeviceNotOpenError):
        dev.read()
    events: list[StatusChange] = []
    dev.subscribe(events.append)
    assert dev.open().state is DeviceState.ONLINE
    wait_for(lambda: dev.status.detail.get("media") == "present")
    sim.remove_card()
    wait_for(lambda: dev.status.detail.get("media") == "not_present")
    assert any(e.new.detail.get("media") == "not_present" for e in events)
    dev.close()
    assert dev.status.state is DeviceState.CLOSED
    dev.close()


def test_read_statistics_and_health(device: tuple[IdCardReader, IdCardReaderSimulator]) -> None:
    dev, sim = device
    dev.open()
    assert dev.read().result(30).name == "张伟"
    assert dev.statistics.snapshot()["cards_read"] == 1
    assert dev.check_health(HealthLevel.INTERNAL).ok
    assert dev.check_health(HealthLevel.EXTERNAL).ok
    sim.remove_card()
    with pytest.raises(IdCardMediaError) as info:
        dev.read().result(30)
    assert info.value.message_key == "error.idcard.no_card"


def test_faults(device: tuple[IdCardReader, IdCardReaderSimulator]) -> None:
    dev, sim = device
    assert isinstance(sim, FaultInjectable)
    assert "removed_mid_read" in sim.faults()
    with pytest.raises(UnknownFaultError):
        sim.inject("no_such_fault")
    dev.open()
    sim.inject("removed_mid_read")
    assert "removed_mid_read" in sim.active_faults()
    with pytest.raises(IdCardMediaError) as info:
        dev.read().result(30)
    assert info.value.message_key == "error.idcard.removed_during_read"
    sim.insert_card("foreign_permanent")
    sim.inject("checksum_error")
    assert dev.read().result(30).nationality == "USA"
    sim.clear()
    assert not sim.active_faults()

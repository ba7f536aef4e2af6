"""The citizen card reader contract, run against every implementation: the simulator
(through pcscd + vpcd, and in its in-process fallback) and the real PC/SC driver against
vpcd (its transport simulator)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from drivers.health import HealthLevel
from drivers.pcsc.base import CardReader
from drivers.pcsc.simulator import CardReaderSimulator
from drivers.registry import implementation_class
from drivers.statistics import StatisticsStore
from drivers.status import DeviceState
from kiosk_base.errors import DeviceNotOpenError, MediaError, UnknownFaultError
from kiosk_base.faults import FaultInjectable


def wait_for(condition: Callable[[], bool], limit_s: float = 30.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def pcscd_for_contract() -> Iterator[None]:
    from drivers.pcsc.daemon import PcscDaemon

    daemon = PcscDaemon.shared()
    if not daemon.acquire():
        pytest.skip("no pcscd and no permission to start one")
    yield
    daemon.release()


@pytest.fixture(params=["sim-pcscd", "sim-in-process", "pcsc"])
def device(request: pytest.FixtureRequest) -> Iterator[tuple[CardReader, CardReaderSimulator]]:
    external: CardReaderSimulator | None = None
    if request.param != "sim-in-process":
        request.getfixturevalue("pcscd_for_contract")
    if request.param == "pcsc":
        cls = implementation_class("card_reader", "pcsc")
        settings = cls.Settings.model_validate({"reader": "Virtual PCD 00 00",
                                                "psam_reader": "Virtual PCD 00 01",
                                                "poll_interval_s": 0.1})
        external = CardReaderSimulator(in_process=False)
        external.start()
        external.insert_card("wang_fang")
    else:
        cls = implementation_class("card_reader", "sim")
        settings = cls.Settings.model_validate({
            "profile": "wang_fang", "poll_interval_s": 0.1,
            "transport": "pcscd" if request.param == "sim-pcscd" else "in-process"})
    assert issubclass(cls, CardReader)
    dev = cls("card_reader", settings, statistics=StatisticsStore(None))
    sim = external or dev.simulator
    assert isinstance(sim, CardReaderSimulator)
    yield dev, sim
    dev.close()
    if external is not None:
        external.stop()


def _ready(dev: CardReader, sim: CardReaderSimulator) -> None:
    wait_for(lambda: sim.in_process or sim.card_connected)
    wait_for(lambda: dev.status.detail.get("media") == "present")


def test_lifecycle_and_presence(device: tuple[CardReader, CardReaderSimulator]) -> None:
    dev, sim = device
    with pytest.raises(DeviceNotOpenError):
        dev.read()
    assert dev.open().state is DeviceState.ONLINE
    _ready(dev, sim)
    sim.remove_card()
    wait_for(lambda: dev.status.detail.get("media") == "not_present")
    with pytest.raises(MediaError):
        dev.read().result(30)
    dev.close()
    assert dev.status.state is DeviceState.CLOSED


def test_read_purse_statistics_health(device: tuple[CardReader, CardReaderSimulator]) -> None:
    dev, sim = device
    dev.open()
    _ready(dev, sim)
    card = dev.read().result(30)
    assert card.card_number == "C44030500"
    assert dev.purse_balance().result(30) == 5000
    assert dev.statistics.snapshot()["cards_read"] == 1
    assert dev.check_health(HealthLevel.INTERNAL).ok
    assert dev.check_health(HealthLevel.EXTERNAL).ok


def test_faults(device: tuple[CardReader, CardReaderSimulator]) -> None:
    dev, sim = device
    assert isinstance(sim, FaultInjectable)
    with pytest.raises(UnknownFaultError):
        sim.inject("no_such_fault")
    dev.open()
    _ready(dev, sim)
    sim.inject("card_removed_mid_read", after=3)
    with pytest.raises(MediaError):
        dev.read().result(30)
    sim.clear()
    sim.insert_card("chen_jie_ss")
    _ready(dev, sim)
    wait_for(lambda: dev.read().exception(30) is None)
    assert dev.read().result(30).purse is None

"""The Device base contract, exercised through a minimal implementation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from drivers.base import Device, DeviceSettings
from drivers.health import HealthLevel, HealthReport
from drivers.statistics import StatisticsStore
from drivers.status import DeviceState, StatusChange
from kiosk_base.errors import DeviceNotOpenError, HardwareError, NoDeviceError, UnknownFaultError
from kiosk_base.faults import FaultInjectable, FaultSet


class LampSettings(DeviceSettings):
    watts: int = 5


class Lamp(Device):
    """A tiny device: a lamp that can be switched, with a simulator's fault set."""

    family = "lamp"
    Settings = LampSettings

    def __init__(self, *args: object, fail_open: Exception | None = None, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.fail_open = fail_open
        self.worker_threads: set[str] = set()
        self._faults = FaultSet({"burnt_out": "the bulb is broken"}, owner="lamp",
                                on_change=self._faults_changed)

    @property
    def simulator(self) -> FaultInjectable:
        return self._faults

    def _faults_changed(self) -> None:
        if self._faults.is_active("burnt_out"):
            self._set_status(DeviceState.HARDWARE_ERROR, detail={"bulb": "broken"},
                             error_code="BULB", reason="bulb broken")
        else:
            self._set_status(DeviceState.ONLINE, detail={"bulb": "ok"}, error_code="",
                             reason="")

    def _open(self) -> None:
        self.worker_threads.add(threading.current_thread().name)
        if self.fail_open:
            raise self.fail_open
        self._set_status(detail={"bulb": "ok"})

    def _close(self) -> None:
        self.worker_threads.add(threading.current_thread().name)

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        self.worker_threads.add(threading.current_thread().name)
        report.check("bulb", not self._faults.is_active("burnt_out"), "bulb state")
        if level is HealthLevel.EXTERNAL:
            self.statistics.increment("flashes")
            report.check("flash", True, "flashed once")

    def switch_on(self) -> str:
        self.statistics.increment("switched_on")
        return threading.current_thread().name


def test_open_reports_online_and_fires_events() -> None:
    lamp = Lamp("lamp")
    changes: list[StatusChange] = []
    lamp.subscribe(changes.append)
    status = lamp.open()
    assert status.state is DeviceState.ONLINE
    assert status.detail["bulb"] == "ok"
    states = [c.new.state for c in changes]
    assert states[0] is DeviceState.STARTING and states[-1] is DeviceState.ONLINE
    lamp.close()
    assert lamp.status.state is DeviceState.CLOSED
    lamp.close()  # twice is fine


def test_work_runs_on_the_device_thread_not_the_caller() -> None:
    lamp = Lamp("lamp")
    lamp.open()
    try:
        name = lamp.call(lamp.switch_on)
        assert name.startswith("dev-lamp")
        assert name != threading.current_thread().name
        assert all(t.startswith("dev-lamp") for t in lamp.worker_threads)
    finally:
        lamp.close()


def test_calls_before_open_are_refused() -> None:
    with pytest.raises(DeviceNotOpenError):
        Lamp("lamp").submit(lambda: None)


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (NoDeviceError("port missing", code="ENOENT"), DeviceState.NO_DEVICE),
        (HardwareError("lamp on fire", code="FIRE"), DeviceState.HARDWARE_ERROR),
    ],
)
def test_open_failure_is_a_state_not_an_exception(error: Exception, state: DeviceState) -> None:
    lamp = Lamp("lamp", fail_open=error)
    status = lamp.open()
    try:
        assert status.state is state
        assert status.error_code == error.code  # type: ignore[attr-defined]
        assert str(error.args[0]) in status.reason
    finally:
        lamp.close()


def test_fault_injection_changes_status_and_clear_restores() -> None:
    lamp = Lamp("lamp")
    lamp.open()
    changes: list[StatusChange] = []
    lamp.subscribe(changes.append)
    try:
        assert lamp.simulator is not None
        lamp.simulator.inject("burnt_out")
        assert lamp.status.state is DeviceState.HARDWARE_ERROR
        assert lamp.status.detail["bulb"] == "broken"
        assert lamp.describe()["faults"] == {"burnt_out": {}}
        lamp.simulator.clear()
        assert lamp.status.state is DeviceState.ONLINE
        assert [c.new.state for c in changes] == [DeviceState.HARDWARE_ERROR, DeviceState.ONLINE]
        with pytest.raises(UnknownFaultError, match="burnt_out"):
            lamp.simulator.inject("melted")
    finally:
        lamp.close()


def test_no_event_when_nothing_changes() -> None:
    lamp = Lamp("lamp")
    lamp.open()
    changes: list[StatusChange] = []
    unsubscribe = lamp.subscribe(changes.append)
    lamp._set_status(DeviceState.ONLINE, detail={"bulb": "ok"})
    assert changes == []
    unsubscribe()
    lamp.simulator.inject("burnt_out")
    assert changes == []
    lamp.close()


def test_health_checks_at_both_levels() -> None:
    lamp = Lamp("lamp")
    assert not lamp.check_health().ok  # closed
    lamp.open()
    try:
        internal = lamp.check_health(HealthLevel.INTERNAL)
        assert internal.ok and [c[0] for c in internal.checks] == ["bulb"]
        external = lamp.check_health(HealthLevel.EXTERNAL)
        assert external.ok and [c[0] for c in external.checks] == ["bulb", "flash"]
        lamp.simulator.inject("burnt_out")
        failed = lamp.check_health()
        assert not failed.ok and "bulb" in failed.summary
        assert failed.to_dict()["checks"][0]["ok"] is False  # type: ignore[index]
    finally:
        lamp.close()


def test_statistics_persist_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "stats.json"
    lamp = Lamp("lamp", statistics=StatisticsStore(path))
    lamp.open()
    lamp.call(lamp.switch_on)
    lamp.call(lamp.switch_on)
    lamp.close()
    again = Lamp("lamp", statistics=StatisticsStore(path))
    assert again.statistics.snapshot() == {"switched_on": 2}


def test_corrupt_statistics_file_starts_from_zero(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "stats.json"
    path.write_text("{not json", encoding="utf-8")
    store = StatisticsStore(path)
    assert store.snapshot("lamp") == {}
    assert "unreadable" in caplog.text
    store.increment("lamp", "x")
    assert StatisticsStore(path).snapshot("lamp") == {"x": 1}


@pytest.mark.expected_errors
def test_a_failing_listener_does_not_break_the_device(caplog: pytest.LogCaptureFixture) -> None:
    lamp = Lamp("lamp")
    seen: list[StatusChange] = []

    def broken(_: StatusChange) -> None:
        raise RuntimeError("listener bug")

    lamp.subscribe(broken)
    lamp.subscribe(seen.append)
    lamp.open()
    lamp.close()
    assert seen, "the second listener still ran"
    assert "status listener failed" in caplog.text


def test_settings_are_typed_and_strict() -> None:
    assert Lamp("lamp", LampSettings(watts=7)).settings == LampSettings(watts=7)
    with pytest.raises(ValueError, match="extra"):
        LampSettings.model_validate({"watts": 5, "colour": "red"})

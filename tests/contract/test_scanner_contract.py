"""The scanner contract, run against every implementation.

Implementations: the simulator (SaneScanner + SANE's test backend with fault
injection) and the real SaneScanner configured by hand against the same test backend
(its transport simulator) through its own settings, with no simulator attached.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from drivers.base import Device
from drivers.health import HealthLevel
from drivers.registry import implementation_class
from drivers.scanner.base import CoverOpenError, NoDocumentError, PaperJamError, Scanner
from drivers.scanner.sane import SaneScanner
from drivers.scanner.sim import SimulatedScanner
from drivers.statistics import StatisticsStore
from drivers.status import DeviceState, StatusChange
from kiosk_base.errors import DeviceError, DeviceNotOpenError, NoDeviceError, UnknownFaultError

pytestmark = pytest.mark.skipif(shutil.which("scanimage") is None, reason="needs sane-utils")


@pytest.fixture(scope="module")
def sane_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("sane")
    (d / "dll.conf").write_text("test\n", encoding="ascii")
    return d


@pytest.fixture(params=["sim", "sane"])
def scanner(
    request: pytest.FixtureRequest, sane_config: Path, state_dir: Path
) -> Iterator[Scanner]:
    impl = request.param
    cls = implementation_class("scanner", impl)
    raw: dict[str, object] = {}
    if impl == "sane":
        raw = {
            "device": "test:0",
            "sane_config_dir": str(sane_config),
            "area_mm": (100, 140),
            "extra_options": ["--test-picture", "Color pattern"],
        }
    device = cls(
        "scanner",
        cls.Settings.model_validate(raw),
        statistics=StatisticsStore(state_dir / "stats.json"),
    )
    assert isinstance(device, Scanner)
    yield device
    device.close()


def test_registry_names_both_implementations() -> None:
    assert implementation_class("scanner", "sim") is SimulatedScanner
    assert implementation_class("scanner", "sane") is SaneScanner


def test_open_close_and_status_events(scanner: Scanner) -> None:
    events: list[StatusChange] = []
    scanner.subscribe(events.append)
    status = scanner.open()
    assert status.state == DeviceState.ONLINE, status
    assert status.detail == {"media": "unknown", "cover": "unknown"}
    scanner.close()
    scanner.close()
    states = [e.new.state for e in events]
    assert states[0] == DeviceState.STARTING and DeviceState.ONLINE in states
    assert states[-1] == DeviceState.CLOSED


def test_scan_before_open_is_refused(scanner: Scanner) -> None:
    with pytest.raises(DeviceNotOpenError):
        scanner.scan()


def test_resolution_out_of_range_is_refused(scanner: Scanner) -> None:
    scanner.open()
    with pytest.raises(ValueError, match="dpi"):
        scanner.scan(5000)


@pytest.mark.parametrize("dpi", [75, 150])
def test_scan_returns_a_decodable_page_of_the_asked_resolution(scanner: Scanner, dpi: int) -> None:
    scanner.open()
    page = scanner.scan(dpi).result(timeout=60)
    image = cv2.imdecode(np.frombuffer(page.data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None and page.format == "png"
    assert (image.shape[1], image.shape[0]) == (page.width, page.height)
    assert page.dpi == dpi and not page.blank
    # The scan area is given in mm: the pixel size follows the resolution.
    area = scanner.settings.model_dump()["area_mm"]
    assert page.width == pytest.approx(area[0] / 25.4 * dpi, abs=2)
    assert scanner.status.detail == {"media": "present", "cover": "closed"}
    assert scanner.statistics.snapshot()["pages"] == 1
    assert "bytes" in repr(page) and str(page.data[:8]) not in repr(page)


def test_health_at_both_levels(scanner: Scanner) -> None:
    assert not scanner.check_health().ok
    scanner.open()
    internal = scanner.check_health(HealthLevel.INTERNAL)
    assert internal.ok, internal
    assert "scan" not in [name for name, _, _ in internal.checks]
    external = scanner.check_health(HealthLevel.EXTERNAL)
    assert external.ok, external
    assert {"scan", "not_blank"} <= {name for name, _, _ in external.checks}


def test_statistics_persist(scanner: Scanner, state_dir: Path) -> None:
    scanner.open()
    scanner.scan(75).result(timeout=60)
    assert StatisticsStore(state_dir / "stats.json").snapshot("scanner")["pages"] == 1


# -- fault injection ------------------------------------------------------------------


def _simulated(scanner: Scanner) -> SimulatedScanner:
    if scanner.simulator is None:
        pytest.skip("real driver: its transport faults are tested in tests/drivers/scanner")
    assert isinstance(scanner, SimulatedScanner)
    return scanner


def test_simulator_lists_its_faults(scanner: Scanner) -> None:
    sim = _simulated(scanner).simulator
    assert {"no_device", "jam", "cover_open", "slow"} <= set(sim.faults())
    with pytest.raises(UnknownFaultError):
        sim.inject("coffee_spilled")


@pytest.mark.parametrize(
    ("fault", "error", "code", "detail"),
    [
        ("jam", PaperJamError, "SANE_STATUS_JAMMED", {"media": "jammed", "cover": "closed"}),
        (
            "cover_open",
            CoverOpenError,
            "SANE_STATUS_COVER_OPEN",
            {"media": "unknown", "cover": "open"},
        ),
        (
            "feeder_empty",
            NoDocumentError,
            "SANE_STATUS_NO_DOCS",
            {"media": "not_present", "cover": "closed"},
        ),
    ],
)
def test_media_faults_come_back_as_typed_errors_and_status(
    scanner: Scanner, fault: str, error: type[DeviceError], code: str, detail: dict[str, str]
) -> None:
    sim = _simulated(scanner).simulator
    scanner.open()
    sim.inject(fault)
    with pytest.raises(error) as info:
        scanner.scan(75).result(timeout=60)
    assert info.value.code == code
    assert info.value.user_facing().message_key.startswith("error.scanner.")
    assert state_of(scanner) == DeviceState.USER_ERROR
    assert dict(scanner.status.detail) == detail
    assert scanner.statistics.snapshot()["errors"] == 1
    sim.clear(fault)
    assert not scanner.scan(75).result(timeout=60).blank
    assert state_of(scanner) == DeviceState.ONLINE
    assert dict(scanner.status.detail) == {"media": "present", "cover": "closed"}


def test_no_device_at_open_and_recovery(scanner: Scanner) -> None:
    sim = _simulated(scanner).simulator
    sim.inject("no_device")
    assert scanner.open().state == DeviceState.NO_DEVICE
    assert not scanner.check_health().ok
    with pytest.raises(NoDeviceError):
        scanner.scan(75).result(timeout=60)
    sim.clear("no_device")
    scanner.scan(75).result(timeout=60)
    assert state_of(scanner) == DeviceState.ONLINE


def test_scanner_disappearing_after_open(scanner: Scanner) -> None:
    sim = _simulated(scanner).simulator
    scanner.open()
    sim.inject("no_device")
    with pytest.raises(NoDeviceError) as info:
        scanner.scan(75).result(timeout=60)
    assert info.value.code == "SANE_OPEN_FAILED"
    assert state_of(scanner) == DeviceState.NO_DEVICE


def test_blank_page_fails_the_external_health_check(scanner: Scanner) -> None:
    sim = _simulated(scanner).simulator
    scanner.open()
    sim.inject("blank")
    assert scanner.scan(75).result(timeout=60).blank
    result = scanner.check_health(HealthLevel.EXTERNAL)
    assert not result.ok and "not_blank" in result.summary


def state_of(device: Device) -> DeviceState:
    """The current state (a call, so mypy does not narrow it across actions)."""
    return device.status.state

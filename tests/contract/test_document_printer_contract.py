"""Document printer contract, over the simulator and the CUPS driver on a real cupsd."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.cups.family import DocumentPrinter
from drivers.cups.printer import CupsDocumentPrinter, CupsSettings
from drivers.cups.sim import SimulatedDocumentPrinter
from drivers.health import HealthLevel
from drivers.status import DeviceState, StatusChange
from printers.certificate import CertificateRenderer
from printers.certificate.sample import sample_certificate
from printers.jobs import PaperOutError


def _load_cupsd_fixture() -> object:
    """The private-cupsd fixture of tests/drivers/cups (one definition, used here too)."""
    path = Path(__file__).parents[1] / "drivers" / "cups" / "conftest.py"
    spec = importlib.util.spec_from_file_location("kiosk_tests_cupsd", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.cups_server


cups_server = _load_cupsd_fixture()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return CertificateRenderer().render(sample_certificate("zh", months=3))


@pytest.fixture(params=["sim", "cups"])
def device(request: pytest.FixtureRequest) -> Iterator[DocumentPrinter]:
    if request.param == "sim":
        dev: DocumentPrinter = SimulatedDocumentPrinter("a4_printer")
    else:
        server = request.getfixturevalue("cups_server")
        dev = CupsDocumentPrinter(
            "a4_printer", CupsSettings(queue=server.queue, server=server.socket)
        )
    yield dev
    dev.close()


def test_open_close_status_events(device: DocumentPrinter) -> None:
    events: list[StatusChange] = []
    device.subscribe(events.append)
    assert device.family == "document_printer"
    assert device.open().state == DeviceState.ONLINE
    assert {"paper", "toner", "cover", "media"} <= set(device.status.detail)
    device.close()
    assert events[-1].new.state == DeviceState.CLOSED


def test_prints_and_counts(device: DocumentPrinter, pdf: bytes) -> None:
    device.open()
    assert device.print_pdf(pdf, "SB-2026-00000123").result(60).ok
    assert device.check_health(HealthLevel.INTERNAL).ok
    assert device.check_health(HealthLevel.EXTERNAL).ok
    assert device.statistics.snapshot().get("pages_printed", 0) >= 0


def test_simulator_faults(device: DocumentPrinter, pdf: bytes) -> None:
    device.open()
    sim = device.simulator
    if sim is None:
        pytest.skip("real CUPS: faults come from the printer (see tests/drivers/cups)")
    assert set(sim.faults()) >= {"media_empty", "media_jam", "cover_open", "offline",
                                 "toner_low", "job_aborted"}  # fmt: skip
    sim.inject("media_empty")
    with pytest.raises(PaperOutError):
        device.print_pdf(pdf, "t").result(10)
    assert device.status.detail["paper"] == "out"

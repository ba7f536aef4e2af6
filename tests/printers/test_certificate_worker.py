"""The certificate render process (printers/certificate/worker.py), run for real."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from printers.certificate.data import CertificateData
from printers.certificate.renderer import CertificateRenderer
from printers.certificate.sample import sample_certificate_json
from printers.certificate.worker import RenderProcess
from printers.errors import CertificateDataError


@pytest.fixture
def process() -> RenderProcess:
    proc = RenderProcess(timeout_s=60)
    yield proc
    proc.stop()


def test_the_child_renders_the_bytes_the_kiosk_would(process: RenderProcess) -> None:
    certificate = sample_certificate_json(months=12)
    pdf = process.render(certificate)
    assert pdf.startswith(b"%PDF")
    assert pdf == CertificateRenderer().render(CertificateData.from_json(certificate))
    assert process.started == 1
    assert process.render(sample_certificate_json("en", months=3)).startswith(b"%PDF")
    assert process.started == 1  # one child serves every certificate


def test_bad_data_is_the_same_error_and_the_child_goes_on(process: RenderProcess) -> None:
    bad = {**sample_certificate_json(months=2), "number": ""}
    with pytest.raises(CertificateDataError, match="number"):
        process.render(bad)
    assert process.render(sample_certificate_json(months=2)).startswith(b"%PDF")
    assert process.started == 1


def test_a_killed_child_is_replaced(process: RenderProcess) -> None:
    process.start()
    first = process.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert process.render(sample_certificate_json(months=2)).startswith(b"%PDF")
    assert process.started == 2 and process.pid != first


def test_no_child_at_all_falls_back_to_rendering_here(
        process: RenderProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")  # every child dies at once
    assert process.render(sample_certificate_json(months=2)).startswith(b"%PDF")
    assert process.started == 2  # tried, replaced once, then rendered in this process


def test_the_child_exits_when_the_kiosk_closes_its_end(process: RenderProcess) -> None:
    process.start()
    proc = process._proc
    assert proc is not None
    process.stop()
    assert proc.returncode == 0

"""CupsDocumentPrinter against a real cupsd (started by conftest.py) and reason mapping."""

from __future__ import annotations

import pytest

from drivers.cups.family import detail_from_reasons, error_from_reasons
from drivers.cups.printer import CupsDocumentPrinter, CupsSettings
from drivers.status import DeviceState
from printers.certificate import CertificateRenderer
from printers.certificate.sample import sample_certificate
from printers.jobs import JobState, PaperOutError

pytestmark = pytest.mark.cupsd


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return CertificateRenderer().render(sample_certificate("zh", months=30))


def test_certificate_prints_to_completion(cups_server, pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    dev = CupsDocumentPrinter(
        "a4_printer", CupsSettings(queue=cups_server.queue, server=cups_server.socket)
    )
    assert dev.open().state == DeviceState.ONLINE
    try:
        outcome = dev.print_pdf(pdf, "SB-2026-00000123").result(60)
        assert outcome.state is JobState.COMPLETED and outcome.job_id.isdigit()
        assert dev.status.detail["paper"] == "full"
        assert dev.statistics.snapshot()["jobs_printed"] == 1
    finally:
        dev.close()


def test_out_of_paper_backend_aborts_the_job_and_reports_paper_out(  # type: ignore[no-untyped-def]
    cups_server, pdf: bytes
) -> None:
    dev = CupsDocumentPrinter(
        "a4_printer", CupsSettings(queue=cups_server.failing_queue, server=cups_server.socket)
    )
    dev.open()
    try:
        with pytest.raises(PaperOutError) as info:
            dev.print_pdf(pdf, "t").result(60)
        assert info.value.outcome is not None and not info.value.outcome.ok
        assert info.value.message_key == "error.printer.paper_out"
        assert dev.status.detail["paper"] == "out"
        assert dev.status.state == DeviceState.USER_ERROR
        # The printer still says media-empty: the next job is refused before submission.
        with pytest.raises(PaperOutError):
            dev.print_pdf(pdf, "t").result(60)
    finally:
        dev.close()


def test_missing_queue_is_no_device(cups_server) -> None:  # type: ignore[no-untyped-def]
    dev = CupsDocumentPrinter("a4_printer", CupsSettings(queue="nope", server=cups_server.socket))
    try:
        assert dev.open().state == DeviceState.NO_DEVICE
        assert dev.status.error_code == "CUPS_NO_QUEUE"
    finally:
        dev.close()


@pytest.mark.parametrize(
    ("reasons", "detail", "key"),
    [
        (["none"], {"paper": "full", "toner": "full", "cover": "closed"}, None),
        (["media-empty-error"], {"paper": "out"}, "error.printer.paper_out"),
        (["media-jam-error"], {"paper": "jammed", "media": "jammed"}, "error.printer.paper_jam"),
        (["cover-open-report"], {"cover": "open"}, "error.printer.cover_open"),
        (["offline-report"], {}, "error.printer.offline"),
        (["toner-low-warning"], {"toner": "low"}, None),
        (["toner-empty-error"], {"toner": "out"}, "error.printer.fault"),
    ],
)
def test_state_reasons_map_to_status(
    reasons: list[str], detail: dict[str, str], key: str | None
) -> None:
    got = detail_from_reasons(reasons)
    assert {k: got[k] for k in detail} == detail
    exc = error_from_reasons(reasons, "a4")
    assert (exc.message_key if exc else None) == key

"""The in-process A4 printer simulator."""

from __future__ import annotations

import pytest

from drivers.cups.sim import SimulatedDocumentPrinter
from drivers.status import DeviceState
from printers.jobs import CoverOpenError, PaperOutError, PrintJobFailedError


def test_faults_refuse_jobs_and_clear() -> None:
    dev = SimulatedDocumentPrinter("a4")
    dev.open()
    try:
        pdf = b"%PDF-1.4 /Type /Page /Type /Pages"
        assert dev.print_pdf(pdf, "x").result(10).ok
        dev.simulator.inject("media_empty")
        with pytest.raises(PaperOutError):
            dev.print_pdf(pdf, "x").result(10)
        dev.simulator.clear()
        dev.simulator.inject("cover_open")
        with pytest.raises(CoverOpenError):
            dev.print_pdf(pdf, "x").result(10)
        dev.simulator.clear()
        dev.simulator.inject("job_aborted")
        with pytest.raises(PrintJobFailedError) as info:
            dev.print_pdf(pdf, "x").result(10)
        assert info.value.outcome is not None and info.value.outcome.job_id
        assert dev.print_pdf(pdf, "x").result(10).ok  # job_aborted is one-shot
        dev.simulator.inject("toner_low")
        assert dev.print_pdf(pdf, "x").result(10).ok
        dev.call(lambda: None)
        assert dev.status.detail["toner"] == "low"
        assert dev.status.state == DeviceState.ONLINE
        assert [d.title for d in dev.printed][-1] == "x"
    finally:
        dev.close()

"""kiosk-diag certificate-sample and receipt-test, end to end through the CLI's main()."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import zxingcpp
from PIL import Image

from drivers.escpos.emulator.printer import EscPosPrinterSimulator
from kiosk.diag.cli import main


def test_certificate_sample(tmp_path: Path) -> None:
    out = tmp_path / "sample.pdf"
    assert main(["certificate-sample", "--out", str(out), "--lang", "zh"]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "社会保险参保缴费证明" in text.replace(" ", "")


def test_receipt_test_on_a_serial_port() -> None:
    sim = EscPosPrinterSimulator()
    port = sim.start()
    try:
        assert main(["receipt-test", "--port", port, "--baud", "9600"]) == 0
        png = sim.last_receipt_png()
        assert png is not None
        codes = zxingcpp.read_barcodes(Image.open(BytesIO(png)))
        assert [c.text for c in codes] == ["https://kiosk.example.cn/receipt-test"]
        sim.inject("cover_open")
        assert main(["receipt-test", "--port", port]) == 4
    finally:
        sim.stop()

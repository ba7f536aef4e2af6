"""The receipt printer "sim": the real serial driver talking to the pty simulator."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from drivers.base import DeviceSettings
from drivers.escpos.emulator.printer import EscPosPrinterSimulator
from drivers.escpos.serial_printer import ReceiptPrinterSettings, SerialReceiptPrinter
from drivers.faults import FaultInjectable


class SimulatedReceiptSettings(ReceiptPrinterSettings):
    # The simulator answers at once; keep "no answer" quick to detect in demos and tests.
    status_timeout_s: float = Field(0.3, gt=0, description="Wait for one status byte.")
    completion_timeout_s: float = Field(3.0, gt=0, description="Longest one receipt may take.")
    output_dir: Path | None = Field(None, description="Save each printed receipt here as PNG.")
    probe_timeout_s: float = Field(0.5, gt=0, description="How long the GS ( H probe waits.")
    status_settle_s: float = Field(0.2, ge=0, description="status mode: wait before the read.")
    printer_model: Literal["answers_gs_h", "ignores_gs_h"] = Field(
        "answers_gs_h",
        description="The simulated printer: answers GS ( H (Epson-like) or ignores it "
        "(most 58/80 mm thermal printers).",
    )


class SimulatedReceiptPrinter(SerialReceiptPrinter):
    """Everything of :class:`SerialReceiptPrinter`, on a simulated printer's pty."""

    Settings: ClassVar[type[DeviceSettings]] = SimulatedReceiptSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        s = self.settings
        assert isinstance(s, SimulatedReceiptSettings)
        self._sim = EscPosPrinterSimulator(
            f"{self.name}-sim", encoding=s.encoding, dots=s.dots, output_dir=s.output_dir,
            model=s.printer_model,
        )

    @property
    def simulator(self) -> FaultInjectable:
        return self._sim

    @property
    def printer_simulator(self) -> EscPosPrinterSimulator:
        """The simulator itself (receipt images), typed for tests and the demo."""
        return self._sim

    def _port(self) -> tuple[str, int]:
        return self._sim.port, 115200

    def _open(self) -> None:
        if not self._sim.port:
            self._sim.start()
        super()._open()

    def _close(self) -> None:
        super()._close()
        self._sim.stop()
        self._sim.port = ""

"""The simulated ID card reader: the GA/T 467 simulator on a pty, driven by the real
serial driver (:class:`~drivers.idcard.serial_reader.SerialIdCardReader`)."""

from __future__ import annotations

from pydantic import Field

from drivers.idcard.serial_reader import SerialIdCardReader, SerialIdCardReaderSettings
from drivers.idcard.simulator import IdCardReaderSimulator


class SimulatedIdCardReaderSettings(SerialIdCardReaderSettings):
    port: str = Field("", description="Ignored: the simulator's pty is used.")
    profile: str | None = Field(None, description="Card on the reader at start.")
    poll_interval_s: float = Field(0.2, gt=0, description="Card presence polling interval.")
    timeout_s: float = Field(1.0, gt=0, description="Time allowed for one response.")


class SimulatedIdCardReader(SerialIdCardReader):
    Settings = SimulatedIdCardReaderSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        profile = getattr(self.settings, "profile", None)
        self._simulator = IdCardReaderSimulator(profile, name=f"{self.name}-sim")

    @property
    def simulator(self) -> IdCardReaderSimulator:
        """The simulator (FaultInjectable, plus insert_card / remove_card)."""
        return self._simulator

    def _port_path(self) -> str:
        return self._simulator.start()

    def _close(self) -> None:
        super()._close()
        self._simulator.stop()

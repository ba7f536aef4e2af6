"""The simulated citizen card reader: the card and PSAM emulators behind the real pcscd
through vpcd, driven by the real :class:`~drivers.pcsc.reader.PcscCardReader`. Without a
pcscd (and no right to start one) it falls back to the in-process transport and says so
in its status reason and a warning."""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field

from drivers.pcsc.daemon import PcscDaemon
from drivers.pcsc.inprocess import InProcessTransport
from drivers.pcsc.reader import PcscCardReader, PcscCardReaderSettings
from drivers.pcsc.simulator import CARD_READER, PSAM_READER, CardReaderSimulator
from drivers.pcsc.transport import CardTransport

log = logging.getLogger(__name__)


class SimulatedCardReaderSettings(PcscCardReaderSettings):
    reader: str = Field(CARD_READER, description="The vpcd reader of the card.")
    psam_reader: str | None = Field(PSAM_READER, description="The vpcd reader of the PSAM.")
    profile: str | None = Field(None, description="Card in the reader at start.")
    purse_dir: Path | None = Field(
        None, description="Keep the simulated cards' purses here (the kiosk: <state_dir>/card-sim)."
    )
    transport: str = Field("auto", pattern="^(auto|pcscd|in-process)$",
                           description="auto: pcscd + vpcd if possible, else in-process.")


class SimulatedCardReader(PcscCardReader):
    Settings = SimulatedCardReaderSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._daemon = PcscDaemon.shared()
        self._holds_daemon = False
        cfg = self.settings
        assert isinstance(cfg, SimulatedCardReaderSettings)
        self._simulator = CardReaderSimulator(in_process=cfg.transport == "in-process",
                                              name=f"{self.name}-sim", daemon=self._daemon,
                                              purse_dir=cfg.purse_dir)
        if cfg.profile:
            self._simulator.insert_card(cfg.profile)

    @property
    def simulator(self) -> CardReaderSimulator:
        """The simulator (FaultInjectable, plus insert_card / remove_card)."""
        return self._simulator

    def _make_transport(self) -> CardTransport:
        sim = self._simulator
        if not sim.in_process:
            self._holds_daemon = self._daemon.acquire()
            if not self._holds_daemon:
                log.warning("%s: no pcscd and cannot start one; using the in-process "
                            "card transport", self.name)
                sim.use_in_process()
        if sim.in_process:
            self._set_status(reason="simulated card via in-process transport (no pcscd)")
            return InProcessTransport(sim, self.name)
        sim.start()
        return super()._make_transport()

    def _close(self) -> None:
        super()._close()
        self._simulator.stop()
        if self._holds_daemon:
            self._holds_daemon = False
            self._daemon.release()

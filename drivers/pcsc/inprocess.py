"""The in-process transport: the simulator's card emulators called directly, for unit
tests and for machines where pcscd cannot run. Same errors as the pyscard transport."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.pcsc.transport import CardRemovedError, NoCardError
from kiosk_base.errors import NoDeviceError

if TYPE_CHECKING:
    from drivers.pcsc.simulator import CardReaderSimulator


class InProcessChannel:
    def __init__(self, transport: InProcessTransport, reader: str) -> None:
        self._transport = transport
        self._reader = reader

    def transmit(self, apdu: bytes) -> bytes:
        return self._transport.simulator.transmit_in_process(self._reader, apdu)

    def close(self) -> None:
        return None


class InProcessTransport:
    kind = "in-process"

    def __init__(self, simulator: CardReaderSimulator, device: str) -> None:
        self.simulator = simulator
        self.device = device

    def readers(self) -> list[str]:
        if self.simulator.service_down:
            raise NoDeviceError("simulated pcscd is down", device=self.device,
                                code="PCSC_8010001D")
        return self.simulator.reader_names()

    def card_present(self, reader: str) -> bool:
        return self.simulator.slot_present(reader)

    def connect(self, reader: str) -> InProcessChannel:
        if reader not in self.readers():
            raise NoDeviceError(f"reader {reader!r} is gone", device=self.device,
                                code="PCSC_80100009")
        if not self.simulator.slot_present(reader):
            raise NoCardError("no card in the reader", device=self.device,
                              code="PCSC_8010000C")
        return InProcessChannel(self, reader)

    def reset(self) -> None:
        return None


__all__ = ["CardRemovedError", "InProcessTransport"]

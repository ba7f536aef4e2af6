"""What the PC/SC driver needs from below: list readers, see a card, open a channel.

Two implementations: :class:`~drivers.pcsc.pyscard_transport.PcscTransport` (the real
pcscd through pyscard) and :class:`~drivers.pcsc.inprocess.InProcessTransport` (card
emulators called directly, the fallback when no pcscd can run). Both raise the same
typed errors, so the driver above them is the same code.
"""

from __future__ import annotations

from typing import Protocol

from kiosk_base.errors import MediaError


class NoCardError(MediaError):
    default_message_key = "error.card.no_card"


class CardRemovedError(MediaError):
    default_message_key = "error.card.removed_during_read"


class CardChannel(Protocol):
    """A connection to the card in one reader, inside an exclusive transaction."""

    def transmit(self, apdu: bytes) -> bytes: ...

    def close(self) -> None:
        """End the transaction and disconnect; never raises."""
        ...


class CardTransport(Protocol):
    #: Shown in status reasons ("pcscd", "in-process").
    kind: str

    def readers(self) -> list[str]:
        """Reader names; NoDeviceError when the service is gone."""
        ...

    def card_present(self, reader: str) -> bool: ...

    def connect(self, reader: str) -> CardChannel:
        """Connect and begin an exclusive transaction (NoCardError, NoDeviceError...)."""
        ...

    def reset(self) -> None:
        """Drop any service context so the next call reconnects (after pcscd restarts)."""
        ...

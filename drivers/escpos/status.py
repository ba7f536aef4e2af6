"""Decoding of the ``DLE EOT`` real-time status bytes into the printer's status.

Every answer byte has bits 1 and 4 set and bits 0 and 7 clear (``xxx1xx10``); anything
else is line noise or a different protocol and is a ProtocolError, not a status.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.status import CoverStatus, PaperStatus
from kiosk_base.errors import ProtocolError

FIXED_MASK = 0x93
FIXED_BITS = 0x12

# n=1 printer status
OFFLINE = 0x08
# n=2 offline cause
COVER_OPEN = 0x04
FEED_BUTTON = 0x08
STOPPED_PAPER_END = 0x20
ERROR_OCCURRED = 0x40
# n=3 error cause
CUTTER_ERROR = 0x08
UNRECOVERABLE = 0x20
AUTO_RECOVERABLE = 0x40
# n=4 roll paper sensor
NEAR_END = 0x0C
PAPER_END = 0x60


def check_byte(kind: int, value: int) -> int:
    if value & FIXED_MASK != FIXED_BITS:
        raise ProtocolError(
            f"DLE EOT {kind} answer 0x{value:02X} is not a status byte", code="DLE_EOT_BAD"
        )
    return value


@dataclass(frozen=True)
class RealTimeStatus:
    """The four status bytes, decoded."""

    printer: int
    offline_cause: int
    error_cause: int
    paper_sensor: int

    @classmethod
    def decode(cls, answers: bytes) -> RealTimeStatus:
        if len(answers) != 4:
            raise ProtocolError(f"expected 4 status bytes, got {len(answers)}", code="DLE_EOT")
        return cls(*(check_byte(i + 1, b) for i, b in enumerate(answers)))

    @property
    def offline(self) -> bool:
        return bool(self.printer & OFFLINE)

    @property
    def cover_open(self) -> bool:
        return bool(self.offline_cause & COVER_OPEN)

    @property
    def paper_out(self) -> bool:
        return (self.paper_sensor & PAPER_END) == PAPER_END or bool(
            self.offline_cause & STOPPED_PAPER_END
        )

    @property
    def paper_low(self) -> bool:
        return (self.paper_sensor & NEAR_END) == NEAR_END

    @property
    def fault(self) -> str:
        """The technician's code of a hardware error, "" when there is none."""
        if self.error_cause & CUTTER_ERROR:
            return "DLE_EOT_CUTTER"
        if self.error_cause & UNRECOVERABLE:
            return "DLE_EOT_UNRECOVERABLE"
        return ""

    @property
    def paper(self) -> PaperStatus:
        if self.paper_out:
            return PaperStatus.OUT
        return PaperStatus.LOW if self.paper_low else PaperStatus.FULL

    @property
    def cover(self) -> CoverStatus:
        return CoverStatus.OPEN if self.cover_open else CoverStatus.CLOSED

    def detail(self) -> dict[str, str]:
        return {"paper": self.paper.value, "cover": self.cover.value}

"""ISO 7816-4 command and response APDUs, with the T=0 conventions a reader must handle.

pyscard (and vpcd) hand us raw bytes; :func:`exchange` turns one logical command into as
many transmissions as T=0 needs: ``61xx`` (data waiting) is answered with GET RESPONSE
until the card is done, ``6Cxx`` (wrong Le) re-sends the same command with Le = xx.
Every response is parsed defensively: a response shorter than two bytes is a typed
:class:`~card.errors.CardFormatError`, never an IndexError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from card.errors import (
    ApplicationNotFoundError,
    CardBlockedError,
    CardFormatError,
    PurseError,
    SecurityError,
    StatusWordError,
)

#: Sends one command APDU and returns the raw response (data + SW1 SW2).
Transmit = Callable[[bytes], bytes]

SW_OK = 0x9000
#: Longest chain of GET RESPONSE we follow before calling the card broken.
MAX_GET_RESPONSE = 32


@dataclass(frozen=True)
class CommandApdu:
    """A short command APDU (cases 1-4)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    #: Expected response length; None for no Le, 256 is encoded as 00.
    le: int | None = None

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"{name} out of range")
        if len(self.data) > 255:
            raise ValueError("short APDUs carry at most 255 data bytes")
        if self.le is not None and not 0 <= self.le <= 256:
            raise ValueError("Le out of range")

    def to_bytes(self) -> bytes:
        return self._encoded

    @cached_property
    def _encoded(self) -> bytes:
        # Once per command: a reader sends the same few commands to every card.
        out = bytes((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le & 0xFF,))
        return out

    def with_le(self, le: int) -> CommandApdu:
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data, le)

    @classmethod
    def parse(cls, raw: bytes) -> CommandApdu:
        """Parse a short command APDU (used by the card emulators)."""
        if len(raw) < 4:
            raise CardFormatError(f"command APDU of {len(raw)} bytes", code="APDU")
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:
            return cls(cla, ins, p1, p2)
        if len(body) == 1:
            return cls(cla, ins, p1, p2, le=body[0] or 256)
        lc = body[0]
        if lc == 0 or len(body) not in (1 + lc, 2 + lc):
            raise CardFormatError("command APDU length does not match Lc", code="APDU")
        data = bytes(body[1 : 1 + lc])
        le = None if len(body) == 1 + lc else (body[-1] or 256)
        return cls(cla, ins, p1, p2, data, le)


@dataclass(frozen=True)
class ResponseApdu:
    data: bytes
    sw1: int
    sw2: int

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK

    @classmethod
    def parse(cls, raw: bytes) -> ResponseApdu:
        if len(raw) < 2:
            raise CardFormatError(f"response APDU of {len(raw)} bytes", code="APDU")
        return cls(bytes(raw[:-2]), raw[-2], raw[-1])

    def to_bytes(self) -> bytes:
        return self.data + bytes((self.sw1, self.sw2))


def get_response(le: int) -> CommandApdu:
    return CommandApdu(0x00, 0xC0, 0x00, 0x00, le=le or 256)


def exchange(transmit: Transmit, command: CommandApdu) -> ResponseApdu:
    """Send ``command`` and follow T=0 ``61xx`` / ``6Cxx`` until the final response."""
    response = ResponseApdu.parse(transmit(command.to_bytes()))
    if response.sw1 == 0x6C:
        response = ResponseApdu.parse(transmit(command.with_le(response.sw2 or 256).to_bytes()))
    data = response.data
    rounds = 0
    while response.sw1 == 0x61:
        rounds += 1
        if rounds > MAX_GET_RESPONSE:
            raise CardFormatError("card keeps answering 61xx", code="APDU_CHAIN")
        response = ResponseApdu.parse(transmit(get_response(response.sw2).to_bytes()))
        if response.sw1 == 0x6C:
            response = ResponseApdu.parse(transmit(get_response(response.sw2).to_bytes()))
        data += response.data
    return response if rounds == 0 else ResponseApdu(data, response.sw1, response.sw2)


def check(response: ResponseApdu, what: str) -> bytes:
    """The response data if the status word is 9000, else the matching typed error."""
    sw = response.sw
    if sw == SW_OK:
        return response.data
    message = f"{what}: status {sw:04X}"
    if sw in (0x6283, 0x6A81, 0x6983, 0x9303):
        raise CardBlockedError(message, sw)
    if sw in (0x6A82, 0x6A83):
        raise ApplicationNotFoundError(message, sw)
    if sw in (0x6982, 0x6988, 0x9302, 0x6985):
        raise SecurityError(message, sw)
    if sw in (0x9401, 0x9403, 0x9406):
        raise PurseError(message, sw)
    raise StatusWordError(message, sw)


def run(transmit: Transmit, command: CommandApdu, what: str) -> bytes:
    """:func:`exchange` then :func:`check`: the data of a successful command."""
    return check(exchange(transmit, command), what)

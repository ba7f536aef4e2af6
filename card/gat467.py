"""GA/T 467 ("SAM_A") frames between a host and a resident ID card reader.

Request ``AA AA AA 96 69 | LEN(2, BE) | CMD PARA DATA.. | CHK`` and response
``AA AA AA 96 69 | LEN | SW1 SW2 SW3 DATA.. | CHK``: LEN counts everything after itself,
CHK is the XOR of every byte after the preamble. :class:`FrameDecoder` takes a byte
stream with any amount of line noise, resynchronises on the preamble and yields whole
frames; a frame whose check fails is reported as a :class:`FrameChecksumError` and
dropped, so the caller can retry the command.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import reduce

from card.errors import (
    CardFormatError,
    FrameChecksumError,
    IdCardMediaError,
    IdReaderFaultError,
    Sw3Error,
)

PREAMBLE = bytes((0xAA, 0xAA, 0xAA, 0x96, 0x69))
#: Longest LEN we accept: text + photo + 1024-byte fingerprint is 2314.
MAX_LENGTH = 0x0A00


class Command(Enum):
    """The command set: (CMD, PARA)."""

    RESET_SAM = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    READ_SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_TEXT_PHOTO = (0x30, 0x01)
    READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)
    READ_NEW_ADDRESS = (0x30, 0x03)
    SET_BAUD = (0x60, 0x00)  # PARA carries the speed code
    SET_RF_FRAME = (0x61, 0xFF)


#: Baud rate -> PARA of the set-baud command.
BAUD_CODES = {115200: 0x00, 57600: 0x01, 38400: 0x02, 19200: 0x03, 9600: 0x04}

SW3_OK = 0x90
SW3_FOUND = 0x9F
SW3_NO_CONTENT = 0x91

#: SW3 -> what it means.
SW3_MEANINGS: dict[int, str] = {
    0x90: "ok",
    0x9F: "card found",
    0x91: "no content",
    0x10: "checksum error in the request",
    0x11: "length error in the request",
    0x21: "command or parameter error",
    0x23: "unauthorised",
    0x24: "unknown error",
    0x31: "card failed to authenticate the SAM",
    0x32: "SAM failed to authenticate the card",
    0x33: "verification error",
    0x40: "unrecognised card",
    0x41: "read failed (card left the field?)",
    0x47: "get-random failed",
    0x60: "SAM self-test failed",
    0x66: "SAM not authorised",
    0x80: "no card found",
    0x81: "select failed",
}

_MEDIA = {0x80: "error.idcard.no_card", 0x81: "error.idcard.no_card",
          0x41: "error.idcard.removed_during_read"}
_UNREADABLE = {0x31, 0x32, 0x33, 0x40, 0x47}
#: The reader saw garbage from us: resend.
RETRYABLE_SW3 = frozenset({0x10, 0x11})


def xor_check(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def encode(body: bytes) -> bytes:
    """Wrap a body (CMD PARA DATA or SW1 SW2 SW3 DATA) into a frame."""
    if len(body) + 1 > MAX_LENGTH:
        raise ValueError("frame body too long")
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes((xor_check(length + body),))


def encode_request(command: Command, data: bytes = b"", *, para: int | None = None) -> bytes:
    cmd, default_para = command.value
    return encode(bytes((cmd, default_para if para is None else para)) + data)


def encode_response(sw3: int, data: bytes = b"") -> bytes:
    return encode(bytes((0x00, 0x00, sw3)) + data)


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @classmethod
    def from_body(cls, body: bytes) -> Response:
        if len(body) < 3:
            raise CardFormatError(f"response body of {len(body)} bytes", code="FRAME_SHORT")
        return cls(body[0], body[1], body[2], bytes(body[3:]))


def sw3_error(sw3: int, what: str) -> Sw3Error:
    """The typed error for an error SW3 returned to ``what``."""
    meaning = SW3_MEANINGS.get(sw3, "undocumented status")
    message = f"{what}: SW3 {sw3:02X} ({meaning})"
    if sw3 in _MEDIA:
        return IdCardMediaError(message, sw3, message_key=_MEDIA[sw3])
    if sw3 in _UNREADABLE:
        return IdCardMediaError(message, sw3, message_key="error.idcard.unreadable")
    if sw3 in RETRYABLE_SW3:
        return Sw3Error(message, sw3, message_key="error.device.communication")
    return IdReaderFaultError(message, sw3)


class FrameDecoder:
    """Incremental decoder: ``feed`` bytes, then take frame bodies with ``next_body``."""

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self._buf = bytearray()
        self._max = max_length
        #: Bytes thrown away while resynchronising (for statistics).
        self.discarded = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    def reset(self) -> None:
        self.discarded += len(self._buf)
        self._buf.clear()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def next_body(self) -> bytes | None:
        """The body of the next whole frame, None if more bytes are needed.

        Raises FrameChecksumError (the bad frame is dropped) or CardFormatError for an
        impossible length (the false preamble is skipped); call again to go on.
        """
        while True:
            start = self._buf.find(PREAMBLE)
            if start < 0:
                # keep a tail that may be the start of a preamble
                keep = next(
                    (k for k in range(min(len(PREAMBLE) - 1, len(self._buf)), 0, -1)
                     if self._buf.endswith(PREAMBLE[:k])),
                    0,
                )
                drop = len(self._buf) - keep
                self.discarded += drop
                del self._buf[:drop]
                return None
            if start:
                self.discarded += start
                del self._buf[:start]
            if len(self._buf) < len(PREAMBLE) + 2:
                return None
            length = int.from_bytes(self._buf[5:7], "big")
            if length < 2 or length > self._max:
                self.discarded += 1
                del self._buf[:1]
                raise CardFormatError(f"impossible frame length {length}", code="FRAME_LENGTH")
            total = len(PREAMBLE) + 2 + length
            if len(self._buf) < total:
                return None
            frame = bytes(self._buf[:total])
            del self._buf[:total]
            checked = frame[5:-1]
            if xor_check(checked) != frame[-1]:
                self.discarded += total
                raise FrameChecksumError("frame check byte mismatch", code="FRAME_CHECKSUM")
            return checked[2:]


def decode_frame(frame: bytes) -> bytes:
    """The body of exactly one frame (for tests and tools)."""
    decoder = FrameDecoder()
    decoder.feed(frame)
    body = decoder.next_body()
    if body is None or decoder.pending:
        raise CardFormatError("not exactly one whole frame", code="FRAME_INCOMPLETE")
    return body


@dataclass(frozen=True)
class ReadPayload:
    """The data of a successful read command: text, photo and fingerprint blocks."""

    text: bytes
    photo: bytes
    fingerprint: bytes

    @classmethod
    def parse(cls, data: bytes, *, with_fingerprint: bool) -> ReadPayload:
        count = 3 if with_fingerprint else 2
        if len(data) < 2 * count:
            raise CardFormatError("read response shorter than its length fields", code="READ")
        lengths = [int.from_bytes(data[i * 2 : i * 2 + 2], "big") for i in range(count)]
        pos = 2 * count
        if pos + sum(lengths) != len(data):
            raise CardFormatError(
                f"read response lengths {lengths} do not add up to {len(data) - pos}",
                code="READ",
            )
        blocks = []
        for n in lengths:
            blocks.append(data[pos : pos + n])
            pos += n
        if lengths[0] != 256:
            raise CardFormatError(f"text block of {lengths[0]} bytes", code="READ")
        return cls(blocks[0], blocks[1], blocks[2] if with_fingerprint else b"")

    def encode(self, *, with_fingerprint: bool) -> bytes:
        parts = [self.text, self.photo] + ([self.fingerprint] if with_fingerprint else [])
        return b"".join(len(p).to_bytes(2, "big") for p in parts) + b"".join(parts)

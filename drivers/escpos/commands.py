"""ESC/POS command bytes (Epson's reference; the subset thermal receipt printers share).

Both the driver (to build receipts) and the simulator's parser (to recognise them) use
these constants, so the two cannot drift apart on a byte value.
"""

from __future__ import annotations

from enum import IntEnum

ESC = 0x1B
GS = 0x1D
FS = 0x1C
DLE = 0x10
EOT = 0x04
LF = 0x0A

INIT = b"\x1b@"
#: FS & / FS . : enter and leave the Chinese (double-byte) character mode.
CHINESE_ON = b"\x1c&"
CHINESE_OFF = b"\x1c."


class Align(IntEnum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


class StatusKind(IntEnum):
    """``DLE EOT n``: which real-time status byte to send."""

    PRINTER = 1
    OFFLINE_CAUSE = 2
    ERROR_CAUSE = 3
    PAPER = 4


def align(where: Align) -> bytes:
    return bytes((ESC, ord("a"), int(where)))


def bold(on: bool) -> bytes:
    return bytes((ESC, ord("E"), 1 if on else 0))


def size(width: int, height: int) -> bytes:
    """``GS ! n``: character magnification 1..8 in each direction."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size {width}x{height} outside 1..8")
    return bytes((GS, ord("!"), ((width - 1) << 4) | (height - 1)))


def feed_lines(n: int) -> bytes:
    return bytes((ESC, ord("d"), max(0, min(n, 255))))


def cut(feed: int = 3) -> bytes:
    """``GS V 66 n``: feed ``n`` lines' worth and partial-cut."""
    return bytes((GS, ord("V"), 66, max(0, min(feed * 24, 255))))


def status_request(kind: StatusKind) -> bytes:
    return bytes((DLE, EOT, int(kind)))


#: ``GS ( H`` fn 48: "answer when everything before this has been processed".
PROCESS_ID_REPLY_PREFIX = b"\x37\x22"


def process_id_request(pid: bytes) -> bytes:
    if len(pid) != 4 or any(not 0x30 <= b <= 0x39 for b in pid):
        raise ValueError("a process id is 4 ASCII digits")
    return bytes((GS, ord("("), ord("H"), 6, 0, 48, 48)) + pid


def process_id_reply(pid: bytes) -> bytes:
    return PROCESS_ID_REPLY_PREFIX + pid + b"\x00"


QR_ERROR_LEVELS = {"L": 48, "M": 49, "Q": 50, "H": 51}


def _qr_fn(fn: int, params: bytes) -> bytes:
    n = len(params) + 2
    return bytes((GS, ord("("), ord("k"), n & 0xFF, n >> 8, 49, fn)) + params


def qr_native(payload: bytes, module: int = 6, level: str = "M") -> bytes:
    """``GS ( k`` (cn 49): select model 2, module size, error level, store, print."""
    if not 1 <= module <= 16:
        raise ValueError("QR module size outside 1..16")
    if len(payload) > 7089:
        raise ValueError("QR payload too long")
    return (
        _qr_fn(65, b"\x32\x00")
        + _qr_fn(67, bytes((module,)))
        + _qr_fn(69, bytes((QR_ERROR_LEVELS[level],)))
        + _qr_fn(80, b"\x30" + payload)
        + _qr_fn(81, b"\x30")
    )


def raster(bits: bytes, width_bytes: int, height: int) -> bytes:
    """``GS v 0``: a 1-bit image, rows of ``width_bytes`` bytes, MSB = leftmost dot."""
    if len(bits) != width_bytes * height:
        raise ValueError("raster data does not match its size")
    return (
        bytes((GS, ord("v"), ord("0"), 0))
        + width_bytes.to_bytes(2, "little")
        + height.to_bytes(2, "little")
        + bits
    )

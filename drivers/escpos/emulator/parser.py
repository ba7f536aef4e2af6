"""An incremental ESC/POS parser: bytes in (in any chunking), typed operations out.

Serial reads split commands anywhere, so the parser keeps what it cannot complete yet
and finishes it when the next bytes arrive. Unknown commands are skipped and counted
(a real printer ignores them too); they are never guessed at.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.escpos.commands import DLE, ESC, FS, GS, LF

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Op:
    """One parsed operation: ``name`` and its arguments."""

    name: str
    args: tuple[int, ...] = ()
    data: bytes = b""


# ESC commands with a fixed number of parameter bytes.
_ESC_FIXED = {
    ord("@"): ("init", 0), ord("a"): ("align", 1), ord("E"): ("bold", 1),
    ord("d"): ("feed_lines", 1), ord("J"): ("feed_dots", 1), ord("-"): ("underline", 1),
    ord("!"): ("print_mode", 1), ord("2"): ("line_spacing_default", 0),
    ord("3"): ("line_spacing", 1), ord("t"): ("code_page", 1), ord("M"): ("font", 1),
    ord("G"): ("double_strike", 1), ord("{"): ("upside_down", 1), ord("R"): ("charset", 1),
}  # fmt: skip
_GS_FIXED = {ord("!"): ("size", 1), ord("B"): ("reverse", 1), ord("L"): ("left_margin", 2),
             ord("W"): ("print_width", 2)}  # fmt: skip
_FS_FIXED = {ord("&"): ("chinese_on", 0), ord("."): ("chinese_off", 0),
             ord("!"): ("chinese_mode", 1)}  # fmt: skip


class _Incomplete(Exception):
    """More bytes are needed to finish the command at the head of the buffer."""


class EscPosParser:
    def __init__(self, encoding: str = "gb18030") -> None:
        self.encoding = encoding
        self.chinese = False
        self.unknown = 0
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Op]:
        self._buf += data
        ops: list[Op] = []
        while self._buf:
            try:
                op, used = self._one(self._buf)
            except _Incomplete:
                break
            del self._buf[:used]
            if op is not None:
                ops.append(op)
        return ops

    def _need(self, buf: bytearray, n: int) -> None:
        if len(buf) < n:
            raise _Incomplete

    def _one(self, buf: bytearray) -> tuple[Op | None, int]:
        b = buf[0]
        if b == LF:
            return Op("newline"), 1
        if b == 0x0D:
            return None, 1
        if b == DLE:
            self._need(buf, 3)
            if buf[1] == 0x04:
                return Op("status_request", (buf[2],)), 3
            return self._skip(buf, 2)
        if b in (ESC, GS, FS):
            self._need(buf, 2)
            return self._command(buf)
        if b < 0x20:
            return self._skip(buf, 1)
        return self._text(buf)

    def _skip(self, buf: bytearray, n: int) -> tuple[Op | None, int]:
        self.unknown += 1
        log.debug("escpos: skipping unknown bytes %s", bytes(buf[:n]).hex())
        return None, n

    def _command(self, buf: bytearray) -> tuple[Op | None, int]:
        lead, code = buf[0], buf[1]
        table = {ESC: _ESC_FIXED, GS: _GS_FIXED, FS: _FS_FIXED}[lead]
        if code in table:
            name, nargs = table[code]
            self._need(buf, 2 + nargs)
            if name == "chinese_on":
                self.chinese = True
            elif name == "chinese_off":
                self.chinese = False
            return Op(name, tuple(buf[2 : 2 + nargs])), 2 + nargs
        if lead == GS and code == ord("V"):
            self._need(buf, 3)
            if buf[2] in (65, 66):
                self._need(buf, 4)
                return Op("cut", (buf[2], buf[3])), 4
            return Op("cut", (buf[2], 0)), 3
        if lead == GS and code == ord("("):
            self._need(buf, 5)
            n = buf[3] | (buf[4] << 8)
            self._need(buf, 5 + n)
            body = bytes(buf[5 : 5 + n])
            if buf[2] == ord("k") and n >= 2 and body[0] == 49:
                return Op("qr", (body[1],), body[2:]), 5 + n
            if buf[2] == ord("H") and n == 6 and body[:2] == b"00":
                return Op("process_id", (), body[2:]), 5 + n
            return self._skip(buf, 5 + n)
        if lead == GS and code == ord("v"):
            self._need(buf, 8)
            width_bytes = buf[4] | (buf[5] << 8)
            height = buf[6] | (buf[7] << 8)
            total = 8 + width_bytes * height
            self._need(buf, total)
            return Op("raster", (width_bytes, height), bytes(buf[8:total])), total
        return self._skip(buf, 2)

    def _text(self, buf: bytearray) -> tuple[Op | None, int]:
        """A run of printable bytes, decoded (multi-byte characters only in Chinese mode)."""
        i = 0
        while i < len(buf) and buf[i] >= 0x20:
            if buf[i] >= 0x80 and self.chinese:
                # GB18030: 2 bytes, or 4 when the second is a digit 0x30..0x39.
                if i + 1 >= len(buf):
                    break
                width = 4 if 0x30 <= buf[i + 1] <= 0x39 else 2
                if i + width > len(buf):
                    break
                i += width
            else:
                i += 1
        if i == 0:
            raise _Incomplete
        raw = bytes(buf[:i])
        if self.chinese:
            text = raw.decode(self.encoding, errors="replace")
        else:
            # Outside Chinese mode high bytes are code page 437 glyphs, not Chinese.
            text = raw.decode("cp437", errors="replace")
        return Op("text", (), text.encode("utf-8")), i

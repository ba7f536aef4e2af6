"""BER-TLV (ISO 7816-4 / EMV) and simple TLV (one-byte tag, one-byte length).

Parsers never read past the end: truncated or overlong input is a CardFormatError.
"""

from __future__ import annotations

from dataclasses import dataclass

from card.errors import CardFormatError


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes
    #: Nested TLVs when the tag is constructed (BER bit 6 of the first tag byte).
    children: tuple[Tlv, ...] = ()

    def find(self, tag: int) -> Tlv | None:
        """Depth-first search for ``tag`` below this TLV."""
        for child in self.children:
            if child.tag == tag:
                return child
            found = child.find(tag)
            if found is not None:
                return found
        return None


def _error(msg: str) -> CardFormatError:
    return CardFormatError(msg, code="TLV")


def _parse_ber_tag(data: bytes, pos: int) -> tuple[int, bool, int]:
    if pos >= len(data):
        raise _error("TLV truncated in tag")
    first = data[pos]
    constructed = bool(first & 0x20)
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        for _ in range(3):
            if pos >= len(data):
                raise _error("TLV truncated in multi-byte tag")
            b = data[pos]
            tag = (tag << 8) | b
            pos += 1
            if not b & 0x80:
                break
        else:
            raise _error("TLV tag longer than 4 bytes")
    return tag, constructed, pos


def _parse_ber_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise _error("TLV truncated in length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0 or count > 3:
        raise _error(f"unsupported BER length form {first:02X}")
    if pos + count > len(data):
        raise _error("TLV truncated in long length")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def parse_ber(data: bytes, *, depth: int = 0) -> list[Tlv]:
    """Parse a sequence of BER-TLV objects (00 and FF padding between objects skipped)."""
    if depth > 8:
        raise _error("TLV nested too deeply")
    out: list[Tlv] = []
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF):
            pos += 1
            continue
        tag, constructed, pos = _parse_ber_tag(data, pos)
        length, pos = _parse_ber_length(data, pos)
        if pos + length > len(data):
            raise _error(f"TLV {tag:X} claims {length} bytes, {len(data) - pos} left")
        value = bytes(data[pos : pos + length])
        pos += length
        children = tuple(parse_ber(value, depth=depth + 1)) if constructed else ()
        out.append(Tlv(tag, value, children))
    return out


def encode_ber(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    n = len(value)
    if n < 0x80:
        length = bytes((n,))
    elif n <= 0xFF:
        length = bytes((0x81, n))
    else:
        length = bytes((0x82,)) + n.to_bytes(2, "big")
    return tag_bytes + length + value


def parse_simple(data: bytes) -> list[tuple[int, bytes]]:
    """Simple TLV: tag(1) length(1, or FF + 2 bytes) value."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise _error("simple TLV truncated")
        tag, length = data[pos], data[pos + 1]
        pos += 2
        if length == 0xFF:
            if pos + 2 > len(data):
                raise _error("simple TLV truncated in length")
            length = int.from_bytes(data[pos : pos + 2], "big")
            pos += 2
        if pos + length > len(data):
            raise _error(f"simple TLV {tag:02X} claims {length} bytes, {len(data) - pos} left")
        out.append((tag, bytes(data[pos : pos + length])))
        pos += length
    return out


def encode_simple(tag: int, value: bytes) -> bytes:
    if len(value) < 0xFF:
        return bytes((tag, len(value))) + value
    return bytes((tag, 0xFF)) + len(value).to_bytes(2, "big") + value

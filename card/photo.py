"""The ID card photo: a 1024-byte WLT blob kept opaque behind a pluggable decoder.

WLT is a proprietary compressed format (it decodes to 102x126 BGR); only vendors' closed
libraries decode it. A kiosk that has one registers a :class:`WltDecoder`; without one
the photo is simply not shown. "No decoder" means "no photo", never an error.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

WLT_SIZE = 1024
PHOTO_WIDTH = 102
PHOTO_HEIGHT = 126


@dataclass(frozen=True, repr=False)
class WltPhoto:
    """The photo as read from the card; never logged."""

    blob: bytes

    def __repr__(self) -> str:
        return f"WltPhoto(<{len(self.blob)} bytes>)"

    def __len__(self) -> int:
        return len(self.blob)


@dataclass(frozen=True, repr=False)
class DecodedPhoto:
    """Decoded pixels: ``width*height*3`` bytes of BGR, row major."""

    width: int
    height: int
    bgr: bytes

    def __repr__(self) -> str:
        return f"DecodedPhoto({self.width}x{self.height})"


class WltDecoder(Protocol):
    def decode(self, blob: bytes) -> DecodedPhoto:
        """Decode one WLT blob; raise ValueError if it is not decodable."""
        ...


_lock = threading.Lock()
_decoder: WltDecoder | None = None


def register_decoder(decoder: WltDecoder | None) -> None:
    """Install (or with None remove) the kiosk's WLT decoder."""
    global _decoder
    with _lock:
        _decoder = decoder


def decode_photo(photo: WltPhoto) -> DecodedPhoto | None:
    """The decoded photo, or None when no decoder is installed or it cannot decode."""
    with _lock:
        decoder = _decoder
    if decoder is None or not photo.blob:
        return None
    try:
        return decoder.decode(photo.blob)
    except ValueError as exc:
        log.warning("WLT photo not decodable (%d bytes): %s", len(photo.blob), exc)
        return None

"""JPEG encoding with an optional comment (COM) segment, and reading comments back.

The simulated face camera labels every capture with ``sim-person=<id>`` in a COM segment
(the reference backend's face verification reads it); real cameras never do. The
segment is inserted after SOI and any APPn segments, where JFIF readers expect it.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from kiosk_base.errors import ProtocolError

Image = npt.NDArray[np.uint8]

_SOI = b"\xff\xd8"
_COM = 0xFE
_SOS = 0xDA
#: A COM segment's length field counts itself (2 bytes); the payload fits in 65533.
_MAX_COMMENT = 65533


def encode_jpeg(image: Image, quality: int = 90, comment: str | None = None) -> bytes:
    """Encode a BGR or grey image as baseline JPEG, with ``comment`` as a COM segment."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ProtocolError("JPEG encoding failed", code="JPEG_ENCODE")
    data = buf.tobytes()
    return data if comment is None else add_comment(data, comment)


def add_comment(jpeg: bytes, comment: str) -> bytes:
    """Return ``jpeg`` with one more COM segment, after any existing ones (UTF-8)."""
    payload = comment.encode("utf-8")
    if len(payload) > _MAX_COMMENT:
        raise ValueError("JPEG comment too long")
    pos = _end_of_app_segments(jpeg)
    segment = bytes([0xFF, _COM]) + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:pos] + segment + jpeg[pos:]


def jpeg_comments(jpeg: bytes) -> list[str]:
    """Every COM segment's text, in order (undecodable bytes replaced)."""
    comments: list[str] = []
    for marker, start, length in _segments(jpeg):
        if marker == _COM:
            comments.append(jpeg[start + 4 : start + 2 + length].decode("utf-8", "replace"))
    return comments


def to_grey(image: Image) -> Image:
    """A BGR image as one grey channel (a grey image as it is)."""
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def decode_image(data: bytes) -> Image:
    """Decode JPEG/PNG/PNM bytes to a BGR array; ProtocolError if they are not an image."""
    arr = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(arr, cv2.IMREAD_COLOR) if arr.size else None
    if image is None:
        raise ProtocolError("data is not a decodable image", code="IMAGE_DECODE")
    return np.asarray(image, dtype=np.uint8)


def _segments(jpeg: bytes) -> list[tuple[int, int, int]]:
    """(marker, offset, length) of the header segments up to the start of scan."""
    if not jpeg.startswith(_SOI):
        raise ProtocolError("not a JPEG (no SOI marker)", code="JPEG_SOI")
    found: list[tuple[int, int, int]] = []
    pos = 2
    while pos + 4 <= len(jpeg):
        if jpeg[pos] != 0xFF:
            raise ProtocolError(f"corrupt JPEG header at byte {pos}", code="JPEG_SEGMENT")
        marker = jpeg[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > len(jpeg):
            raise ProtocolError(f"corrupt JPEG segment at byte {pos}", code="JPEG_SEGMENT")
        found.append((marker, pos, length))
        if marker == _SOS:
            break
        pos += 2 + length
    else:
        raise ProtocolError("JPEG ends before its image data", code="JPEG_TRUNCATED")
    return found


def _end_of_app_segments(jpeg: bytes) -> int:
    pos = 2
    for marker, start, length in _segments(jpeg):
        if not (0xE0 <= marker <= 0xEF or marker == _COM):
            break
        pos = start + 2 + length
    return pos

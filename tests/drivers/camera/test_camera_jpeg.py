"""JPEG comment segments: written where readers expect them, read back exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.camera.jpeg import add_comment, decode_image, encode_jpeg, jpeg_comments
from kiosk_base.errors import ProtocolError

IMAGE = np.tile(np.arange(64, dtype=np.uint8), (48, 1))[..., None].repeat(3, axis=2)


def test_plain_encoding_has_no_comment() -> None:
    assert jpeg_comments(encode_jpeg(IMAGE)) == []


@settings(max_examples=40)
@given(st.text(max_size=300))
def test_comment_round_trips_and_image_still_decodes(text: str) -> None:
    jpeg = encode_jpeg(IMAGE, comment=text)
    assert jpeg_comments(jpeg) == [text]
    decoded = decode_image(jpeg)
    assert decoded.shape == IMAGE.shape
    # The comment changes no pixel.
    assert np.array_equal(decoded, decode_image(encode_jpeg(IMAGE)))


def test_comment_goes_after_the_jfif_header() -> None:
    jpeg = encode_jpeg(IMAGE, comment="sim-person=none")
    assert jpeg[2:4] == b"\xff\xe0"  # APP0 (JFIF) stays first
    app0_end = 4 + int.from_bytes(jpeg[4:6], "big")
    assert jpeg[app0_end : app0_end + 2] == b"\xff\xfe"


def test_several_comments_keep_their_order() -> None:
    jpeg = add_comment(add_comment(encode_jpeg(IMAGE), "first"), "second")
    assert jpeg_comments(jpeg) == ["first", "second"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a",
        b"\xff\xd8\xff\xe0\x00",
        b"\xff\xd8\x00\x00\x00\x10",
        b"\xff\xd8\xff\xfe\xff\xff",
    ],
)
def test_corrupt_headers_are_protocol_errors(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        jpeg_comments(data)


@pytest.mark.parametrize("data", [b"", b"not an image", encode_jpeg(IMAGE)[:40]])
def test_undecodable_bytes_are_protocol_errors(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_image(data)

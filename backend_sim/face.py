"""Face verification of the reference backend: a SIMULATION, not biometrics.

There is no face model here. The simulated face camera writes a JPEG comment segment
(COM marker, 0xFFFE) ``sim-person=<ID number of the person in front of it>`` into each
capture. The rule:

* ``match`` when the marker names the ID number being verified;
* ``no_face`` when the marker is ``sim-person=none``;
* ``no_match`` when it names someone else, there is no marker, or the data is not a JPEG.

A real platform replaces this module with its certified face comparison service.
"""

from __future__ import annotations

from typing import Literal

MARKER = b"sim-person="


def jpeg_comments(data: bytes) -> list[bytes]:
    """Payloads of the COM segments before the image data (empty if not a JPEG)."""
    if not data.startswith(b"\xff\xd8"):
        return []
    comments: list[bytes] = []
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan: no more headers
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2 or i + 2 + length > len(data):
            break
        if marker == 0xFE:
            comments.append(data[i + 4 : i + 2 + length])
        i += 2 + length
    return comments


def verify(image: bytes, id_number: str) -> Literal["match", "no_match", "no_face"]:
    for comment in jpeg_comments(image):
        text = comment.strip(b"\x00 \r\n")
        if text.startswith(MARKER):
            who = text[len(MARKER) :].decode("ascii", "replace")
            if who == "none":
                return "no_face"
            return "match" if who == id_number else "no_match"
    return "no_match"

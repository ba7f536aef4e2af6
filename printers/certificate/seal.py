"""Draws a round official seal (for the sample certificate and the simulated backend).

Real certificates carry the issuing authority's seal image in their data; this draws a
stand-in of the same kind: a red ring, a five-pointed star, the authority's name along
the upper arc and the seal's purpose below, on a transparent background.
"""

from __future__ import annotations

import math
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from printers.fonts import find_font

_RED = (200, 16, 20, 235)


def draw_seal(issuer: str, purpose: str = "证明专用章", size: int = 600) -> bytes:
    """A PNG (RGBA) of a round seal with ``issuer`` around the edge and ``purpose`` inside."""
    face = find_font("sans")
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c = size / 2
    ring = size * 0.035
    draw.ellipse(
        (ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=_RED, width=round(ring)
    )
    _star(draw, c, c, size * 0.14)
    _arc_text(img, issuer, face.path.as_posix(), face.subfont, size)
    font = ImageFont.truetype(face.path.as_posix(), round(size * 0.075), index=face.subfont)
    box = draw.textbbox((0, 0), purpose, font=font)
    draw.text((c - (box[2] - box[0]) / 2, c + size * 0.2), purpose, font=font, fill=_RED)
    out = BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=_RED)


def _arc_text(img: Image.Image, text: str, font_path: str, index: int, size: int) -> None:
    """Each character upright to the centre, spread over the upper ~240 degrees."""
    if not text:
        return
    glyph_px = round(size * min(0.1, 1.9 / max(len(text), 1) * 0.55))
    font = ImageFont.truetype(font_path, glyph_px, index=index)
    radius = size / 2 - size * 0.035 - glyph_px * 0.75
    span = min(240.0, 18.0 * len(text) * glyph_px / (size * 0.1))
    start = -90 - span / 2
    step = span / max(len(text) - 1, 1)
    for i, ch in enumerate(text):
        deg = start + i * step
        rad = math.radians(deg)
        tile = Image.new("RGBA", (glyph_px * 2, glyph_px * 2), (0, 0, 0, 0))
        tdraw = ImageDraw.Draw(tile)
        box = tdraw.textbbox((0, 0), ch, font=font)
        tdraw.text(
            (glyph_px - (box[0] + box[2]) / 2, glyph_px - (box[1] + box[3]) / 2),
            ch, font=font, fill=_RED,
        )  # fmt: skip
        tile = tile.rotate(-(deg + 90), resample=Image.Resampling.BICUBIC)
        x = size / 2 + radius * math.cos(rad) - glyph_px
        y = size / 2 + radius * math.sin(rad) - glyph_px
        img.alpha_composite(tile, (round(x), round(y)))

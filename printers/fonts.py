"""Finds and registers the TrueType fonts documents are set in.

reportlab embeds (and subsets) TrueType outlines only, not CFF/OTF, so Chinese text
uses Debian's fonts-arphic-uming (a Song/Ming face fitting official documents) with
fonts-wqy-microhei as the fallback; the same files are used for the receipt simulator's
rendering. Missing fonts fail with the files looked for and the package to install.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from printers.errors import FontNotFoundError

#: Extra directory searched first (a deployment can ship its own fonts there).
FONT_DIR_ENV = "KIOSK_FONT_DIR"


@dataclass(frozen=True)
class FontFace:
    """One TrueType face: where it is, and the name documents register it under."""

    name: str
    path: Path
    subfont: int = 0


#: Candidates by role, best first: (file name, Debian package, subfont index).
_CANDIDATES: dict[str, tuple[tuple[str, str, int], ...]] = {
    # Serif (Song/Ming) for certificate body text.
    "serif": (
        ("truetype/arphic/uming.ttc", "fonts-arphic-uming", 0),
        ("truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei", 0),
    ),
    # Sans (Hei) for headings, tables and receipts.
    "sans": (
        ("truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei", 0),
        ("truetype/arphic/uming.ttc", "fonts-arphic-uming", 0),
    ),
}

_SYSTEM_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_registered: dict[str, FontFace] = {}
_lock = threading.Lock()


def find_font(role: str) -> FontFace:
    """The font file for ``role`` ("serif" or "sans"); FontNotFoundError if none exists."""
    candidates = _CANDIDATES.get(role)
    if candidates is None:
        raise FontNotFoundError(f"unknown font role {role!r}; use one of {sorted(_CANDIDATES)}")
    dirs = list(_SYSTEM_DIRS)
    extra = os.environ.get(FONT_DIR_ENV)
    if extra:
        dirs.insert(0, Path(extra))
    looked: list[str] = []
    for rel, _package, subfont in candidates:
        for base in dirs:
            for path in (base / rel, base / Path(rel).name):
                looked.append(str(path))
                if path.is_file():
                    return FontFace(f"Kiosk-{role}", path, subfont)
    packages = " or ".join(sorted({pkg for _, pkg, _ in candidates}))
    raise FontNotFoundError(
        f"no {role} font for Chinese text found (looked for {', '.join(looked)}); "
        f"install {packages}"
    )


def register_font(role: str) -> str:
    """Register the ``role`` font with reportlab once; returns its reportlab font name."""
    # reportlab here, not at the top: the receipt printer's simulator finds its font
    # through find_font as the kiosk starts, and draws no PDF.
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    with _lock:
        face = _registered.get(role)
        if face is None:
            face = find_font(role)
            try:
                pdfmetrics.registerFont(
                    TTFont(face.name, str(face.path), subfontIndex=face.subfont)
                )
            except (TTFError, OSError) as exc:
                raise FontNotFoundError(f"cannot load font {face.path}: {exc}") from exc
            _registered[role] = face
        return face.name

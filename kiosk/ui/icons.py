"""The kiosk's icons and illustrations: flat line SVGs shipped as package data.

``kiosk/ui/assets/icons/*.svg`` are 48x48 line icons, one per catalog topic
(``topic-<id>``) and service (``service-<id>``), drawn in ``currentColor``;
``kiosk/ui/assets/illustrations/*.svg`` are 200x150 pictures of where to put a card or a
page and what to take, in ``currentColor`` and ``ACCENT``. Both colours are filled in
from the theme's palette when drawn, so high contrast gets yellow-on-black pictures.
A service or topic the kiosk has no icon for (a catalog may add services) gets
``service-default``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PyQt6.QtCore import QByteArray, QRectF, QSize
from PyQt6.QtGui import QImage, QPainter, QPixmap
from PyQt6.QtSvg import QSvgRenderer
from PyQt6.QtWidgets import QLabel, QSizePolicy

from kiosk.ui.qtnames import set_keys

ASSETS = Path(__file__).with_name("assets")
ICONS = ASSETS / "icons"
ILLUSTRATIONS = ASSETS / "illustrations"


def icon_names() -> list[str]:
    return sorted(p.stem for p in ICONS.glob("*.svg"))


def illustration_names() -> list[str]:
    return sorted(p.stem for p in ILLUSTRATIONS.glob("*.svg"))


def service_icon_name(service_id: str) -> str:
    name = f"service-{service_id}"
    return name if (ICONS / f"{name}.svg").exists() else "service-default"


def topic_icon_name(topic_id: str) -> str:
    name = f"topic-{topic_id}"
    return name if (ICONS / f"{name}.svg").exists() else "service-default"


@lru_cache(maxsize=64)
def _svg_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def _render(path: Path, width: int, height: int, color: str, accent: str) -> QPixmap:
    text = _svg_text(path).replace("currentColor", color).replace("ACCENT", accent)
    renderer = QSvgRenderer(QByteArray(text.encode("utf-8")))
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    # Transparent by pixel value: a QColor or Qt.GlobalColor fill would build the Qt
    # namespace's enums, which the first frame's pictures do without (kiosk.ui.qtnames).
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    box = renderer.viewBoxF()
    scale = min(width / box.width(), height / box.height())
    w, h = box.width() * scale, box.height() * scale
    renderer.render(painter, QRectF((width - w) / 2, (height - h) / 2, w, h))
    painter.end()
    return QPixmap.fromImage(image)


def icon_pixmap(name: str, size: int, color: str) -> QPixmap:
    return _render(ICONS / f"{name}.svg", size, size, color, color)


def illustration_pixmap(name: str, width: int, height: int, color: str,
                        accent: str) -> QPixmap:
    return _render(ILLUSTRATIONS / f"{name}.svg", width, height, color, accent)


#: The theme's colours for pictures: (line colour, accent); the window sets them.
_COLORS = {"line": "#14213d", "accent": "#1d5fae"}


def set_colors(line: str, accent: str) -> None:
    _COLORS["line"], _COLORS["accent"] = line, accent


class Picture(QLabel):
    """An icon or illustration that redraws in the theme's colours.

    The window calls :meth:`recolor` on every Picture when the theme changes; the size
    given is the picture's fixed size (it never grows its layout). A press on it goes on
    to the widget under it (a QLabel with no text ignores it); a button made of pictures
    and labels makes them transparent for the mouse itself (:mod:`kiosk.ui.tiles`).
    """

    def __init__(self, name: str = "", width: int = 48, height: int = 0, *,
                 illustration: bool = False) -> None:
        super().__init__()
        self.name = name
        self.illustration = illustration
        self.box = QSize(width, height or width)
        self.color, self.accent = _COLORS["line"], _COLORS["accent"]
        set_keys(self, "alignment", "AlignCenter")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("background: transparent;")
        self._draw()

    def set_picture(self, name: str) -> None:
        if name != self.name:
            self.name = name
            self._draw()

    def set_box(self, width: int, height: int = 0) -> None:
        box = QSize(width, height or width)
        if box != self.box:
            self.box = box
            self._draw()

    def recolor(self) -> None:
        """Redraw in the colours :func:`set_colors` set last."""
        if (_COLORS["line"], _COLORS["accent"]) != (self.color, self.accent):
            self.color, self.accent = _COLORS["line"], _COLORS["accent"]
            self._draw()

    def _draw(self) -> None:
        self.setFixedSize(self.box)
        if not self.name:
            self.clear()
            return
        w, h = self.box.width(), self.box.height()
        if self.illustration:
            self.setPixmap(illustration_pixmap(self.name, w, h, self.color, self.accent))
        else:  # icons are drawn in the accent colour
            self.setPixmap(icon_pixmap(self.name, min(w, h), self.accent))

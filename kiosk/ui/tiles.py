"""Icon tiles: the menu's service tiles and topic tabs, and a grid that reflows them.

A tile is a QPushButton (so it is focusable, clickable and tappable by its stable id)
that lays out an icon and word-wrapped labels inside it; its size hints come from that
layout, so a long title makes the tile taller instead of being cut off.
"""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.icons import Picture
from kiosk.ui.theme import MIN_TOUCH_PX
from kiosk.ui.widgets import label, set_id


def _text(role: str, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
    widget = label(role=role)
    widget.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    return widget


def _picture(icon: str, icon_px: int) -> Picture:
    picture = Picture(icon, icon_px)
    picture.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    return picture


class _LaidOutButton(QPushButton):
    """A button whose contents are a layout of child widgets (no text of its own)."""

    inner: QBoxLayout
    #: A width the button keeps (0: as wide as its layout and the grid make it).
    fixed_width = 0

    def _own_layout(self, layout: QBoxLayout) -> None:
        # The button's size comes from the hints below, not from the layout's minimum.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.inner = layout

    def sizeHint(self) -> QSize:
        hint = self.inner.sizeHint().expandedTo(QSize(MIN_TOUCH_PX, MIN_TOUCH_PX))
        if self.fixed_width:
            return QSize(self.fixed_width, self.heightForWidth(self.fixed_width))
        return hint

    def minimumSizeHint(self) -> QSize:
        hint = self.inner.minimumSize().expandedTo(QSize(MIN_TOUCH_PX, MIN_TOUCH_PX))
        if self.fixed_width:
            return QSize(self.fixed_width, hint.height())
        return hint

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self.inner.totalHeightForWidth(width), MIN_TOUCH_PX)


class ServiceTile(_LaidOutButton):
    """A service: its icon, title, fee, and why it is unavailable (when it is)."""

    def __init__(self, service_id: str, icon: str, icon_px: int) -> None:
        super().__init__()
        self.service_id = service_id
        set_id(self, service_id)
        self.setObjectName("tile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._own_layout(QHBoxLayout(self))
        self.inner.setContentsMargins(20, 16, 20, 16)
        self.inner.setSpacing(18)
        self.picture = _picture(icon, icon_px)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        self.title = _text("tile_title")
        self.detail = _text("tile_detail")
        self.warning = _text("tile_warn")
        texts.addWidget(self.title)
        texts.addWidget(self.detail)
        texts.addWidget(self.warning)
        self.inner.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignVCenter)
        self.inner.addLayout(texts, 1)

    def set_texts(self, title: str, detail: str, warning: str = "") -> None:
        self.title.setText(title)
        self.detail.setText(detail)
        self.warning.setText(warning)
        self.warning.setVisible(bool(warning))
        self.setEnabled(not warning)
        self.setProperty("spoken", "，".join(t for t in (title, detail, warning) if t))


class TopicTab(_LaidOutButton):
    """A topic (or "all"): icon above its name; ``selected`` is styled."""

    def __init__(self, topic_id: str, icon: str, icon_px: int) -> None:
        super().__init__()
        self.topic_id = topic_id
        set_id(self, f"topic {topic_id}")
        self.setObjectName("tab")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._own_layout(QVBoxLayout(self))
        self.inner.setContentsMargins(8, 8, 8, 8)
        self.inner.setSpacing(4)
        self.picture = _picture(icon, icon_px)
        self.name = _text("tab_name", Qt.AlignmentFlag.AlignHCenter)
        self.inner.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        self.inner.addWidget(self.name, 1)

    def set_name(self, text: str) -> None:
        self.name.setText(text)
        self.setProperty("spoken", text)

    def set_selected(self, selected: bool) -> None:
        if bool(self.property("selected")) != selected:
            self.setProperty("selected", selected)
            for widget in (self, self.name):
                style = widget.style()
                if style is not None:
                    style.unpolish(widget)
                    style.polish(widget)


def place_in_grid(grid: QGridLayout, widgets: list[QWidget], columns: int) -> None:
    """Lay ``widgets`` out ``columns`` wide (widgets not listed are taken out, not deleted)."""
    while grid.count():
        grid.takeAt(0)
    columns = max(1, columns)
    for i, widget in enumerate(widgets):
        grid.addWidget(widget, i // columns, i % columns)
    for c in range(grid.columnCount()):
        grid.setColumnStretch(c, 1 if c < columns else 0)

"""Layout checks on the running kiosk: nothing cut off, nothing off the screen.

Scenario ops (kiosk_sim.scenario):

- ``window_size: 1280x800`` makes the window that size, as a screen of that size would
  (the checks then treat it as the screen);
- ``check_layout`` fails (after retrying until the step's timeout, so deferred reflows
  can settle) while any visible widget is clipped or outside the screen, or the window
  has grown past the screen. The failure lists each problem.

A widget is clipped when its text needs more room than it has: a label or button whose
size hint is larger than its size; a word-wrapped label whose height for its width is
more than its height, or whose widest word is wider than it.
Widgets inside a scroll area may lie outside the visible part in the direction it
scrolls (they scroll into view), not in the other;
everything else must lie inside the window. A whole screen must fit without scrolling
(the window's ScreenFrame only scrolls as a last resort, in production).
"""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRect, QSize
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QLabel,
    QLineEdit,
    QScrollArea,
    QScrollBar,
    QWidget,
)

#: Rounding slack in px (layouts distribute odd pixels).
SLACK = 2


def parse_size(text: str) -> QSize:
    width, _, height = str(text).lower().partition("x")
    try:
        return QSize(int(width), int(height))
    except ValueError:
        raise ValueError(f"window_size wants WIDTHxHEIGHT, got {text!r}") from None


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def _cut_by_viewport(widget: QWidget, area: QAbstractScrollArea) -> str:
    """A widget that sticks out of its scroll area in a direction it cannot scroll."""
    viewport = area.viewport()
    if viewport is None or area.objectName() == "screenframe" \
            or not viewport.isAncestorOf(widget):
        return ""  # the screen's frame is checked as a whole; scroll bars are not content
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    view = viewport.rect().adjusted(-SLACK, -SLACK, SLACK, SLACK)
    horizontal, vertical = area.horizontalScrollBar(), area.verticalScrollBar()
    if (vertical is None or vertical.maximum() == 0) and \
            (rect.top() < view.top() or rect.bottom() > view.bottom()):
        return f"cut at the top or bottom of its scroll area ({rect.height()} px tall, " \
               f"{viewport.height()} shown)"
    if (horizontal is None or horizontal.maximum() == 0) and \
            (rect.left() < view.left() or rect.right() > view.right()):
        return f"cut at the side of its scroll area ({rect.width()} px wide, " \
               f"{viewport.width()} shown)"
    return ""


def _name(widget: QWidget) -> str:
    ident = widget.property("kiosk_id") or widget.objectName() or ""
    text = widget.text() if isinstance(widget, QLabel | QAbstractButton | QLineEdit) else ""
    return f"{type(widget).__name__}[{ident}] {text[:40]!r}"


def clipped(widget: QWidget) -> str:
    """Why ``widget``'s content does not fit it ("" when it does)."""
    size = widget.size()
    if isinstance(widget, QLabel):
        if not widget.text() or (widget.pixmap() is not None and not widget.pixmap().isNull()):
            return ""
        if widget.wordWrap():
            word = widget.minimumSizeHint().width()  # its widest word (a CJK text: a glyph)
            if word > size.width() + SLACK:
                return f"a word needs {word} px width, has {size.width()}"
            need = widget.heightForWidth(size.width())
            if need > size.height() + SLACK:
                return f"needs {need} px height, has {size.height()} (width {size.width()})"
            return ""
        hint = widget.sizeHint()
    elif isinstance(widget, QAbstractButton):
        if not widget.text():
            return ""  # a button laid out from child widgets: the children are checked
        hint = widget.sizeHint()
    else:
        return ""
    if hint.width() > size.width() + SLACK or hint.height() > size.height() + SLACK:
        return f"needs {hint.width()}x{hint.height()}, has {size.width()}x{size.height()}"
    return ""


def layout_problems(window: QWidget, screen: QSize) -> list[str]:
    problems = []
    if window.width() > screen.width() or window.height() > screen.height():
        hint = window.minimumSizeHint()
        problems.append(f"window is {window.width()}x{window.height()} on a "
                        f"{screen.width()}x{screen.height()} screen (its layout needs at "
                        f"least {hint.width()}x{hint.height()})")
        return problems  # everything below is off the screen too: the window says it
    for frame in window.findChildren(QScrollArea, "screenframe"):
        bar = frame.verticalScrollBar()
        inner = frame.widget()
        if frame.isVisible() and bar is not None and bar.maximum() > SLACK and inner:
            viewport = frame.viewport()
            width, height = (viewport.width(), viewport.height()) if viewport else (0, 0)
            need = inner.heightForWidth(width) if inner.hasHeightForWidth() else -1
            need = max(need, inner.minimumSizeHint().height())
            problems.append(f"{type(inner).__name__} does not fit the screen: it needs "
                            f"{need} px height at {width} px width, has {height}")
    area = QRect(QPoint(0, 0), screen)
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.width() <= 0 or widget.height() <= 0:
            continue
        if isinstance(widget, QScrollBar):
            continue
        why = clipped(widget)
        if why:
            problems.append(f"clipped: {_name(widget)}: {why}")
        area_of = _scroll_area(widget)
        if area_of is not None:
            cut = _cut_by_viewport(widget, area_of)
            if cut:
                problems.append(f"clipped: {_name(widget)}: {cut}")
        else:
            rect = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
            if not area.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
                problems.append(f"outside the screen: {_name(widget)} at "
                                f"{rect.x()},{rect.y()} {rect.width()}x{rect.height()}")
    return problems

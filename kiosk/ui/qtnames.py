"""Qt properties set by the names of their enum keys, through Qt's meta-object.

PyQt6 turns the enums of the ``Qt`` namespace into Python enums the first time any one
of them is touched: all 89 at once, about 12 ms here, a fifth of a bare window's whole
start. The widgets of the first frame (the window, its status bar, banners and help
sheet, the attract screen) set such properties with :func:`set_keys` instead, so the
first frame pays none of it (``tests/perf/test_startup.py`` runs the app to make sure);
the screens made after it use ``Qt.…`` as usual. One thing cannot be set by name: the
window flags of a fullscreen kiosk (frameless, on top), which are no Qt property, so
:meth:`~kiosk.ui.lockdown.Lockdown.lock_window` builds the enums before that first frame.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject


def set_keys(obj: QObject, prop: str, keys: str) -> None:
    """Sets ``prop`` to ``keys``, e.g. ``set_keys(label, "alignment", "AlignCenter")``;
    flags join with ``|``. A property or key Qt does not know raises ValueError."""
    if not obj.setProperty(prop, keys):
        raise ValueError(f"{type(obj).__name__} has no property {prop!r} taking {keys!r}")

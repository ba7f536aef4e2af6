"""One render per certificate: the preview and the print get the same bytes.

The certificate step shows the PDF on screen while the A4 printer prints it; both ask
:func:`render_once` with the backend's certificate JSON. The first caller renders (in the
render process, :mod:`printers.certificate.worker`, waited for on the caller's worker
thread), a caller arriving meanwhile waits for that render instead of starting a second
one, and later callers get the bytes kept. Only the latest certificate is kept,
in memory; :func:`forget` drops it (the session's personal data) when the session ends.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING

from printers.certificate.worker import RenderProcess

if TYPE_CHECKING:
    from printers.certificate.renderer import CertificateRenderer

log = logging.getLogger(__name__)

_lock = threading.Lock()
_renderer: CertificateRenderer | None = None
#: The render process every certificate goes to (started by :func:`prestart`, or on use).
process = RenderProcess()
atexit.register(process.stop)  # a process that never called shutdown() reaps its child
_latest: tuple[str, Future[bytes]] | None = None
#: Renders done (not served from the cache), for tests and the bench.
renders = 0


def renderer() -> CertificateRenderer:
    """An in-process renderer (fonts registered once, on first use, off the UI thread):
    the render process's fallback, and what tools without a UI may use directly."""
    global _renderer
    from printers.certificate.renderer import CertificateRenderer

    with _lock:
        if _renderer is None:
            _renderer = CertificateRenderer()
        return _renderer


def prestart() -> None:
    """Start and warm the render process (blocking: call it on a background thread)."""
    try:
        process.start()
    except Exception as exc:  # noqa: BLE001 - the first certificate tries again
        log.warning("certificate render process not started: %s", exc)


def shutdown() -> None:
    """Stop the render process (the kiosk is stopping)."""
    process.stop()


def _key(certificate: Mapping[str, object]) -> str:
    raw = json.dumps(certificate, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def render_once(certificate: Mapping[str, object]) -> bytes:
    """The PDF of ``certificate`` (backend JSON), rendered at most once while kept."""
    global _latest, renders
    key = _key(certificate)
    with _lock:
        if _latest is not None and _latest[0] == key:
            future = _latest[1]
            mine = False
        else:
            future = Future()
            _latest = (key, future)
            mine = True
    if not mine:
        return future.result()
    try:
        pdf = process.render(certificate)
    except BaseException as exc:
        with _lock:
            if _latest is not None and _latest[1] is future:
                _latest = None  # a failed render is not kept: the next caller tries again
        future.set_exception(exc)
        raise
    with _lock:
        renders += 1
    future.set_result(pdf)
    return pdf


def forget() -> None:
    """Drop the kept certificate (personal data) once its session is over."""
    global _latest
    with _lock:
        _latest = None

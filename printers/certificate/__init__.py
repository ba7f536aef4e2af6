"""Certificates: the backend's certificate data rendered to an A4 PDF.

The names below are loaded on first use: the kiosk imports ``printers.certificate.cache``
(whose renders run in a process of their own) without pulling reportlab into the UI's
process."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from printers.certificate.data import CertificateData
    from printers.certificate.renderer import CertificateRenderer

__all__ = ["CertificateData", "CertificateRenderer"]

_WHERE = {"CertificateData": "printers.certificate.data",
          "CertificateRenderer": "printers.certificate.renderer"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Errors of printers/: rendering certificates and receipts (not device I/O).

Device problems (paper out, cover open, a job CUPS aborted) are
:class:`kiosk_base.errors.DeviceError` subclasses raised by the drivers; the errors here are
about the documents themselves: data the backend sent that cannot be rendered, a font
that is not installed.
"""

from __future__ import annotations


class PrintingError(Exception):
    """Base of every error raised by printers/."""

    #: Message key a screen shows when this error reaches a resident.
    message_key = "error.printer.render_failed"


class CertificateDataError(PrintingError):
    """The certificate data is incomplete or malformed (names the field)."""

    message_key = "error.certificate.invalid"


class FontNotFoundError(PrintingError):
    """A font the documents need is not installed (names the files looked for)."""


class JournalError(PrintingError):
    """The print journal cannot be read or written."""

    message_key = "error.printer.journal"

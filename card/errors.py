"""Errors of the card/ package.

They subclass the device error kinds of :mod:`kiosk_base.errors` so a driver can let them
through unchanged: a malformed frame is a :class:`~kiosk_base.errors.ProtocolError`, a card
that is missing or was pulled out is a :class:`~kiosk_base.errors.MediaError`. Each carries
a code a technician can look up (``SW3_80``, ``SW_6A82``, ``TLV``) and the message key a
screen shows.
"""

from __future__ import annotations

from kiosk_base.errors import DeviceError, HardwareError, MediaError, ProtocolError


class CardError(DeviceError):
    """Base of every error raised by card/."""

    default_message_key = "error.card.unreadable"


class CardFormatError(CardError, ProtocolError):
    """Bytes that do not follow the format (frame, TLV, text block, record)."""

    default_message_key = "error.card.unreadable"


class FrameChecksumError(CardFormatError):
    """A GA/T 467 frame whose XOR check does not match (retryable: line noise)."""


class StatusWordError(CardError, ProtocolError):
    """An ISO 7816-4 command answered with an error status word."""

    def __init__(
        self, message: str, sw: int, *, device: str = "", message_key: str | None = None
    ) -> None:
        super().__init__(message, device=device, code=f"SW_{sw:04X}", message_key=message_key)
        self.sw = sw


class CardBlockedError(StatusWordError, MediaError):
    """The card or one of its applications is blocked or invalidated."""

    default_message_key = "error.card.blocked"


class ApplicationNotFoundError(StatusWordError, MediaError):
    """The card does not carry the application asked for (6A82 on SELECT)."""

    default_message_key = "error.card.unsupported"


class SecurityError(StatusWordError):
    """A MAC, key or security status check failed (6988, 9302, 6982...)."""

    default_message_key = "error.card.purse_failed"


class PurseError(StatusWordError):
    """A purse command failed (insufficient balance 9401, overflow...)."""

    default_message_key = "error.card.purse_failed"


class Sw3Error(CardError, ProtocolError):
    """A GA/T 467 reader answered an error SW3; code is ``SW3_xx``."""

    default_message_key = "error.idcard.unreadable"

    def __init__(
        self, message: str, sw3: int, *, device: str = "", message_key: str | None = None
    ) -> None:
        super().__init__(message, device=device, code=f"SW3_{sw3:02X}", message_key=message_key)
        self.sw3 = sw3


class IdCardMediaError(Sw3Error, MediaError):
    """No ID card on the reader, or it left during the read."""

    default_message_key = "error.idcard.no_card"


class IdReaderFaultError(Sw3Error, HardwareError):
    """The reader's security module reported a fault that needs a technician."""

    default_message_key = "error.idcard.reader_fault"


class IdNumberError(CardFormatError):
    """An ID number with a wrong check character, length or birth date."""

    default_message_key = "error.idcard.unreadable"


class PsamError(CardError):
    """The PSAM in the reader's second slot is missing or does not answer: purse
    purchases are unavailable (the card itself is fine)."""

    default_message_key = "purse.psam_unavailable"

"""One error hierarchy for every device, plus the error a screen shows.

A :class:`DeviceError` carries the device's own code (``"SW3_80"``, ``"DLE_EOT_PAPER_OUT"``,
``"CUPS_media-jam"``...) so a technician can look it up; :class:`UserFacingError` carries
only a message key that the UI translates. Drivers raise the former; the flow layer turns
them into the latter with :meth:`DeviceError.user_facing`.
"""

from __future__ import annotations

from collections.abc import Mapping


class DeviceError(Exception):
    """Base of every error raised by drivers/ and the simulators."""

    #: Message key shown to residents when this kind of error reaches a screen.
    default_message_key = "error.device.generic"

    def __init__(
        self,
        message: str,
        *,
        device: str = "",
        code: str = "",
        message_key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.device = device
        self.code = code
        self.message_key = message_key or self.default_message_key

    def __str__(self) -> str:
        parts = [super().__str__()]
        if self.device:
            parts.insert(0, f"[{self.device}]")
        if self.code:
            parts.append(f"(code {self.code})")
        return " ".join(parts)

    def user_facing(self) -> UserFacingError:
        """The error a screen shows for this device error."""
        return UserFacingError(self.message_key, cause=self)


class DeviceNotOpenError(DeviceError):
    """An operation was asked of a device that is not open."""


class NoDeviceError(DeviceError):
    """The device is not connected (port missing, reader unplugged, queue absent)."""

    default_message_key = "error.device.unavailable"


class DeviceOfflineError(DeviceError):
    """The device is connected but does not answer or refuses work."""

    default_message_key = "error.device.unavailable"


class DeviceBusyError(DeviceError):
    """The device is already doing something else."""

    default_message_key = "error.device.busy"


class DeviceTimeoutError(DeviceError):
    """The device did not finish within its timeout."""

    default_message_key = "error.device.timeout"


class ProtocolError(DeviceError):
    """The device answered something the protocol does not allow (bad frame, checksum)."""

    default_message_key = "error.device.communication"


class HardwareError(DeviceError):
    """The device reported a fault that needs a technician."""

    default_message_key = "error.device.hardware"


class MediaError(DeviceError):
    """A problem with what the user puts in or takes out: no card, card removed, no paper."""

    default_message_key = "error.device.media"


class ConfigError(DeviceError):
    """A device's configuration is invalid."""


class UnknownFaultError(DeviceError):
    """A fault name that the simulator does not support was injected."""


class UserFacingError(Exception):
    """An error that a screen shows: a translation key plus parameters for it."""

    def __init__(
        self,
        message_key: str,
        params: Mapping[str, str] | None = None,
        *,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.params: dict[str, str] = dict(params or {})
        self.cause = cause

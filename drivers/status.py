"""Device state and family status, modelled on XFS4IoT's common and per-family status.

A device only sets properties; every change fires one status-changed event (see
:class:`drivers.base.Device`). Clients never poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class DeviceState(StrEnum):
    """Common device state (XFS4IoT ``device``)."""

    STARTING = "starting"
    ONLINE = "online"
    OFFLINE = "offline"
    BUSY = "busy"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"
    NO_DEVICE = "no_device"
    CLOSED = "closed"

    @property
    def usable(self) -> bool:
        """Whether the device can take work now or soon (busy devices finish)."""
        return self in (DeviceState.ONLINE, DeviceState.BUSY)


class MediaStatus(StrEnum):
    """Card or document in the device."""

    PRESENT = "present"
    NOT_PRESENT = "not_present"
    JAMMED = "jammed"
    ENTERING = "entering"
    UNKNOWN = "unknown"


class PaperStatus(StrEnum):
    """Paper supply of a printer."""

    FULL = "full"
    LOW = "low"
    OUT = "out"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


class TonerStatus(StrEnum):
    FULL = "full"
    LOW = "low"
    OUT = "out"
    UNKNOWN = "unknown"


class CoverStatus(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    UNKNOWN = "unknown"


_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class DeviceStatus:
    """A snapshot of one device's status.

    ``detail`` holds the family status as plain strings (the values of the enums above,
    keyed ``media``, ``paper``, ``toner``, ``cover``...), so it serialises as is and the
    UI and diagnostics treat every family alike.
    """

    state: DeviceState
    detail: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    #: The device's own code for the last error, empty when none.
    error_code: str = ""
    #: A technician-readable reason for the current state.
    reason: str = ""

    def with_changes(
        self,
        *,
        state: DeviceState | None = None,
        detail: Mapping[str, str] | None = None,
        error_code: str | None = None,
        reason: str | None = None,
    ) -> DeviceStatus:
        merged = dict(self.detail)
        if detail:
            merged.update(detail)
        return DeviceStatus(
            state=self.state if state is None else state,
            detail=MappingProxyType(merged),
            error_code=self.error_code if error_code is None else error_code,
            reason=self.reason if reason is None else reason,
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "detail": dict(self.detail),
            "error_code": self.error_code,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class StatusChange:
    """The event fired when any part of a device's status changes."""

    device: str
    old: DeviceStatus
    new: DeviceStatus

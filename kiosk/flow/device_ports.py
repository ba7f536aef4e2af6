"""The flow's ports to the terminal's devices: card readers, cameras, printers.

Split from :mod:`kiosk.flow.ports` (the backend ports, the records they carry and
:class:`~kiosk.flow.ports.FlowPorts`); the same rules for futures and errors apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from drivers.camera.frames import Frame
from drivers.camera.guidance import GuideSettings
from kiosk_base.errors import UserFacingError

if TYPE_CHECKING:
    from kiosk.flow.ports import CapturedImage, Person, ProgressListener, ReceiptContent
    from kiosk.flow.purse_ports import LoadInitialisation


# -- device ports -------------------------------------------------------------------


class CardPresencePort(Protocol):
    @property
    def card_present(self) -> bool: ...

    @property
    def card_absent(self) -> bool:
        """The reader knows it holds no card (False while it does not know: just opened,
        or faulted). Not the same as ``not card_present``."""
        ...

    def subscribe_presence(self, listener: Callable[[bool], None]) -> Callable[[], None]:
        """Call ``listener(present)`` on every insertion/removal; returns unsubscribe."""
        ...


class IdCardReaderPort(CardPresencePort, Protocol):
    def read(self) -> Future[Person]:
        """Read the inserted card; MediaError when it is pulled out mid-read."""
        ...


class CitizenCardPort(CardPresencePort, Protocol):
    def read_holder(self) -> Future[Person]: ...

    def initialize_for_load(self, amount_fen: int) -> Future[LoadInitialisation]: ...

    def credit_for_load(self, mac2: bytes, when: datetime) -> Future[bytes]:
        """CREDIT FOR LOAD; the future holds the TAC."""
        ...

    def load_proof(self, online_seq: int) -> Future[tuple[str, bytes | None]]:
        """(purse serial hex, TAC) of the inserted card's load made with ``online_seq``;
        TAC None when the card was never credited with it."""
        ...


class CameraPort(Protocol):
    def capture(self) -> Future[CapturedImage]: ...


@dataclass(frozen=True)
class IdPhoto:
    """A capture checked as an ID photo: the failed checks (``photo.problem.<name>``),
    or none and the photo cut to the configured spec."""

    problems: tuple[str, ...]
    data: bytes | None = None

    def __repr__(self) -> str:
        return f"IdPhoto(problems={self.problems}, {len(self.data or b'')} bytes)"


class FaceCameraPort(CameraPort, Protocol):
    """The face camera: still captures, ID photos and a live preview.

    ``on_frame`` gets analysed frames (drivers.camera.frames.Frame) on the camera's
    worker thread; ``on_error`` the user-facing error of a camera problem, once per new
    problem, while the preview keeps trying.
    """

    def start_preview(self, on_frame: Callable[[Frame], None],
                      on_error: Callable[[UserFacingError], None]) -> None: ...

    def stop_preview(self) -> None: ...

    def watch_closely(self, closely: bool) -> None:
        """Analyse every preview frame (a liveness challenge: a blink is short) or only
        as often as guidance needs."""
        ...

    def capture_id_photo(self) -> Future[IdPhoto]: ...

    def photo_guide(self) -> GuideSettings:
        """What the guidance asks of a face for this camera's ID photo (its frame size
        and photo spec decide which face sizes the photo checks accept)."""
        ...


class PrinterPort(Protocol):
    def ready(self) -> bool:
        """Usable now and has paper (read from the device status; never blocks)."""
        ...


class ReceiptPrinterPort(PrinterPort, Protocol):
    def print_receipt(
        self, receipt: ReceiptContent, on_progress: ProgressListener
    ) -> Future[None]: ...

    def check_ready(self) -> Future[None]:
        """Ask the printer now (its real-time status, not the last poll); the future
        raises a DeviceError when a receipt cannot be printed. A paid service calls it
        before it takes any money."""
        ...


class DocumentPrinterPort(PrinterPort, Protocol):
    def prepare(self) -> None:
        """A service that prints a certificate has started: get the render ready (in the
        background; the print step comes minutes later at the soonest)."""

    def print_certificate(
        self, certificate: Mapping[str, object], on_progress: ProgressListener
    ) -> Future[None]: ...

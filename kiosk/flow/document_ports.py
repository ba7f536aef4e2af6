"""The scan step's ports: the document camera's live view, the materials library, and
uploads from the resident's phone (see kiosk/flow/ports.py for the conventions).

Everything here carries a resident's papers: reprs never show the bytes, and nothing
is written anywhere but the session's temp dir by the step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

from kiosk.flow.device_ports import CameraPort
from kiosk.flow.ports import CapturedImage, Person

#: Four (x, y) corners as fractions of the frame (0..1), top-left, top-right,
#: bottom-right, bottom-left.
Corners = tuple[tuple[float, float], tuple[float, float], tuple[float, float],
                tuple[float, float]]


@dataclass(frozen=True, repr=False)
class PreviewFrame:
    """One finished preview frame for the screen: a small BGR image and the page seen."""

    #: A display-sized BGR uint8 array (numpy); the receiver may keep it.
    image: Any
    #: The detected page's corners (fractions of the frame), or None.
    corners: Corners | None
    sequence: int
    #: A tiny grey thumbnail that motion is judged on (drivers' motion_signature).
    signature: Any = None

    def __repr__(self) -> str:
        return f"PreviewFrame(#{self.sequence}, page={'yes' if self.corners else 'no'})"


@dataclass(frozen=True, repr=False)
class PageCapture:
    """A still from the document camera."""

    #: The perspective-corrected, enhanced page; the whole frame when no page was found.
    image: CapturedImage
    page_found: bool
    #: The whole frame (JPEG), from which manual corners cut the page.
    original: bytes
    #: Where the manual corner editor starts (a guess from the frame, fractions).
    guess: Corners

    def __repr__(self) -> str:
        return f"PageCapture(found={self.page_found}, {self.image!r})"


class DocumentCameraPort(CameraPort, Protocol):
    """The document camera (高拍仪): a live view with page detection, stills, manual cuts."""

    def start_preview(self, on_frame: Callable[[PreviewFrame], None]) -> None:
        """Deliver preview frames (on the device's worker) until stop_preview."""
        ...

    def stop_preview(self) -> None: ...

    def capture_page(self) -> Future[PageCapture]: ...

    def cut_page(self, original: bytes, corners: Corners) -> Future[CapturedImage]:
        """The page inside ``corners`` of ``original``, corrected and enhanced."""
        ...


@dataclass(frozen=True, repr=False)
class StoredMaterial:
    """A material the backend keeps from an earlier application."""

    material_id: str
    material_type: str
    submitted_on: date
    pages: int
    #: A small JPEG of the first page (may be empty when the backend has none).
    preview: bytes

    def __repr__(self) -> str:
        return f"StoredMaterial({self.material_type}, {self.submitted_on}, {self.pages} pages)"


PhoneUploadState = Literal["waiting", "received", "rejected", "expired"]


@dataclass(frozen=True, repr=False)
class PhoneUpload:
    """An upload slot the phone sends a file to; ``pages`` (JPEG) once received."""

    upload_id: str
    document_id: str
    url: str
    state: PhoneUploadState
    expires_at: datetime
    pages: tuple[bytes, ...] = ()
    reason: str = ""

    def __repr__(self) -> str:
        return f"PhoneUpload({self.document_id}, {self.state}, {len(self.pages)} pages)"


class MaterialsBackend(Protocol):
    def stored_materials(self, person: Person, types: Sequence[str]
                         ) -> Future[tuple[StoredMaterial, ...]]:
        """The person's stored materials of ``types``, newest first."""
        ...

    def open_phone_upload(self, person: Person, document_id: str) -> Future[PhoneUpload]: ...

    def poll_phone_upload(self, upload_id: str) -> Future[PhoneUpload]: ...

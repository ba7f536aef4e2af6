"""The scan step's ports: the document camera's live view and stills, the materials
library and phone uploads over the backend client (see kiosk/flow/document_ports.py)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future

from backend_client.client import new_idempotency_key
from backend_client.models import PhoneUpload as ApiPhoneUpload
from backend_client.models import PhoneUploadCreate
from drivers.camera.base import Camera
from drivers.camera.document import guess_corners, motion_signature, preview_image
from drivers.camera.frames import CapturedImage as CameraImage
from drivers.camera.frames import Frame
from drivers.camera.jpeg import decode_image
from kiosk.adapters.backend import BackendPorts
from kiosk.adapters.devices import then
from kiosk.flow import document_ports as d
from kiosk.flow import ports as p

log = logging.getLogger(__name__)


def _fractions(points: Sequence[tuple[float, float]], width: int, height: int) -> d.Corners:
    tl, tr, br, bl = ((x / width, y / height) for x, y in points)
    return (tl, tr, br, bl)


class DocumentCameraAdapter:
    """Implements DocumentCameraPort over a camera whose purpose is documents."""

    def __init__(self, device: Camera, executor: Executor, preview_fps: float = 8) -> None:
        self.device = device
        self.executor = executor
        self.preview_fps = preview_fps

    def capture(self) -> Future[p.CapturedImage]:
        return then(self.device.capture(), lambda img: p.CapturedImage(img.jpeg, "image/jpeg"))

    def start_preview(self, on_frame: Callable[[d.PreviewFrame], None]) -> None:
        def deliver(frame: Frame) -> None:  # on the camera's worker
            page = frame.page
            corners = None
            if page is not None and page.quad is not None:
                corners = _fractions(page.quad, frame.width, frame.height)
            on_frame(d.PreviewFrame(preview_image(frame.image), corners, frame.sequence,
                                    motion_signature(frame.image)))
        self.device.start_preview(deliver, fps=self.preview_fps)

    def stop_preview(self) -> None:
        self.device.stop_preview()

    def capture_page(self) -> Future[d.PageCapture]:
        def page(img: CameraImage) -> d.PageCapture:
            original = img.original or img.jpeg
            found = img.page is not None and img.page.quad is not None
            if found and img.page is not None and img.page.quad is not None:
                frame_w, frame_h = _frame_size(original)
                guess = _fractions(img.page.quad, frame_w, frame_h)
            else:
                frame = decode_image(original)
                guess = _fractions(guess_corners(frame), frame.shape[1], frame.shape[0])
            return d.PageCapture(p.CapturedImage(img.jpeg), found, original, guess)
        return then(self.device.capture(), page)

    def cut_page(self, original: bytes, corners: d.Corners) -> Future[p.CapturedImage]:
        def cut() -> p.CapturedImage:
            width, height = _frame_size(original)
            pixels = [(x * width, y * height) for x, y in corners]
            still = CameraImage(original, width, height, self.device.purpose, original=original)
            quality = self.device.camera_settings.jpeg_quality
            return p.CapturedImage(still.with_corners(pixels, quality=quality).jpeg)
        return self.executor.submit(cut)


def _frame_size(jpeg: bytes) -> tuple[int, int]:
    frame = decode_image(jpeg)
    return int(frame.shape[1]), int(frame.shape[0])


def _upload(api: ApiPhoneUpload) -> d.PhoneUpload:
    return d.PhoneUpload(
        upload_id=api.upload_id, document_id=api.document_id, url=api.url, state=api.status,
        expires_at=api.expires_at, pages=tuple(base64.b64decode(x) for x in api.pages),
        reason=api.reason)


class MaterialsAdapter:
    """Implements MaterialsBackend over the backend ports' client and person tokens."""

    def __init__(self, backend: BackendPorts) -> None:
        self.backend = backend

    def stored_materials(self, person: p.Person, types: Sequence[str]
                         ) -> Future[tuple[d.StoredMaterial, ...]]:
        def call() -> tuple[d.StoredMaterial, ...]:
            found = self.backend.client.materials(self.backend.person_token(person), list(types))
            return tuple(d.StoredMaterial(
                material_id=m.material_id, material_type=m.material_type,
                submitted_on=m.submitted_on, pages=m.pages,
                preview=base64.b64decode(m.preview_jpeg_base64 or ""))
                for m in found.materials)
        return self.backend.submit_call(call)

    def open_phone_upload(self, person: p.Person, document_id: str) -> Future[d.PhoneUpload]:
        def call() -> d.PhoneUpload:
            token = self.backend.person_token(person)
            request = PhoneUploadCreate(person_token=token, document_id=document_id)
            # A new slot each time the resident asks: the key is fresh per request.
            return _upload(self.backend.client.create_phone_upload(
                request, new_idempotency_key()))
        return self.backend.submit_call(call)

    def poll_phone_upload(self, upload_id: str) -> Future[d.PhoneUpload]:
        return self.backend.submit_call(
            lambda: _upload(self.backend.client.phone_upload(upload_id)))

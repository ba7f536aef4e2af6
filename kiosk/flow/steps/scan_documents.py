"""Scan documents: each material's pages from the document camera or the flatbed (or the
resident's phone), or the stored copy from the materials library; one PDF per material.

Pages go to the session's private directory; ``pages`` holds their files per document
id, in order (reorder, delete or retake any page). With the document camera the step
watches a live preview: a page put on the desk is captured by itself once it lies
still (:class:`drivers.camera.document.PageStillness`), the capture button takes it at
once; a capture in which no page was found goes to ``CORNERS``, where the resident
drags the four corners. ``finish()`` checks every document has between min_pages and
max_pages (or a reused copy) and makes each document's PDF under the size cap;
the submit step uploads those PDFs (``session.data.documents``) or the reused
materials' ids (``session.data.reused``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import ClassVar

from backend_client.service_definition import DocumentSpec, ScanDocumentsStep
from drivers.camera.document import PageStillness
from kiosk.flow.device_ports import CameraPort
from kiosk.flow.document_ports import Corners, DocumentCameraPort, PageCapture, PreviewFrame
from kiosk.flow.ports import CapturedImage
from kiosk.flow.steps.base import StepContext, StepController
from kiosk.flow.steps.document_pdf import build_pdf
from kiosk.flow.steps.scan_materials import MaterialsMixin, ScanState
from kiosk_base.errors import NoDeviceError, UserFacingError

log = logging.getLogger(__name__)

DOCUMENT_CAMERA = "document_camera"
#: A capture is tried this often, this far apart, while the camera reconnects.
_CAMERA_ATTEMPTS = 3
_CAMERA_RETRY_S = 1.5
PreviewListener = Callable[[PreviewFrame], None]
__all__ = ["ScanDocumentsController", "ScanState"]


class ScanDocumentsController(MaterialsMixin, StepController[ScanState]):
    step_type = "scan_documents"
    busy_states: ClassVar[frozenset[Enum]] = frozenset(
        {ScanState.LOOKING, ScanState.CAPTURING, ScanState.BUILDING})
    _IDLE = (ScanState.READY, ScanState.FAILED)

    def __init__(self, context: StepContext, step: ScanDocumentsStep) -> None:
        super().__init__(context, ScanState.READY)
        self.step = step
        self.pages: dict[str, list[Path]] = {doc.id: [] for doc in step.documents}
        ports = context.ports
        devices = {"document_camera": ports.document_camera, "scanner": ports.scanner}
        #: The sources this terminal has for this step, in the order they are offered.
        self.sources: tuple[str, ...] = tuple(r for r in step.sources if devices.get(r))
        self.source: str | None = self.sources[0] if self.sources else None
        #: The document an automatic capture goes to.
        self.target: str = step.documents[0].id
        #: The capture waiting for manual corners (state CORNERS).
        self.pending: PageCapture | None = None
        self._pending_for: tuple[str, int | None] = (self.target, None)
        self.preview: PreviewFrame | None = None
        self._preview_listeners: list[PreviewListener] = []
        self._previewing = False
        self._stillness = PageStillness()
        self._preview_lock = threading.Lock()
        self._init_materials()

    @property
    def done(self) -> bool:
        return self.state is ScanState.DONE

    @property
    def documents(self) -> tuple[DocumentSpec, ...]:
        return self.step.documents

    # -- lifecycle ------------------------------------------------------------------

    def start(self) -> None:
        self._cancelled.clear()
        if self.state is ScanState.DONE:  # back from the next step: scan on
            self._set_state(ScanState.READY)
        self._look_up_materials(lambda: self._set_state(ScanState.READY))
        self._update_preview()

    def cancel(self) -> None:
        super().cancel()
        self._stop_preview()
        self._stop_phone()

    def wipe(self) -> None:
        self._stop_preview()
        self._stop_phone()
        self.pages.clear()
        self.pending = None
        self.preview = None
        self._preview_listeners.clear()
        self._wipe_materials()
        super().wipe()

    # -- sources and the live preview ----------------------------------------------

    def choose_source(self, role: str) -> None:
        if role not in self.sources or self.state not in self._IDLE:
            return
        self.source = role
        log.info("step scan_documents: source %s", role)
        self._update_preview()
        self._set_state(ScanState.READY)

    def select_document(self, document_id: str) -> None:
        """The document automatic captures go to."""
        self._spec(document_id)
        self.target = document_id
        self._notify()

    def subscribe_preview(self, listener: PreviewListener) -> Callable[[], None]:
        """Preview frames (on the camera's worker thread) while the camera is the source."""
        self._preview_listeners.append(listener)
        return lambda: (self._preview_listeners.remove(listener)
                        if listener in self._preview_listeners else None)

    @property
    def auto_capture_armed(self) -> bool:
        return self._stillness.armed

    def _camera(self) -> object | None:
        return self.context.ports.document_camera

    def _update_preview(self) -> None:
        if self.source == DOCUMENT_CAMERA and not self._cancelled.is_set():
            self._start_preview()
        else:
            self._stop_preview()

    def _start_preview(self) -> None:
        camera = self.context.ports.document_camera
        with self._preview_lock:
            if camera is None or self._previewing or not hasattr(camera, "start_preview"):
                return
            self._previewing = True
            self._stillness = PageStillness()
            self.preview = None
        try:
            camera.start_preview(self._on_frame)
            log.info("step scan_documents: document camera preview on")
        except Exception as exc:  # noqa: BLE001 - a dead camera shows as a capture failure
            log.warning("step scan_documents: preview does not start: %s", exc)
            with self._preview_lock:
                self._previewing = False

    def _stop_preview(self) -> None:
        camera = self.context.ports.document_camera
        with self._preview_lock:
            if not self._previewing:
                return
            self._previewing = False
        if camera is not None:
            camera.stop_preview()

    def _on_frame(self, frame: PreviewFrame) -> None:  # on the camera's worker
        if not self._previewing:
            return
        if self.preview is None:
            log.info("step scan_documents: the live view shows")
        self.preview = frame
        fire = self._stillness.update(frame.corners, frame.signature)
        for listener in list(self._preview_listeners):
            try:
                listener(frame)
            except Exception:
                log.exception("step scan_documents: preview listener failed")
        if fire:
            spec = self._spec(self.target)
            if self.state is ScanState.READY and len(self.pages[spec.id]) < spec.max_pages:
                log.info("step scan_documents: page still on the desk, capturing")
                self.capture_page(spec.id)

    # -- pages ----------------------------------------------------------------------

    def capture_page(self, document_id: str, replace: int | None = None) -> None:
        """Capture a new page of ``document_id`` (or retake page number ``replace``)."""
        if self.state not in self._IDLE:
            return
        spec = self._spec(document_id)
        pages = self.pages[document_id]
        self.target = document_id
        if replace is None and len(pages) >= spec.max_pages:
            self._set_state(
                ScanState.READY,
                error=UserFacingError("scan.too_many_pages", {"max": str(spec.max_pages)}),
            )
            return
        if replace is not None and not 0 <= replace < len(pages):
            raise IndexError(replace)
        device = self._device()
        if device is None:
            self._set_state(ScanState.FAILED, error=UserFacingError("error.device.unavailable"))
            return
        self._set_state(ScanState.CAPTURING)
        camera = self.context.ports.document_camera
        use_camera = self.source == DOCUMENT_CAMERA and hasattr(camera, "capture_page")

        def job() -> None:
            if use_camera and camera is not None:
                capture = self._camera_capture(camera)
                if self._cancelled.is_set():
                    return
                if not capture.page_found:
                    self.pending = capture
                    self._pending_for = (document_id, replace)
                    self._set_state(ScanState.CORNERS)
                    return
                image = capture.image
            else:
                image = self._await(device.capture())
                if self._cancelled.is_set():
                    return
            self._keep(document_id, image, replace)

        self._run(job, ScanState.FAILED)

    def _camera_capture(self, camera: DocumentCameraPort) -> PageCapture:
        """A still; a camera that just dropped its stream gets a moment to come back."""
        for attempt in range(_CAMERA_ATTEMPTS):
            try:
                capture: PageCapture = self._await(camera.capture_page())
                return capture
            except NoDeviceError:
                if attempt == _CAMERA_ATTEMPTS - 1 or self.context.clock.wait(
                        _CAMERA_RETRY_S, self._cancelled):
                    raise
                log.info("step scan_documents: the camera is reconnecting, trying again")
        raise AssertionError("unreachable")

    def retake_page(self, document_id: str, index: int) -> None:
        self.capture_page(document_id, replace=index)

    def apply_corners(self, corners: Corners) -> None:
        """Cut the pending capture's page at ``corners`` (fractions of the frame)."""
        pending, camera = self.pending, self.context.ports.document_camera
        if self.state is not ScanState.CORNERS or pending is None or camera is None:
            return
        document_id, replace = self._pending_for
        self._set_state(ScanState.CAPTURING)

        def job() -> None:
            try:
                image = self._await(camera.cut_page(pending.original, corners))
            except ValueError:
                self._set_state(ScanState.CORNERS, error=UserFacingError("scan.bad_corners"))
                return
            self.pending = None
            self._keep(document_id, image, replace)

        self._run(job, ScanState.FAILED)

    def discard_capture(self) -> None:
        """Drop the capture waiting for corners (the resident takes the page again)."""
        if self.state is ScanState.CORNERS:
            self.pending = None
            self._stillness.arm()
            self._set_state(ScanState.READY)

    def delete_page(self, document_id: str, index: int) -> None:
        if self.state not in self._IDLE:
            return
        path = self.pages[document_id].pop(index)
        self.context.session.delete_file(path)
        self._set_state(ScanState.READY)

    def move_page(self, document_id: str, index: int, offset: int) -> None:
        """Move page ``index`` by ``offset`` places (-1: earlier, +1: later)."""
        pages = self.pages[document_id]
        new = index + offset
        if self.state not in self._IDLE or not (0 <= index < len(pages) and 0 <= new < len(pages)):
            return
        pages.insert(new, pages.pop(index))
        self._set_state(ScanState.READY)

    def page_data(self, document_id: str, index: int) -> bytes:
        """A page's image, for its thumbnail (from the session's temp dir)."""
        return self.context.session.read_file(self.pages[document_id][index])

    def _keep(self, document_id: str, image: CapturedImage, replace: int | None) -> None:
        suffix = ".png" if image.media_type == "image/png" else ".jpg"
        session = self.context.session
        path = session.store_file(document_id, image.data, suffix)
        pages = self.pages[document_id]
        if replace is None:
            pages.append(path)
        else:
            session.delete_file(pages[replace])
            pages[replace] = path
        if len(pages) >= self._spec(document_id).max_pages:  # full: the next one lacking
            self.target = next((d.id for d in self.step.documents
                                if len(self.pages[d.id]) < d.max_pages), self.target)
        self._set_state(ScanState.READY, progress=None)

    # -- finishing ------------------------------------------------------------------

    def satisfied(self, spec: DocumentSpec) -> bool:
        return spec.id in self.reused or len(self.pages[spec.id]) >= spec.min_pages

    def finish(self) -> bool:
        """Finish when every document has enough pages; else say which lacks some."""
        if self.state not in self._IDLE:
            return False
        for spec in self.step.documents:
            if not self.satisfied(spec):
                self._set_state(
                    ScanState.READY,
                    error=UserFacingError(
                        "scan.too_few_pages",
                        {"document": spec.label.get(self.context.session.language),
                         "min": str(spec.min_pages)},
                    ),
                )
                return False
        self._stop_preview()
        self._stop_phone()
        self._set_state(ScanState.BUILDING, progress=0.0)

        def job() -> None:
            session = self.context.session
            data = session.data
            limit = self.context.settings.max_document_bytes
            scanned = [s for s in self.step.documents if s.id not in self.reused]
            for n, spec in enumerate(scanned, start=1):
                pages = self.pages[spec.id]
                if not pages:
                    continue
                pdf = build_pdf([session.read_file(path) for path in pages], limit)
                old = data.documents.get(spec.id)
                if old is not None:
                    session.delete_file(old)
                data.documents[spec.id] = session.store_file(spec.id, pdf.data, ".pdf")
                self.progress = n / len(scanned)
                self._notify()
            for spec in self.step.documents:
                if spec.id in self.reused:
                    data.documents.pop(spec.id, None)
            data.pages.update({k: list(v) for k, v in self.pages.items()})
            data.reused.update({k: (m.material_id, m.pages) for k, m in self.reused.items()})
            self._set_state(ScanState.DONE)

        self._run(job, ScanState.FAILED)
        return True

    def _spec(self, document_id: str) -> DocumentSpec:
        for spec in self.step.documents:
            if spec.id == document_id:
                return spec
        raise KeyError(document_id)

    def _device(self) -> CameraPort | None:
        ports = self.context.ports
        if self.source == "scanner":
            return ports.scanner
        return ports.document_camera if self.source == DOCUMENT_CAMERA else None

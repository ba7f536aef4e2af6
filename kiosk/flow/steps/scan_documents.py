"""Scan documents: pages per document, within each document's min/max, retake, delete.

Pages go to the session's private directory; ``pages`` holds their files per document
id, in order. ``finish()`` checks every document has between min_pages and max_pages.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import ClassVar

from backend_client.service_definition import DocumentSpec, ScanDocumentsStep
from drivers.errors import UserFacingError
from kiosk.flow.ports import CameraPort
from kiosk.flow.steps.base import StepContext, StepController


class ScanState(Enum):
    READY = "ready"
    CAPTURING = "capturing"
    #: A capture failed; the pages already taken are kept.
    FAILED = "failed"
    DONE = "done"


class ScanDocumentsController(StepController[ScanState]):
    step_type = "scan_documents"
    busy_states: ClassVar[frozenset[Enum]] = frozenset({ScanState.CAPTURING})

    def __init__(self, context: StepContext, step: ScanDocumentsStep) -> None:
        super().__init__(context, ScanState.READY)
        self.step = step
        self.pages: dict[str, list[Path]] = {doc.id: [] for doc in step.documents}

    @property
    def done(self) -> bool:
        return self.state is ScanState.DONE

    @property
    def documents(self) -> tuple[DocumentSpec, ...]:
        return self.step.documents

    def start(self) -> None:
        self._cancelled.clear()
        self._set_state(ScanState.READY)

    def capture_page(self, document_id: str, replace: int | None = None) -> None:
        """Scan a new page of ``document_id`` (or retake page number ``replace``)."""
        if self.state not in (ScanState.READY, ScanState.FAILED):
            return
        spec = self._spec(document_id)
        pages = self.pages[document_id]
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

        def job() -> None:
            image = self._await(device.capture())
            if self._cancelled.is_set():
                return
            session = self.context.session
            path = session.store_file(f"{document_id}", image.data)
            if replace is None:
                pages.append(path)
            else:
                session.delete_file(pages[replace])
                pages[replace] = path
            self._set_state(ScanState.READY, progress=None)

        self._run(job, ScanState.FAILED)

    def retake_page(self, document_id: str, index: int) -> None:
        self.capture_page(document_id, replace=index)

    def delete_page(self, document_id: str, index: int) -> None:
        if self.state not in (ScanState.READY, ScanState.FAILED):
            return
        path = self.pages[document_id].pop(index)
        self.context.session.delete_file(path)
        self._set_state(ScanState.READY)

    def finish(self) -> bool:
        """Finish when every document has enough pages; else say which lacks some."""
        if self.state not in (ScanState.READY, ScanState.FAILED):
            return False
        for spec in self.step.documents:
            if len(self.pages[spec.id]) < spec.min_pages:
                self._set_state(
                    ScanState.READY,
                    error=UserFacingError(
                        "scan.too_few_pages",
                        {"document": spec.id, "min": str(spec.min_pages)},
                    ),
                )
                return False
        self.context.session.data.pages.update({k: list(v) for k, v in self.pages.items()})
        self._set_state(ScanState.DONE)
        return True

    def wipe(self) -> None:
        self.pages.clear()
        super().wipe()

    def _spec(self, document_id: str) -> DocumentSpec:
        for spec in self.step.documents:
            if spec.id == document_id:
                return spec
        raise KeyError(document_id)

    def _device(self) -> CameraPort | None:
        ports = self.context.ports
        return ports.scanner if self.step.device == "scanner" else ports.document_camera

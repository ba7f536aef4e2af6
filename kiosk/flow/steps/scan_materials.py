"""The scan step's other ways to a material: the stored copy and the resident's phone.

Materials reuse: when the step starts, the backend's materials library is asked for the
person's stored copies of the step's document types; the newest of each is offered
("use the copy from 2026-11-20") before any scanning, and the resident takes it
(``use_stored``) or declines (``decline_stored``) and scans anew.

Phone upload: ``phone_upload(doc)`` opens an upload slot on the backend; its URL is the
QR code the screen shows (state ``PHONE``); the step polls the slot until the phone has
sent a file, then its pages join the document's pages like scanned ones.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.flow.document_ports import PhoneUpload, StoredMaterial
from kiosk.flow.ports import CapturedImage
from kiosk_base.errors import UserFacingError

if TYPE_CHECKING:
    from backend_client.service_definition import DocumentSpec, ScanDocumentsStep
    from kiosk.flow.steps.base import StepContext

log = logging.getLogger(__name__)


class ScanState(Enum):
    #: Asking the backend for the person's stored copies.
    LOOKING = "looking"
    READY = "ready"
    CAPTURING = "capturing"
    #: The last capture found no page: the resident places the corners by hand.
    CORNERS = "corners"
    #: A QR code for the resident's phone is shown; waiting for the file.
    PHONE = "phone"
    #: A capture failed; the pages already taken are kept.
    FAILED = "failed"
    #: Making each document's PDF.
    BUILDING = "building"
    DONE = "done"


class MaterialsMixin:
    """Reuse and phone upload for ScanDocumentsController (which provides the rest)."""

    # Provided by the controller (kiosk/flow/steps/scan_documents.py).
    context: StepContext
    step: ScanDocumentsStep
    pages: dict[str, list[Path]]
    _cancelled: threading.Event
    state: Any
    _set_state: Callable[..., None]
    _run: Callable[..., None]
    _await: Callable[..., Any]
    _notify: Callable[[], None]
    _keep: Callable[[str, CapturedImage, int | None], None]
    _spec: Callable[[str], DocumentSpec]

    def _init_materials(self) -> None:
        #: Stored copies offered and not yet taken or declined, by document id.
        self.offers: dict[str, StoredMaterial] = {}
        #: Stored copies the resident chose to use, by document id.
        self.reused: dict[str, StoredMaterial] = {}
        self._looked_up = False
        #: The open phone upload slot (state PHONE).
        self.phone: PhoneUpload | None = None
        self._phone_stop = threading.Event()

    def _wipe_materials(self) -> None:
        self.offers.clear()
        self.reused.clear()
        self.phone = None

    # -- the materials library --------------------------------------------------------

    def _look_up_materials(self, done: Callable[[], None]) -> None:
        materials = self.context.ports.materials
        person = self.context.session.person
        if self._looked_up or not self.step.reuse_materials or materials is None \
                or person is None:
            return
        self._looked_up = True
        types = [d.id for d in self.step.documents]
        self._set_state(ScanState.LOOKING)

        def job() -> None:
            try:
                found = self._await(materials.stored_materials(person, types), backend=True)
            except UserFacingError as exc:  # no library today: scanning still works
                log.warning("step scan_documents: no stored materials (%s)", exc.message_key)
                found = ()
            for material in found:  # newest first: keep the first of each type
                kind = material.material_type
                if kind in self.pages and not self.pages[kind] and kind not in self.offers:
                    self.offers[kind] = material
            log.info("step scan_documents: %d stored material(s) offered", len(self.offers))
            done()

        self._run(job, ScanState.READY)

    def use_stored(self, document_id: str) -> None:
        """Take the offered stored copy for ``document_id`` (its scanned pages go)."""
        material = self.offers.pop(document_id, None)
        if material is None:
            return
        self.reused[document_id] = material
        for path in self.pages[document_id]:
            self.context.session.delete_file(path)
        self.pages[document_id].clear()
        log.info("step scan_documents: a stored copy is reused")
        self._notify()

    def decline_stored(self, document_id: str) -> None:
        """Scan anew instead of the stored copy (offered or already taken)."""
        if self.offers.pop(document_id, None) or self.reused.pop(document_id, None):
            log.info("step scan_documents: the stored copy is declined")
            self._notify()

    # -- the resident's phone ---------------------------------------------------------

    def phone_upload(self, document_id: str) -> None:
        """Show a QR code for the phone to send ``document_id``; poll until it arrives."""
        materials = self.context.ports.materials
        person = self.context.session.person
        if self.state not in (ScanState.READY, ScanState.FAILED) or materials is None \
                or person is None or not self.step.phone_upload:
            return
        spec = self._spec(document_id)
        self._phone_stop = stop = threading.Event()
        self._set_state(ScanState.PHONE)
        clock, settings = self.context.clock, self.context.settings

        def job() -> None:
            slot = self._await(materials.open_phone_upload(person, document_id), backend=True)
            self.phone = slot
            self._notify()
            deadline = clock.monotonic() + settings.qr_login_s
            while not stop.is_set():
                if clock.wait(settings.poll_interval_s, stop) or self._cancelled.is_set():
                    return
                slot = self._await(materials.poll_phone_upload(slot.upload_id), backend=True)
                if slot.state == "received":
                    break
                if slot.state == "rejected":
                    self.phone = None
                    self._set_state(ScanState.READY,
                                    error=UserFacingError("scan.phone_rejected"))
                    return
                if slot.state == "expired" or clock.monotonic() >= deadline:
                    self.phone = None
                    self._set_state(ScanState.READY, error=UserFacingError("scan.phone_expired"))
                    return
            if stop.is_set():
                return
            self.phone = None
            room = spec.max_pages - len(self.pages[document_id])
            log.info("step scan_documents: %d page(s) from the phone", len(slot.pages))
            self.offers.pop(document_id, None)
            self.reused.pop(document_id, None)
            for data in slot.pages[:room]:
                self._keep(document_id, CapturedImage(data), None)
            if len(slot.pages) > room:
                self._set_state(ScanState.READY, error=UserFacingError(
                    "scan.too_many_pages", {"max": str(spec.max_pages)}))

        self._run(job, ScanState.FAILED)

    def cancel_phone(self) -> None:
        """Close the QR code (the resident scans here after all)."""
        if self.state is ScanState.PHONE:
            self._stop_phone()
            self._set_state(ScanState.READY)

    def _stop_phone(self) -> None:
        self._phone_stop.set()
        self.phone = None

"""The scan_documents step screen: sources, live view, corners, phone QR, page thumbnails.

Left: what the resident looks at — the document camera's live view (page outlined,
captured by itself when still), the corner editor after a capture without a page, or
the QR code for the phone. Right: each document with its stored-copy offer, its
capture / scan / phone buttons and a thumbnail per page (move earlier, later, delete).
Preview frames arrive on the camera's worker and are painted on the UI thread; only
the newest pending frame is painted.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QPixmap
from PyQt6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import translate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.page_view import CornerEditor, LiveView
from kiosk.ui.screens.step_base import StepScreen, qr_pixmap
from kiosk.ui.widgets import label, touch_button

THUMB_W, THUMB_H = 90, 120


def _thumb(data: bytes, w: int = THUMB_W, h: int = THUMB_H) -> QPixmap:
    pix = QPixmap()
    pix.loadFromData(data)
    return pix.scaled(w, h, Qt.AspectRatioMode.KeepAspectRatio,
                      Qt.TransformationMode.SmoothTransformation)


#: Below this width (px), large text stacks a document's buttons.
NARROW_PX = 1600


class ScanDocumentsScreen(StepScreen):
    step_type = "scan_documents"

    def __init__(self, dispatcher: UiDispatcher) -> None:
        super().__init__(dispatcher)
        self.sources_row = QHBoxLayout()
        self.body.addLayout(self.sources_row)
        row = QHBoxLayout()
        self.body.addLayout(row, 1)
        self.view = QStackedWidget()
        self.live = LiveView("document camera view")
        self.corners = CornerEditor("page corners")
        self.qr = QLabel()
        self.qr.setAccessibleName("phone upload code")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idle_view = label(role="prompt")
        self.idle_view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for w in (self.live, self.corners, self.qr, self.idle_view):
            self.view.addWidget(w)
        self.view.setFixedWidth(440)
        self.view.setMinimumHeight(180)
        left = QVBoxLayout()
        left.addWidget(self.view, 1)
        self.view_hint = label(role="muted")
        left.addWidget(self.view_hint)
        self.view_buttons = QHBoxLayout()
        left.addLayout(self.view_buttons)
        holder_left = QWidget()
        holder_left.setLayout(left)
        holder_left.setFixedWidth(460)
        self.holder_left = holder_left
        row.addWidget(holder_left)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder = QWidget()
        self.docs = QVBoxLayout(holder)
        scroll.setWidget(holder)
        self.docs_holder, self.docs_scroll = holder, scroll
        row.addWidget(scroll, 1)
        self.finish = self.add_action("finish scanning")
        self.finish.clicked.connect(lambda: self.controller and self.controller.finish())
        self._thumbs: dict[Path, QPixmap] = {}
        self._frame_lock = threading.Lock()
        self._frame: Any = None
        self._unsubscribe_preview: Any = None
        #: A frame of the current binding was painted (the live view shows).
        self._live = False

    # -- binding and the live view -----------------------------------------------------

    def bind(self, controller: Any, service_title: str, can_go_back: bool) -> None:
        if self._unsubscribe_preview:
            self._unsubscribe_preview()
        self._unsubscribe_preview = controller.subscribe_preview(self._on_frame)
        self._live = False
        self.live.clear()
        super().bind(controller, service_title, can_go_back)

    def unbind(self) -> None:
        if self._unsubscribe_preview:
            self._unsubscribe_preview()
        self._unsubscribe_preview = None
        super().unbind()

    def _on_frame(self, frame: Any) -> None:  # on the camera's worker
        with self._frame_lock:
            pending, self._frame = self._frame, frame
        if pending is None:
            self.dispatcher.post(self._paint_frame)

    def _paint_frame(self) -> None:
        with self._frame_lock:
            frame, self._frame = self._frame, None
        if frame is not None and self.controller is not None:
            self.live.show_frame(frame.image, frame.corners)
            if not self._live:  # the hint says what the camera does once it shows
                self._live = True
                self.refresh()

    def clear_personal(self) -> None:
        self._clear(self.docs)
        self.live.clear()
        self.corners.clear()
        self.qr.clear()
        self._thumbs.clear()
        with self._frame_lock:
            self._frame = None

    # -- rendering ------------------------------------------------------------------

    @classmethod
    def _clear(cls, layout: Any) -> None:
        """Empty a layout now: widgets are hidden at once (deleted later), so a
        screenshot or a tap in the same turn of the event loop never meets a stale one."""
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
            elif item is not None and item.layout() is not None:
                cls._clear(item.layout())

    def render_body(self) -> None:
        c, lang = self.controller, self.lang
        state = c.state.value
        self._size_view()
        self._render_sources()
        self._render_view(state)
        self._clear(self.docs)
        idle = state in ("ready", "failed")
        for doc in c.documents:
            self._render_document(doc, idle)
        self.docs.addStretch(1)
        live = set(c.pages.get(d.id, [])[i] for d in c.documents
                   for i in range(len(c.pages.get(d.id, []))))
        self._thumbs = {p: pix for p, pix in self._thumbs.items() if p in live}
        self.finish.setText(translate("common.next", lang))
        self.finish.setEnabled(idle)
        QTimer.singleShot(0, self._fit_docs)

    def _fit_docs(self) -> None:
        """The list's wrapped lines need more height than its layout's minimum says: give
        the list the height its width needs, so nothing in it overlaps (it scrolls)."""
        viewport = self.docs_scroll.viewport()
        if viewport is None or not self.docs.hasHeightForWidth():
            return
        need = self.docs.totalHeightForWidth(viewport.width())
        if need != self.docs_holder.minimumHeight():
            self.docs_holder.setMinimumHeight(need)

    def set_large_text(self, large: bool) -> None:
        super().set_large_text(large)
        if hasattr(self, "holder_left"):  # not during construction
            self._size_view()

    def _size_view(self) -> None:
        # Large text on a narrow screen: a narrower camera view leaves the documents'
        # buttons their words.
        narrow = getattr(self, "large", False) and self.width() < NARROW_PX
        self.view.setFixedWidth(340 if narrow else 440)
        self.holder_left.setFixedWidth(360 if narrow else 460)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        if hasattr(self, "docs_scroll"):
            QTimer.singleShot(0, self._fit_docs)

    def _buttons(self) -> QBoxLayout:
        """A row of buttons; in large text on a narrow screen one above the other (their
        words are long)."""
        narrow = getattr(self, "large", False) and self.width() < NARROW_PX
        return QVBoxLayout() if narrow else QHBoxLayout()

    def _render_sources(self) -> None:
        c, lang = self.controller, self.lang
        self._clear(self.sources_row)
        if len(c.sources) < 2:
            return
        self.sources_row.addWidget(label(translate("scan.source.label", lang), "prompt",
                                         wrap=False))
        for role in c.sources:
            chosen = role == c.source
            b = touch_button(("✔ " if chosen else "") + translate(f"scan.source.{role}", lang),
                             f"source {role}", "primary" if chosen else "plain")
            b.clicked.connect(lambda _=False, r=role: self.controller.choose_source(r))
            self.sources_row.addWidget(b)
        self.sources_row.addStretch(1)

    def _render_view(self, state: str) -> None:
        c, lang = self.controller, self.lang
        self._clear(self.view_buttons)
        self.view_hint.setText("")
        if state == "corners" and c.pending is not None:
            if self.view.currentWidget() is not self.corners:
                self.corners.load(c.pending.original, c.pending.guess)
            self.view.setCurrentWidget(self.corners)
            self.view_hint.setText(translate("scan.corners_hint", lang))
            use = touch_button(translate("scan.use_corners", lang), "use corners", "primary")
            use.clicked.connect(lambda: self.controller.apply_corners(self.corners.corners))
            retake = touch_button(translate("scan.retake", lang), "retake", "")
            retake.clicked.connect(lambda: self.controller.discard_capture())
            self.view_buttons.addWidget(use)
            self.view_buttons.addWidget(retake)
            return
        if state == "phone":
            phone = c.phone
            if phone is not None:
                self.qr.setPixmap(qr_pixmap(phone.url, 300))
            self.view.setCurrentWidget(self.qr)
            name = next((d.label.get(lang) for d in c.documents
                         if phone is not None and d.id == phone.document_id), "")
            self.view_hint.setText(translate("scan.phone_hint", lang, name=name))
            close = touch_button(translate("scan.phone_cancel", lang), "close phone upload", "")
            close.clicked.connect(lambda: self.controller.cancel_phone())
            self.view_buttons.addWidget(close)
            return
        self.qr.clear()
        if c.source == "document_camera":
            self.live.placeholder = translate("scan.no_camera_view", lang)
            self.view.setCurrentWidget(self.live)
            target = next(d.label.get(lang) for d in c.documents if d.id == c.target)
            self.view_hint.setText(translate("scan.target", lang, name=target) if self._live
                                   else translate("scan.no_camera_view", lang))
        else:
            self.idle_view.setText(translate("scan.scanner_hint", lang) if c.source else "")
            self.view.setCurrentWidget(self.idle_view)

    def _render_document(self, doc: Any, idle: bool) -> None:
        c, lang = self.controller, self.lang
        pages = c.pages.get(doc.id, [])
        reused = c.reused.get(doc.id)
        count = reused.pages if reused is not None else len(pages)
        text = translate("scan.document", lang, name=doc.label.get(lang), count=count,
                         min=doc.min_pages, max=doc.max_pages)
        mark = "✔ " if c.satisfied(doc) else "○ "
        header = QHBoxLayout()
        header.addWidget(label(mark + text, "prompt"), 1)
        if c.source == "document_camera" and len(c.documents) > 1 and idle:
            here = doc.id == c.target
            target = touch_button("◉" if here else "○", f"capture into {doc.id}",
                                  "primary" if here else "")
            target.clicked.connect(lambda _=False, d=doc.id: self.controller.select_document(d))
            header.addWidget(target)
        self.docs.addLayout(header)
        offer = c.offers.get(doc.id)
        if reused is not None:
            self._render_reused(doc, reused, idle)
            return
        if offer is not None:
            self._render_offer(doc, offer, idle)
        grid = self._buttons()
        verb = "scan.capture" if c.source == "document_camera" else "scan.add_page"
        scan = touch_button(translate(verb, lang), f"scan {doc.id}", "primary")
        scan.setEnabled(idle and c.source is not None and len(pages) < doc.max_pages)
        scan.clicked.connect(lambda _=False, d=doc.id: self.controller.capture_page(d))
        grid.addWidget(scan)
        if c.step.phone_upload and c.context.ports.materials is not None:
            phone = touch_button(translate("scan.phone", lang), f"phone {doc.id}", "")
            phone.setEnabled(idle and len(pages) < doc.max_pages)
            phone.clicked.connect(lambda _=False, d=doc.id: self.controller.phone_upload(d))
            grid.addWidget(phone)
        self.docs.addLayout(grid)
        if pages:
            self._render_pages(doc, pages, idle)

    def _render_offer(self, doc: Any, offer: Any, idle: bool) -> None:
        lang = self.lang
        row = QHBoxLayout()
        if offer.preview:
            thumb = QLabel()
            thumb.setAccessibleName(f"stored copy {doc.id}")
            thumb.setPixmap(_thumb(offer.preview))
            row.addWidget(thumb)
        col = QVBoxLayout()
        col.addWidget(label(translate("scan.stored", lang, date=offer.submitted_on.isoformat(),
                                      pages=offer.pages), "prompt"))
        buttons = self._buttons()
        use = touch_button(translate("scan.use_stored", lang), f"use stored {doc.id}", "primary")
        use.setEnabled(idle)
        use.clicked.connect(lambda _=False, d=doc.id: self.controller.use_stored(d))
        anew = touch_button(translate("scan.scan_anew", lang), f"scan anew {doc.id}", "")
        anew.clicked.connect(lambda _=False, d=doc.id: self.controller.decline_stored(d))
        buttons.addWidget(use)
        buttons.addWidget(anew)
        col.addLayout(buttons)
        row.addLayout(col, 1)
        self.docs.addLayout(row)

    def _render_reused(self, doc: Any, material: Any, idle: bool) -> None:
        lang = self.lang
        row = QHBoxLayout()
        if material.preview:
            thumb = QLabel()
            thumb.setPixmap(_thumb(material.preview))
            row.addWidget(thumb)
        col = QVBoxLayout()
        col.addWidget(label(translate("scan.reused", lang,
                                      date=material.submitted_on.isoformat(),
                                      pages=material.pages), "prompt"))
        anew = touch_button(translate("scan.scan_anew", lang), f"scan anew {doc.id}", "")
        anew.setEnabled(idle)
        anew.clicked.connect(lambda _=False, d=doc.id: self.controller.decline_stored(d))
        col.addWidget(anew)
        row.addLayout(col, 1)
        self.docs.addLayout(row)

    def _render_pages(self, doc: Any, pages: list[Path], idle: bool) -> None:
        c, lang = self.controller, self.lang
        strip = QGridLayout()
        for i, path in enumerate(pages):
            pix = self._thumbs.get(path)
            if pix is None:
                pix = self._thumbs[path] = _thumb(c.page_data(doc.id, i))
            cell = QVBoxLayout()
            image = QLabel()
            image.setPixmap(pix)
            image.setAccessibleName(f"page {doc.id} {i + 1}")
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.addWidget(image)
            cell.addWidget(label(translate("scan.page", lang, n=i + 1), "muted"))
            tools = QHBoxLayout()
            for symbol, name, action in (
                    ("◀", "earlier", lambda _=False, d=doc.id, n=i: c.move_page(d, n, -1)),
                    ("▶", "later", lambda _=False, d=doc.id, n=i: c.move_page(d, n, 1)),
                    ("✕", "delete", lambda _=False, d=doc.id, n=i: c.delete_page(d, n))):
                b = touch_button(symbol, f"{name} page {doc.id} {i + 1}",
                                 "danger" if name == "delete" else "")
                # A symbol: narrow (the touch minimum stays), two pages a row in large text.
                b.setStyleSheet("padding: 4px 0px;")
                b.setMaximumWidth(72)
                b.setEnabled(idle and (name == "delete" or 0 <= i + (1 if name == "later"
                                                                      else -1) < len(pages)))
                b.clicked.connect(action)
                tools.addWidget(b)
            cell.addLayout(tools)
            strip.addLayout(cell, i // 2, i % 2)
        self.docs.addLayout(strip)

"""The service menu: a page of icon tiles, topic tabs above it, and search.

Every service of the catalog is a tile (icon, title, fee) on one page; the tabs (one
per topic, and "all") narrow the page to a topic, and the search box to what matches.
The tiles are built once per catalog and language: a new session, a shown menu or a
changed availability only updates the tiles' texts and visibility (``builds`` counts
the builds). Columns follow the width and the text size (elder mode reflows to fewer,
taller tiles).
"""

from __future__ import annotations

import logging

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from backend_client.service_definition import Catalog, ServiceDefinition
from kiosk.i18n import translate
from kiosk.ui.icons import service_icon_name, topic_icon_name
from kiosk.ui.keyboard import OnScreenKeyboard
from kiosk.ui.screens.result import ResultScreen, outcome_lines
from kiosk.ui.screens.step_base import yuan
from kiosk.ui.theme import sizes
from kiosk.ui.tiles import ServiceTile, TopicTab, place_in_grid
from kiosk.ui.widgets import Screen, kinetic, label, name_widgets, set_id, touch_button
from kiosk_base.masking import mask_name

log = logging.getLogger(__name__)

ALL = "all"

__all__ = ["MenuScreen", "ResultScreen", "outcome_lines"]


class MenuScreen(Screen):
    screen_id = "menu"
    service_chosen = pyqtSignal(str)
    finish_clicked = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.catalog: Catalog | None = None
        self.unavailable: dict[str, str] = {}
        self.greeting_name = ""
        #: The citizen card's purse balance (fen) shown under the greeting; None: none.
        self.purse_balance_fen: int | None = None
        self.loading_error = ""
        self.topic = ALL
        self.large = False
        self.builds = 0
        self._built_for: tuple[object, str, bool] | None = None
        self.tiles: dict[str, ServiceTile] = {}
        self.tabs: dict[str, TopicTab] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 20, 48, 16)
        outer.setSpacing(12)
        top = QHBoxLayout()
        self.title = label(role="title", wrap=False)
        self.greeting = label(role="prompt")
        set_id(self.greeting, "greeting")
        self.greeting.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.finish = touch_button("", "finish", "danger")
        self.finish.clicked.connect(self.finish_clicked)
        top.addWidget(self.title)
        top.addWidget(self.greeting, 1)
        top.addWidget(self.finish)
        outer.addLayout(top)
        search_row = QHBoxLayout()
        self.search = QLineEdit()
        set_id(self.search, "search services")
        self.search.textChanged.connect(lambda _t: self._search_changed())
        self.kb = touch_button("⌨", "keyboard", "")
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.kb)
        outer.addLayout(search_row)
        self.tab_area = QScrollArea()
        self.tab_area.setWidgetResizable(True)
        self.tab_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        tab_holder = QWidget()
        self.tab_row = QHBoxLayout(tab_holder)
        self.tab_row.setContentsMargins(0, 0, 0, 0)
        self.tab_row.setSpacing(8)
        self.tab_area.setWidget(tab_holder)
        kinetic(self.tab_area)
        outer.addWidget(self.tab_area)
        self.tiles_area = QScrollArea()
        self.tiles_area.setWidgetResizable(True)
        holder = self.tiles_holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 8, 0)
        self.message = label(role="prompt")
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        column.addWidget(self.message)
        column.addLayout(self.grid)
        column.addStretch(1)
        self.tiles_area.setWidget(holder)
        kinetic(self.tiles_area)
        outer.addWidget(self.tiles_area, 1)
        self.keyboard = OnScreenKeyboard()
        self.keyboard.setVisible(False)
        self.keyboard.closed.connect(lambda: self._show_keyboard(False))
        self.kb.clicked.connect(lambda: self._show_keyboard(not self.keyboard.isVisible()))
        outer.addWidget(self.keyboard)
        self._columns = 0

    # -- data -------------------------------------------------------------------------

    def set_catalog(self, catalog: Catalog | None, error_key: str = "") -> None:
        self.catalog = catalog
        self.loading_error = error_key
        self._render()

    def set_unavailable(self, reasons: dict[str, str]) -> None:
        if reasons != self.unavailable:
            self.unavailable = reasons
            self._update_texts()

    def set_large_text(self, large: bool) -> None:
        """The text size changed: tiles get their icon size and the columns reflow."""
        if large != self.large:
            self.large = large
            if self._built_for is not None:
                self._render()

    def on_show(self) -> None:
        self.search.clear()
        self._show_keyboard(False)
        self._select(ALL)

    def _show_keyboard(self, shown: bool) -> None:
        # The title and the tabs make room for the keyboard (a search covers every topic
        # anyway; the keyboard's ✓ closes it again).
        self.keyboard.setVisible(shown)
        for widget in (self.title, self.greeting, self.finish):
            widget.setVisible(not shown)
        self.tab_area.setVisible(not shown and self.catalog is not None)

    # -- building and filtering ---------------------------------------------------------

    def _render(self) -> None:
        """Build the tiles when the catalog, the language or the text size changed."""
        key = (self.catalog, self.lang, self.large)
        if key != self._built_for:
            self._build()
            self._built_for = key
        self._update_texts()
        self._filter()

    def _build(self) -> None:
        for widget in [*self.tiles.values(), *self.tabs.values()]:
            widget.setParent(None)
            widget.deleteLater()
        self.tiles.clear()
        self.tabs.clear()
        while self.tab_row.count():
            self.tab_row.takeAt(0)
        self._columns = 0
        if self.catalog is None:
            return
        self.builds += 1
        z = sizes(self.large)
        tab_px = 40 if self.large else 36
        topics = [(ALL, translate("menu.all", self.lang), "topic-all")]
        used = {s.topic for s in self.catalog.services}
        topics += [(t.id, t.title.get(self.lang), topic_icon_name(t.id))
                   for t in self.catalog.topics if t.id in used]
        width = z.small * 7  # until _fit_tabs measures the names
        for topic_id, title, icon in topics:
            tab = TopicTab(topic_id, icon, tab_px)
            tab.setParent(self.tab_area.widget())
            tab.set_name(title)
            tab.fixed_width = width
            tab.setFixedWidth(width)
            tab.clicked.connect(lambda _=False, t=topic_id: self._select(t))
            self.tabs[topic_id] = tab
            self.tab_row.addWidget(tab)
        self.tab_row.addStretch(1)
        for service in self.catalog.services:
            tile = ServiceTile(service.id, service_icon_name(service.id), z.tile_icon)
            tile.setParent(self.tiles_holder)  # never a window of its own
            tile.clicked.connect(lambda _=False, sid=service.id: self.service_chosen.emit(sid))
            self.tiles[service.id] = tile
        log.info("menu: built %d tiles (%s)", len(self.tiles), self.lang)

    def _update_texts(self) -> None:
        if self.catalog is None:
            return
        lang = self.lang
        for service in self.catalog.services:
            tile = self.tiles.get(service.id)
            if tile is None:
                continue
            fee = translate("menu.fee", lang, amount=yuan(service.fee_fen)) \
                if service.fee_fen else translate("menu.free", lang)
            reason = self.unavailable.get(service.id)
            warning = ("✖ " + translate("menu.unavailable", lang) + "："
                       + translate(reason, lang)) if reason else ""
            tile.set_texts(service.title.get(lang),
                           f"{service.description.get(lang)}\n{fee}", warning)
        name_widgets(self, lang)

    def _matches(self, service: ServiceDefinition, query: str) -> bool:
        if not query:
            return self.topic in (ALL, service.topic)
        q = query.lower()
        texts = (service.title.zh, service.title.en, service.description.zh,
                 service.description.en, service.id)
        return any(q in t.lower() for t in texts)

    def _search_changed(self) -> None:
        if self.search.text().strip() and self.topic != ALL:
            self.topic = ALL
        self._filter()

    def _select(self, topic: str) -> None:
        self.topic = topic if topic in self.tabs else ALL
        if topic != ALL and self.search.text():
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
        self._filter()

    def _column_count(self) -> int:
        z = sizes(self.large)
        tile_min = z.body * (13 if self.large else 12)
        viewport = self.tiles_area.viewport()
        available = max(1, viewport.width() if viewport is not None else 1)
        return max(1, min(5, available // tile_min))

    def _fit_tabs(self) -> None:
        """The strip scrolls sideways only: it is as tall as its tallest tab (measured in
        the theme's fonts, so after the style sheet has polished the tabs)."""
        if not self.tabs:
            return
        for tab in self.tabs.values():
            tab.ensurePolished()
        # All tabs one width: room for the widest word of any name (in the theme's font).
        margins = 24
        width = max(max(t.name.minimumSizeHint().width() for t in self.tabs.values())
                    + margins, sizes(self.large).small * 6)
        for tab in self.tabs.values():
            tab.fixed_width = width
            if tab.minimumWidth() != width:  # the style sheet's min-width would squeeze it
                tab.setFixedWidth(width)
        tall = max(tab.heightForWidth(tab.fixed_width) for tab in self.tabs.values())
        for tab in self.tabs.values():
            if tab.minimumHeight() != tall:
                tab.setFixedHeight(tall)
        self.tab_area.setFixedHeight(tall + 4)

    def _filter(self) -> None:
        for topic_id, tab in self.tabs.items():
            tab.set_selected(topic_id == self.topic)
        self._fit_tabs()
        if self.catalog is None:
            self.message.setText(translate(self.loading_error or "menu.loading", self.lang))
            self.message.setVisible(True)
            self.tab_area.setVisible(False)
            return
        self.tab_area.setVisible(not self.keyboard.isVisible())
        query = self.search.text().strip()
        shown = [self.tiles[s.id] for s in self.catalog.services
                 if s.id in self.tiles and self._matches(s, query)]
        for tile in self.tiles.values():
            tile.setVisible(tile in shown)
        self._columns = self._column_count()
        place_in_grid(self.grid, list(shown), self._columns)
        self.message.setText("" if shown else translate("menu.no_match", self.lang))
        self.message.setVisible(not shown)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        QTimer.singleShot(0, self._reflow)

    def _reflow(self) -> None:
        if self.tiles and self._column_count() != self._columns:
            self._filter()

    def retranslate(self, lang: str) -> None:
        super().retranslate(lang)
        self.title.setText(translate("menu.title", lang))
        # The name is masked: the next person in the queue can see the screen.
        self._greet()
        self.search.setPlaceholderText(translate("menu.search", lang))
        self.finish.setText(translate("menu.finish", lang))
        self._render()

    def set_greeting(self, name: str, purse_balance_fen: int | None) -> None:
        if (name, purse_balance_fen) != (self.greeting_name, self.purse_balance_fen):
            self.greeting_name, self.purse_balance_fen = name, purse_balance_fen
            self._greet()

    def _greet(self) -> None:
        lang = self.lang
        # The name is masked: the next person in the queue can see the screen.
        lines = [translate("menu.greeting", lang, name=mask_name(self.greeting_name))] \
            if self.greeting_name else []
        if self.purse_balance_fen is not None:
            lines.append(translate("purse.balance", lang, amount=yuan(self.purse_balance_fen)))
        self.greeting.setText("\n".join(lines))

    def prompt_text(self) -> str:
        return translate("menu.title", self.lang)

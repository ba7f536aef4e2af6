"""The kiosk window: a stack of screens, the idle countdown banner, the status bar.

It knows how to show screens, switch language and theme, and read prompts aloud; the
session logic that decides which screen to show lives in kiosk/ui/controller.py.
"""

from __future__ import annotations

import logging

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.flow.clock import local_now
from kiosk.i18n import translate
from kiosk.ui import icons
from kiosk.ui.help_panel import HelpPanel, LongPress
from kiosk.ui.qtnames import set_keys
from kiosk.ui.speech import ReadAloud
from kiosk.ui.theme import palette, style_sheet
from kiosk.ui.widgets import (
    Screen,
    StatusBar,
    kinetic,
    kinetic_everywhere,
    label,
    name_widgets,
    set_id,
    touch_button,
)

log = logging.getLogger(__name__)


class IdleBanner(QFrame):
    """The last seconds before an idle session ends: a countdown and "need more time?"."""

    more_time = pyqtSignal()
    end_now = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 12, 24, 12)
        self.text = label(role="prompt")
        set_id(self.text, "idle countdown")
        self.more = touch_button("", "need more time", "primary")
        self.end = touch_button("", "end session", "danger")
        self.more.clicked.connect(self.more_time)
        self.end.clicked.connect(self.end_now)
        row.addWidget(self.text, 1)
        row.addWidget(self.end)
        row.addWidget(self.more)
        self.lang = "zh"
        self.seconds = 0

    def show_countdown(self, seconds: int, lang: str) -> None:
        self.seconds, self.lang = seconds, lang
        self.text.setText(translate("idle.countdown", lang, seconds=seconds))
        self.more.setText(translate("idle.more_time", lang))
        self.end.setText(translate("idle.end", lang))
        self.setVisible(True)


class NoticeBanner(QFrame):
    """A message for whoever stands at the kiosk that no screen owns (money returned to
    the card): shown over any screen for a while, in the current language."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("card")
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 12, 24, 12)
        self.text = label(role="prompt")
        set_id(self.text, "notice")
        row.addWidget(self.text, 1)
        self.key = ""
        self.params: dict[str, str] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.setVisible(False))

    def show_notice(self, key: str, lang: str, seconds: int, **params: str) -> str:
        self.key, self.params = key, params
        self.retranslate(lang)
        self.setVisible(True)
        self._timer.start(seconds * 1000)
        return self.text.text()

    def retranslate(self, lang: str) -> None:
        if self.key:
            self.text.setText(translate(self.key, lang, **self.params))


class ScreenFrame(QScrollArea):
    """Holds one screen in the window's stack. The screens are laid out to fit the
    screen (the layout check, kiosk_sim.layout_check, fails a screen that does not);
    should one still need more room than the screen has (a long text, a backend's
    list), it scrolls here instead of growing the window past the screen."""

    def __init__(self, screen: Screen, parent: QWidget) -> None:
        super().__init__(parent)  # never a window of its own, not even for a moment
        self.page = screen
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Finger scrolling (kinetic) is added by KioskWindow, after the first frame.
        set_keys(self, "horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.setWidget(screen)
        self.setObjectName("screenframe")
        screen.installEventFilter(self)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if obj is self.page and event is not None \
                and event.type() == QEvent.Type.LayoutRequest:
            self._fit()
        return False

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()

    def _fit(self) -> None:
        """The screen gets the whole view, and more height only if its minimum needs it
        (not its preferred height, as a resizable QScrollArea would give it)."""
        viewport = self.viewport()
        if viewport is None:
            return
        need = self.page.minimumSizeHint().height()
        self.page.resize(viewport.width(), max(viewport.height(), need))


class KioskWindow(QMainWindow):
    language_changed = pyqtSignal(str)
    user_activity = pyqtSignal()
    #: A long press on the status bar's help button: staff want the PIN screen.
    staff_requested = pyqtSignal()

    def __init__(self, terminal_id: str, lang: str, *, large_text: bool = False,
                 high_contrast: bool = False, read_aloud: bool = False,
                 speech_engine: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("政务服务自助终端 Government Self-Service Kiosk")
        self.lang = lang
        self.large_text = large_text
        self.high_contrast = high_contrast
        self.read_aloud = read_aloud
        self.terminal_id = terminal_id
        self.unavailable_titles: list[str] = []
        self.screens: dict[str, Screen] = {}
        self.frames: dict[str, ScreenFrame] = {}
        self._first_frame_shown = False
        self.stack = QStackedWidget()
        self.idle_banner = IdleBanner()
        self.idle_banner.setVisible(False)
        self.notice = NoticeBanner()
        self.notice.setVisible(False)
        self.status_bar = StatusBar()
        root = QWidget()
        column = QVBoxLayout(root)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.stack, 1)
        # The status bar's help button: help, call staff. A sheet over the bottom of the
        # screen (not in the layout: the screen under it keeps its room and its layout).
        self.help_panel = HelpPanel()
        self.help_panel.setParent(root)
        self.help_panel.installEventFilter(self)
        self.stack.installEventFilter(self)
        column.addWidget(self.idle_banner)
        column.addWidget(self.notice)
        column.addWidget(self.status_bar)
        self.setCentralWidget(root)
        self.status_bar.language_clicked.connect(self.toggle_language)
        self.status_bar.large_text_clicked.connect(self.toggle_large_text)
        self.status_bar.contrast_clicked.connect(self.toggle_contrast)
        self.status_bar.read_aloud_clicked.connect(self.toggle_read_aloud)
        # A tap on help explains the screen; a long press opens the staff PIN screen.
        self._staff_press = LongPress(self.status_bar.help)
        self._staff_press.long_pressed.connect(self.staff_requested)
        self.help_panel.read_clicked.connect(self._read_help)  # a method: no ref cycle
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick)
        self._clock.start(1000)
        # The engine is connected on first use: a kiosk with read-aloud off never talks to
        # speech-dispatcher, and start-up does not wait for it.
        self._speech_engine = speech_engine
        self._speech: ReadAloud | None = None
        self._speech_tried = False
        self.spoken: list[str] = []
        self.apply_theme()

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if obj is self.help_panel and event is not None and event.type() in (
                QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self._place_help()
        if obj is self.stack and event is not None and event.type() is QEvent.Type.Resize \
                and self.help_panel.isVisible():
            self._place_help()
        return False

    def _place_help(self) -> None:
        """The help sheet: the stack's width, its own height, on the stack's bottom."""
        panel, area = self.help_panel, self.stack.geometry()
        layout = panel.layout()
        height = layout.totalHeightForWidth(area.width()) if layout is not None \
            and layout.hasHeightForWidth() else panel.sizeHint().height()
        height = min(max(height, panel.minimumSizeHint().height()), area.height())
        panel.setGeometry(area.x(), area.bottom() + 1 - height, area.width(), height)
        panel.raise_()

    # -- screens --------------------------------------------------------------------

    def add_screen(self, screen: Screen) -> None:
        self.screens[screen.screen_id] = screen
        frame = ScreenFrame(screen, self.stack)
        if self._first_frame_shown:
            kinetic(frame)
        self.frames[screen.screen_id] = frame
        self.stack.addWidget(frame)
        screen.set_large_text(self.large_text)
        screen.retranslate(self.lang)

    def first_frame_shown(self) -> None:
        """Finger scrolling for the frames made before the first frame, and from now on
        for each frame as it is made. (QScroller's grab returns a Qt namespace enum,
        which the first frame does without: kiosk.ui.qtnames.)"""
        self._first_frame_shown = True
        for frame in self.frames.values():
            kinetic(frame)

    def current_screen(self) -> Screen:
        widget = self.stack.currentWidget()
        if isinstance(widget, ScreenFrame):
            return widget.page
        assert isinstance(widget, Screen)
        return widget

    def current_screen_id(self) -> str:
        return self.current_screen().screen_id

    def show_screen(self, screen_id: str) -> None:
        screen = self.screens[screen_id]
        frame = self.frames[screen_id]
        if self.stack.currentWidget() is not frame:
            log.info("screen -> %s", screen_id)
            if self.help_panel.isVisible():  # its text was about the last screen
                self.help_panel.hide_help()
        self.stack.setCurrentWidget(frame)
        screen.retranslate(self.lang)
        screen.on_show()
        kinetic_everywhere(screen)
        name_widgets(screen, self.lang)
        self.speak(screen.prompt_text())

    # -- language, theme, speech ------------------------------------------------------

    def toggle_language(self) -> None:
        self.set_language("en" if self.lang == "zh" else "zh")
        self.user_activity.emit()

    def set_language(self, lang: str) -> None:
        self.lang = lang
        for screen in self.screens.values():
            screen.retranslate(lang)
            name_widgets(screen, lang)
        if self.idle_banner.isVisible():
            self.idle_banner.show_countdown(self.idle_banner.seconds, lang)
        self.notice.retranslate(lang)
        if self.help_panel.isVisible():
            self.help_panel.retranslate(lang)
        self._retranslate_bar()
        self.language_changed.emit(lang)
        self.speak(self.current_screen().prompt_text() if self.stack.count() else "")

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self.apply_theme()
        self.user_activity.emit()

    def toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self.apply_theme()
        self.user_activity.emit()

    def toggle_read_aloud(self) -> None:
        self.read_aloud = not self.read_aloud
        self._retranslate_bar()
        if self.read_aloud and self.stack.count():
            self.speak(self.current_screen().prompt_text())
        self.user_activity.emit()

    def apply_theme(self) -> None:
        p = palette(self.high_contrast)
        icons.set_colors(p.text, p.primary)
        self.setStyleSheet(style_sheet(self.high_contrast, self.large_text))
        for picture in self.findChildren(icons.Picture):
            picture.recolor()
        for screen in self.screens.values():
            screen.set_large_text(self.large_text)
        self._retranslate_bar()

    def show_help(self) -> None:
        """The help button: what this screen asks, read aloud when read-aloud is on."""
        self.help_panel.show_for(self.current_screen_id(), self.lang)
        self.speak(self.help_panel.help_text())
        self.user_activity.emit()

    def _read_help(self) -> None:
        self.speak(self.help_panel.help_text(), always=True)

    def show_notice(self, key: str, *, seconds: int = 30, **params: str) -> None:
        """A notice over any screen (see NoticeBanner), said aloud whatever read-aloud is
        set to: it is about the resident's money."""
        self.speak(self.notice.show_notice(key, self.lang, seconds, **params), always=True)

    def speak(self, text: str, *, always: bool = False) -> None:
        """Say ``text`` when read-aloud is on (``always``: the resident asked for it)."""
        if not ((self.read_aloud or always) and text):
            return
        self.spoken.append(text)
        if not self._speech_tried:
            self._speech_tried = True
            self._speech = ReadAloud.create(self._speech_engine)
        if self._speech is not None:
            self._speech.say(text, self.lang)

    def _retranslate_bar(self) -> None:
        bar, lang = self.status_bar, self.lang
        bar.language.setText(translate("bar.language", lang))
        on, off = translate("bar.on", lang), translate("bar.off", lang)
        bar.large_text.setText(translate("bar.large_text", lang) + (on if self.large_text else off))
        bar.contrast.setText(translate("bar.contrast", lang) + (on if self.high_contrast else off))
        bar.read_aloud.setText(translate("bar.read_aloud", lang)
                               + (on if self.read_aloud else off))
        bar.help.setText("？ " + translate("bar.help", lang))
        bar.terminal.setText(translate("bar.terminal", lang, terminal=self.terminal_id))
        # Large text: the terminal id (for technicians; the staff screen has it) makes room.
        bar.terminal.setVisible(not self.large_text)
        if self.unavailable_titles:
            services = "、".join(self.unavailable_titles)
            bar.unavailable.setText("⚠ " + translate("bar.unavailable", lang, services=services))
        else:
            bar.unavailable.setText("")
        self._tick()
        name_widgets(bar, lang)
        name_widgets(self.idle_banner, lang)
        bar.reflow(bar.width() or self.width())

    def set_unavailable(self, titles: list[str]) -> None:
        self.unavailable_titles = titles
        self._retranslate_bar()

    def _tick(self) -> None:
        self.status_bar.clock.setText(f"{local_now():%Y-%m-%d %H:%M}")

    # -- input ----------------------------------------------------------------------

    def mousePressEvent(self, event: object) -> None:
        self.user_activity.emit()
        super().mousePressEvent(event)  # type: ignore[arg-type]

    def keyPressEvent(self, event: object) -> None:
        self.user_activity.emit()
        super().keyPressEvent(event)  # type: ignore[arg-type]


__all__ = ["KioskWindow", "Qt"]

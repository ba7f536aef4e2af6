"""The on-screen keyboard for forms and search: a full layout with pinyin input, and a
numeric keypad for number, phone and ID-number fields.

The PyQt6 wheels carry no Qt Virtual Keyboard, so this is an in-app widget. It types into
whichever QLineEdit has focus and follows the focus: a field whose ``keypad`` property is
``number``, ``phone`` or ``id_number`` gets the keypad (with X for an ID number), any
other field the full layout. The keyboard sits below the content in the screen's layout,
and scrolls the focused field into view whenever it appears or the focus moves, so it
never covers the field being edited.

Chinese: switch to 拼音, type a spelling (a whole phrase is fine: "zhengming" gives 证明),
page through the candidates and pick; picking part of a phrase (王晓 for "wangxiaoming")
leaves the rest of the spelling open for the next pick.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.pinyin import PinyinEngine, make_engine
from kiosk.ui.widgets import touch_button

ROWS_LATIN = ["1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm.@,"]
KEYPAD_ROWS = ["123", "456", "789"]
KEYPAD_FIELDS = frozenset({"number", "phone", "id_number"})
PAGE_SIZE = 8

_engine: PinyinEngine | None = None


def pinyin_engine() -> PinyinEngine:
    """One engine for the process (the library has one global decoder)."""
    global _engine
    if _engine is None:
        _engine = make_engine()
    return _engine


def _key(text: str, name: str, kind: str = "key") -> QPushButton:
    key = touch_button(text, name, kind)
    key.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus
    return key


class OnScreenKeyboard(QWidget):
    """Emits ``closed`` when the user taps Done."""

    closed = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self._pinyin_mode = False
        self._spelling = ""
        self._count = 0
        self._page = 0
        self._keypad_kind = ""
        self._last_field: QLineEdit | None = None
        self.setAccessibleName("on-screen keyboard")
        outer = QVBoxLayout(self)
        outer.setSpacing(6)
        self._candidate_row = QHBoxLayout()
        outer.addLayout(self._candidate_row)
        self._layouts = QStackedWidget()
        self._layouts.addWidget(self._build_full())
        self._layouts.addWidget(self._build_keypad())
        outer.addWidget(self._layouts)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    # -- layouts --------------------------------------------------------------------

    def _build_full(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setSpacing(6)
        for r, row in enumerate(ROWS_LATIN):
            for c, ch in enumerate(row):
                key = _key(ch, f"key {ch}")
                key.clicked.connect(lambda _=False, ch=ch: self._type(ch))
                grid.addWidget(key, r, c)
        column.addLayout(grid)
        bottom = QHBoxLayout()
        self.mode = _key("拼音", "key pinyin")
        self.mode.clicked.connect(self._toggle_mode)
        space = _key("␣", "key space")
        space.clicked.connect(self._space)
        back = _key("⌫", "key backspace")
        back.clicked.connect(self._backspace)
        done = _key("✓", "key done", "primary")
        done.clicked.connect(self._done)
        bottom.addWidget(self.mode)
        bottom.addWidget(space, 3)
        bottom.addWidget(back)
        bottom.addWidget(done)
        column.addLayout(bottom)
        return page

    def _build_keypad(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        for r, row in enumerate(KEYPAD_ROWS):
            for c, ch in enumerate(row):
                key = _key(ch, f"keypad {ch}")
                key.clicked.connect(lambda _=False, ch=ch: self._insert(ch))
                grid.addWidget(key, r, c)
        self.keypad_x = _key("X", "keypad X")
        self.keypad_x.clicked.connect(lambda: self._insert("X"))
        zero = _key("0", "keypad 0")
        zero.clicked.connect(lambda: self._insert("0"))
        back = _key("⌫", "keypad backspace")
        back.clicked.connect(self._backspace)
        done = _key("✓", "keypad done", "primary")
        done.clicked.connect(self._done)
        grid.addWidget(self.keypad_x, 3, 0)
        grid.addWidget(zero, 3, 1)
        grid.addWidget(back, 3, 2)
        grid.addWidget(done, 0, 3, 4, 1)
        return page

    def layout_kind(self) -> str:
        """"keypad" or "full": what is shown now."""
        return "keypad" if self._layouts.currentIndex() == 1 else "full"

    # -- focus ----------------------------------------------------------------------

    def _target(self) -> QLineEdit | None:
        """The field being edited: the focused one, else the last one focused on this
        screen, else the screen's first text field (a search box, say)."""
        focus = QApplication.focusWidget()
        if isinstance(focus, QLineEdit) and focus.isVisible():
            return focus
        last = self._last_field
        if last is not None and last.isVisible():
            return last
        screen = self.parentWidget()
        if screen is not None:
            for edit in screen.findChildren(QLineEdit):
                if edit.isVisible() and edit.isEnabled() and not edit.isReadOnly():
                    return edit
        return None

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        screen = self.parentWidget()
        if isinstance(new, QLineEdit) and screen is not None and screen.isAncestorOf(new):
            self._last_field = new
            self._follow(new)

    def _follow(self, field: QLineEdit) -> None:
        kind = str(field.property("keypad") or "")
        self._keypad_kind = kind if kind in KEYPAD_FIELDS else ""
        self._cancel_composition()
        self._layouts.setCurrentIndex(1 if self._keypad_kind else 0)
        for i in range(self._layouts.count()):  # the hidden layout takes no room
            page = self._layouts.widget(i)
            if page is not None:
                policy = QSizePolicy.Policy.Preferred if i == self._layouts.currentIndex() \
                    else QSizePolicy.Policy.Ignored
                page.setSizePolicy(policy, policy)
        self.keypad_x.setVisible(self._keypad_kind == "id_number")
        if self.isVisible():
            self._reveal(field)

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        target = self._target()
        if target is not None:
            self._follow(target)

    def _reveal(self, field: QLineEdit) -> None:
        """Scroll the field into view once the layout has made room for the keyboard."""
        def scroll() -> None:
            parent = field.parentWidget()
            while parent is not None and not isinstance(parent, QScrollArea):
                parent = parent.parentWidget()
            if isinstance(parent, QScrollArea):
                parent.ensureWidgetVisible(field, 10, 10)
        QTimer.singleShot(0, scroll)

    # -- typing ---------------------------------------------------------------------

    def _insert(self, text: str) -> None:
        target = self._target()
        if target is not None:
            target.insert(text)
            target.textEdited.emit(target.text())

    def _type(self, ch: str) -> None:
        if self._pinyin_mode and ch.isalpha():
            self._spelling += ch
            self._search()
            return
        self._commit_best()
        self._insert(ch)

    def _space(self) -> None:
        if self._pinyin_mode and self._spelling:
            self._pick(0)  # space takes the first candidate, as on a phone
            return
        self._insert(" ")

    def _backspace(self) -> None:
        if self._pinyin_mode and self._spelling:
            self._spelling = self._spelling[:-1]
            self._search()
            return
        target = self._target()
        if target is not None:
            target.backspace()
            target.textEdited.emit(target.text())

    def _done(self) -> None:
        self._commit_best()
        self.closed.emit()

    def _toggle_mode(self) -> None:
        self._commit_best()
        self._pinyin_mode = not self._pinyin_mode
        self.mode.setText("ABC" if self._pinyin_mode else "拼音")

    # -- pinyin ---------------------------------------------------------------------

    def _search(self) -> None:
        self._count = pinyin_engine().search(self._spelling) if self._spelling else 0
        self._page = 0
        self._show_candidates()

    def candidates(self) -> list[str]:
        """The candidates on the page shown now."""
        engine = pinyin_engine()
        first = self._page * PAGE_SIZE
        return [engine.candidate(i) for i in range(first, min(first + PAGE_SIZE, self._count))]

    def _pick(self, index_on_page: int) -> None:
        engine = pinyin_engine()
        finished = engine.choose(self._page * PAGE_SIZE + index_on_page)
        if finished is None:  # part of the phrase chosen; the rest stays open
            self._count = engine.count()
            self._page = 0
            self._show_candidates()
            return
        self._insert(finished)
        self._spelling, self._count = "", 0
        self._show_candidates()

    def _commit_best(self) -> None:
        """Leaving an open composition keeps what was chosen, or else the letters typed."""
        if self._spelling:
            self._insert(pinyin_engine().composed() or self._spelling)
        self._cancel_composition()

    def _cancel_composition(self) -> None:
        if self._spelling:
            pinyin_engine().reset()
        self._spelling, self._count, self._page = "", 0, 0
        self._show_candidates()

    def _turn(self, step: int) -> None:
        pages = max(1, -(-self._count // PAGE_SIZE))
        self._page = min(max(0, self._page + step), pages - 1)
        self._show_candidates()

    def _show_candidates(self) -> None:
        while self._candidate_row.count():
            item = self._candidate_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not self._pinyin_mode or not self._spelling:
            return
        typed = QLabel(pinyin_engine().composed() + " " + self._spelling)
        typed.setAccessibleName("pinyin typed")
        self._candidate_row.addWidget(typed)
        if self._page > 0:
            back = _key("◀", "candidates previous")
            back.clicked.connect(lambda: self._turn(-1))
            self._candidate_row.addWidget(back)
        for i, text in enumerate(self.candidates()):
            b = _key(text, f"candidate {text}")
            b.clicked.connect(lambda _=False, i=i: self._pick(i))
            self._candidate_row.addWidget(b)
        if (self._page + 1) * PAGE_SIZE < self._count:
            more = _key("▶", "candidates next")
            more.clicked.connect(lambda: self._turn(1))
            self._candidate_row.addWidget(more)
        self._candidate_row.addStretch(1)

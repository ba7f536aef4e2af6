"""An on-screen keyboard for forms: digits, Latin letters, and pinyin for common words.

The PyQt6 wheels carry no Qt Virtual Keyboard, so this is an in-app widget. It types
into whichever QLineEdit has focus. Chinese input: type pinyin, pick a candidate. The
built-in table covers the words forms here need most (place and street words, common
surnames); an address can always be typed in pinyin as a fallback.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import QApplication, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.ui.widgets import touch_button

PINYIN: dict[str, str] = {
    "bei": "北备被贝", "jing": "京经精静井", "shang": "上商尚", "hai": "海还", "shi": "市是十时事",
    "qu": "区去取", "lu": "路录陆", "jie": "街接结", "hao": "号好", "dao": "道到",
    "xian": "县先现", "zhen": "镇真", "cun": "村存", "sheng": "省生", "dong": "东动",
    "xi": "西喜", "nan": "南难", "zhong": "中钟", "guang": "广光", "zhou": "州周",
    "shen": "深申", "zhen2": "圳", "men": "门们", "lou": "楼", "dan": "单",
    "yuan": "元园院", "xiao": "小", "ren": "人", "min": "民", "zhang": "张章",
    "wang": "王", "li": "李里", "liu": "刘", "chen": "陈", "yang": "杨阳", "zhao": "赵",
    "huang": "黄", "wu": "吴五", "zhou2": "周", "xu": "徐许", "sun": "孙", "ma": "马",
    "zhu": "朱", "hu": "胡", "lin": "林", "he": "何和", "gao": "高", "luo": "罗",
    "wei": "伟卫", "fang": "芳方房", "na": "娜", "ming": "明", "hua": "华", "jun": "军",
    "ping": "平", "qiang": "强", "lei": "磊", "yong": "勇", "yan": "燕艳", "xiu": "秀",
    "ying": "英", "mei": "梅美", "lan": "兰", "xia": "霞", "kang": "康", "an": "安",
}

ROWS_LATIN = ["1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm.@,"]


class OnScreenKeyboard(QWidget):
    """Emits ``closed`` when the user taps Done."""

    closed = pyqtSignal()

    def __init__(self) -> None:
        super().__init__()
        self._pinyin_mode = False
        self._pinyin = ""
        self.setAccessibleName("on-screen keyboard")
        outer = QVBoxLayout(self)
        outer.setSpacing(6)
        self._candidates = QHBoxLayout()
        outer.addLayout(self._candidates)
        grid = QGridLayout()
        grid.setSpacing(6)
        for r, row in enumerate(ROWS_LATIN):
            for c, ch in enumerate(row):
                key = touch_button(ch, f"key {ch}", "key")
                key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                key.clicked.connect(lambda _=False, ch=ch: self._type(ch))
                grid.addWidget(key, r, c)
        outer.addLayout(grid)
        bottom = QHBoxLayout()
        self.mode = touch_button("拼音", "key pinyin", "key")
        self.mode.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.mode.clicked.connect(self._toggle_mode)
        space = touch_button("␣", "key space", "key")
        space.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        space.clicked.connect(lambda: self._type(" "))
        back = touch_button("⌫", "key backspace", "key")
        back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        back.clicked.connect(self._backspace)
        done = touch_button("✓", "key done", "primary")
        done.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        done.clicked.connect(self.closed)
        bottom.addWidget(self.mode)
        bottom.addWidget(space, 3)
        bottom.addWidget(back)
        bottom.addWidget(done)
        outer.addLayout(bottom)

    def _target(self) -> QLineEdit | None:
        focus = QApplication.focusWidget()
        return focus if isinstance(focus, QLineEdit) else None

    def _toggle_mode(self) -> None:
        self._pinyin_mode = not self._pinyin_mode
        self._pinyin = ""
        self.mode.setText("ABC" if self._pinyin_mode else "拼音")
        self._show_candidates()

    def _type(self, ch: str) -> None:
        if self._pinyin_mode and ch.isalpha():
            self._pinyin += ch
            self._show_candidates()
            return
        target = self._target()
        if target is not None:
            target.insert(ch)

    def _backspace(self) -> None:
        if self._pinyin_mode and self._pinyin:
            self._pinyin = self._pinyin[:-1]
            self._show_candidates()
            return
        target = self._target()
        if target is not None:
            target.backspace()

    def candidates(self) -> str:
        chars = "".join(v for k, v in PINYIN.items() if k.rstrip("2") == self._pinyin)
        if not chars and self._pinyin:
            chars = "".join(v for k, v in PINYIN.items() if k.startswith(self._pinyin))
        return "".join(dict.fromkeys(chars))[:10]

    def _show_candidates(self) -> None:
        while self._candidates.count():
            item = self._candidates.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        if not self._pinyin_mode or not self._pinyin:
            return
        typed = touch_button(self._pinyin, "pinyin typed", "key")
        typed.setEnabled(False)
        self._candidates.addWidget(typed)
        for ch in self.candidates():
            b = touch_button(ch, f"candidate {ch}", "key")
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(lambda _=False, ch=ch: self._pick(ch))
            self._candidates.addWidget(b)
        self._candidates.addStretch(1)

    def _pick(self, ch: str) -> None:
        target = self._target()
        if target is not None:
            target.insert(ch)
        self._pinyin = ""
        self._show_candidates()

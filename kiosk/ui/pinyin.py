"""Pinyin input: a spelling in, Chinese candidates out, phrases built by choosing.

The engine is Debian's libgooglepinyin0 (Apache-2.0, the Android pinyin IME's decoder and
its 1 MB system dictionary), reached through ctypes: its C API (pinyinime.h) takes an ASCII
spelling and answers candidates as UTF-16 strings, longest phrase first. No user dictionary
is opened, so nothing a resident types is learnt or kept on disk.

Without the library the keyboard falls back to a small built-in table of place words and
surnames (with a warning in the log), so a form can still be filled in.

No Qt here: the on-screen keyboard (kiosk/ui/keyboard.py) drives a :class:`PinyinEngine`.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

LIBRARY = "libgooglepinyin.so.0"
DICTIONARY_DIRS = (Path("/usr/lib/x86_64-linux-gnu/googlepinyin/data"),
                   Path("/usr/lib/aarch64-linux-gnu/googlepinyin/data"),
                   Path("/usr/lib/googlepinyin/data"))
MAX_SPELLING = 64
MAX_CANDIDATE = 32


class PinyinEngine(Protocol):
    """A composition in progress: the spelling typed so far and what it can become."""

    def search(self, spelling: str) -> int:
        """Start over with ``spelling``; the number of candidates."""

    def candidate(self, index: int) -> str:
        """Candidate ``index`` (0 is the best), for the part of the spelling still open."""

    def choose(self, index: int) -> str | None:
        """Take candidate ``index``: the finished text once the whole spelling is covered,
        else None (the candidates now cover the rest of the spelling)."""

    def count(self) -> int:
        """The number of candidates now."""

    def composed(self) -> str:
        """The characters fixed so far in this composition."""

    def reset(self) -> None:
        """Drop the composition."""


class GooglePinyin:
    """libgooglepinyin through ctypes. The library keeps one global decoder, so every
    call takes a process-wide lock."""

    _lock = threading.Lock()
    _lib: ctypes.CDLL | None = None

    def __init__(self, dictionary: Path | None = None) -> None:
        self._c = self._load(dictionary)
        self._spelling = ""
        self._fixed = ""
        self._count = 0

    @classmethod
    def _load(cls, dictionary: Path | None) -> ctypes.CDLL:
        with cls._lock:
            if cls._lib is not None:
                return cls._lib
            path = dictionary or next((d / "dict_pinyin.dat" for d in DICTIONARY_DIRS
                                       if (d / "dict_pinyin.dat").is_file()), None)
            if path is None:
                raise OSError("the googlepinyin dictionary (dict_pinyin.dat) is not installed")
            lib = ctypes.CDLL(LIBRARY)
            lib.im_open_decoder.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
            lib.im_open_decoder.restype = ctypes.c_bool
            lib.im_set_max_lens.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
            lib.im_set_max_lens.restype = None
            lib.im_reset_search.restype = None
            lib.im_search.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
            lib.im_search.restype = ctypes.c_size_t
            lib.im_get_candidate.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint16),
                                             ctypes.c_size_t]
            lib.im_get_candidate.restype = ctypes.c_void_p
            lib.im_choose.argtypes = [ctypes.c_size_t]
            lib.im_choose.restype = ctypes.c_size_t
            lib.im_get_fixed_len.restype = ctypes.c_size_t
            # An empty user dictionary path: nothing typed is learnt or written.
            if not lib.im_open_decoder(str(path).encode(), b""):
                raise OSError(f"googlepinyin could not open {path}")
            lib.im_set_max_lens(MAX_SPELLING, MAX_CANDIDATE)
            cls._lib = lib
            return lib

    def search(self, spelling: str) -> int:
        spelling = "".join(ch for ch in spelling.lower() if "a" <= ch <= "z" or ch == "'")
        self._spelling = spelling[:MAX_SPELLING]
        self._fixed = ""
        with self._lock:
            self._c.im_reset_search()
            self._count = int(self._c.im_search(self._spelling.encode("ascii"),
                                                len(self._spelling))) if self._spelling else 0
        return self._count

    def _raw_candidate(self, index: int) -> str:
        buf = (ctypes.c_uint16 * (MAX_CANDIDATE + 1))()
        if not self._c.im_get_candidate(index, buf, MAX_CANDIDATE + 1):
            return ""
        length = next((i for i, unit in enumerate(buf) if unit == 0), MAX_CANDIDATE)
        return bytes(buf)[:2 * length].decode("utf-16-le", errors="replace")

    def candidate(self, index: int) -> str:
        if not 0 <= index < self._count:
            raise IndexError(index)
        with self._lock:
            text = self._raw_candidate(index)
        # After a partial choice, candidate 0 is the whole sentence so far; show only the
        # part for the open spelling (the fixed part is shown as composed text).
        if index == 0 and self._fixed and text.startswith(self._fixed):
            return text[len(self._fixed):]
        return text

    def choose(self, index: int) -> str | None:
        with self._lock:
            self._count = int(self._c.im_choose(index))
            fixed_len = int(self._c.im_get_fixed_len())
            whole = self._raw_candidate(0) if self._count else ""
        self._fixed = whole[:fixed_len]
        if self._count <= 1 and fixed_len >= len(whole):
            self.reset()
            return whole
        return None

    def count(self) -> int:
        return self._count

    def composed(self) -> str:
        return self._fixed

    def reset(self) -> None:
        with self._lock:
            self._c.im_reset_search()
        self._spelling, self._fixed, self._count = "", "", 0


#: The fallback table: place and street words and common surnames.
FALLBACK_TABLE: dict[str, str] = {
    "bei": "北备被贝", "jing": "京经精静井", "shang": "上商尚", "hai": "海还", "shi": "市是十时事",
    "qu": "区去取", "lu": "路录陆", "jie": "街接结", "hao": "号好", "dao": "道到",
    "xian": "县先现", "zhen": "镇真圳", "cun": "村存", "sheng": "省生", "dong": "东动",
    "xi": "西喜", "nan": "南难", "zhong": "中钟", "guang": "广光", "zhou": "州周",
    "shen": "深申", "men": "门们", "lou": "楼", "dan": "单", "zheng": "证正政郑",
    "ming": "明名", "yuan": "元园院", "xiao": "小", "ren": "人", "min": "民", "zhang": "张章",
    "wang": "王", "li": "李里", "liu": "刘", "chen": "陈", "yang": "杨阳", "zhao": "赵",
    "huang": "黄", "wu": "吴五", "xu": "徐许", "sun": "孙", "ma": "马",
    "zhu": "朱", "hu": "胡户", "lin": "林", "he": "何和", "gao": "高", "luo": "罗",
    "wei": "伟卫", "fang": "芳方房", "na": "娜", "hua": "华", "jun": "军",
    "ping": "平", "qiang": "强", "lei": "磊", "yong": "勇", "yan": "燕艳", "xiu": "秀",
    "ying": "英", "mei": "梅美", "lan": "兰", "xia": "霞", "kang": "康", "an": "安",
}


class TablePinyin:
    """One syllable at a time from :data:`FALLBACK_TABLE` (no phrases)."""

    def __init__(self) -> None:
        self._candidates = ""

    def search(self, spelling: str) -> int:
        spelling = spelling.lower()
        chars = FALLBACK_TABLE.get(spelling, "")
        if not chars and spelling:
            chars = "".join(v for k, v in FALLBACK_TABLE.items() if k.startswith(spelling))
        self._candidates = "".join(dict.fromkeys(chars))
        return len(self._candidates)

    def candidate(self, index: int) -> str:
        return self._candidates[index]

    def choose(self, index: int) -> str | None:
        text = self._candidates[index]
        self.reset()
        return text

    def count(self) -> int:
        return len(self._candidates)

    def composed(self) -> str:
        return ""

    def reset(self) -> None:
        self._candidates = ""


def make_engine() -> PinyinEngine:
    """The real engine, or the table with a warning when the library is missing."""
    try:
        return GooglePinyin()
    except OSError as exc:
        log.warning("pinyin engine unavailable (%s): using the small built-in table", exc)
        return TablePinyin()

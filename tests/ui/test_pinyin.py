"""The pinyin engine (libgooglepinyin through ctypes) and its fallback table."""

from __future__ import annotations

from kiosk.ui.pinyin import GooglePinyin, TablePinyin


def candidates(engine: GooglePinyin, n: int = 8) -> list[str]:
    return [engine.candidate(i) for i in range(min(n, engine.count()))]


def test_a_whole_phrase_spelled_gives_the_phrase_first() -> None:
    engine = GooglePinyin()
    assert engine.search("zhengming") > 8          # more than one page of candidates
    assert candidates(engine)[0] == "证明"
    assert engine.search("nanshanqu") and candidates(engine)[0] == "南山区"


def test_a_name_is_built_by_choosing_part_then_the_rest() -> None:
    engine = GooglePinyin()
    engine.search("wangxiaoming")
    first = candidates(engine, 20)
    assert engine.choose(first.index("王晓")) is None     # "ming" is still open
    assert engine.composed() == "王晓"
    rest = candidates(engine, 20)
    assert "明" in rest
    assert engine.choose(rest.index("明")) == "王晓明"
    assert engine.count() == 0 and engine.composed() == ""


def test_spelling_is_sanitised_before_it_reaches_the_library() -> None:
    engine = GooglePinyin()
    assert engine.search("ZHENG①²\x00ming") > 0
    assert candidates(engine)[0] == "证明"
    assert engine.search("") == 0


def test_the_fallback_table_answers_single_syllables() -> None:
    table = TablePinyin()
    assert table.search("zheng") > 0 and "证" in [table.candidate(i)
                                                   for i in range(table.count())]
    assert table.choose(0) is not None and table.count() == 0

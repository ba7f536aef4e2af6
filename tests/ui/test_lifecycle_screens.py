"""Issue 9 regressions on the real screens: the status-bar clock in the city's zone,
a supply running low on the diagnostics screen, goodbye asking for a card left behind."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PyQt6.QtWidgets import QApplication, QLabel

from drivers.status import DeviceState, DeviceStatus
from kiosk.ui.screens.basic import GoodbyeScreen
from kiosk.ui.screens.staff import DiagnosticsScreen
from kiosk.ui.window import KioskWindow


@pytest.fixture(scope="module")
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


def texts(widget: object) -> list[str]:
    return [w.text() for w in widget.findChildren(QLabel)]  # type: ignore[attr-defined]


def test_status_bar_clock_shows_the_backends_zone(app: QApplication) -> None:
    window = KioskWindow("T-1", "zh", speech_engine="mock")
    shanghai = datetime.now(ZoneInfo("Asia/Shanghai"))
    allowed = {f"{t:%Y-%m-%d %H:%M}" for t in (shanghai - timedelta(minutes=1), shanghai,
                                               shanghai + timedelta(minutes=1))}
    assert window.status_bar.clock.text() in allowed


def test_toner_low_is_not_shown_as_normal(app: QApplication) -> None:
    screen = DiagnosticsScreen()
    screen.retranslate("zh")
    screen.set_device("a4_printer", "CupsPrinter",
                      DeviceStatus(DeviceState.ONLINE, {"paper": "full", "toner": "low"}))
    line = next(t for t in texts(screen) if "—" in t)
    assert "碳粉不足" in line and line.startswith("⚠")
    screen.retranslate("en")
    assert any("toner low" in t for t in texts(screen))


def test_goodbye_asks_for_the_card_written_and_spoken(app: QApplication) -> None:
    screen = GoodbyeScreen()
    screen.retranslate("zh")
    screen.set_cards_left(["id_card"])
    assert "请取走您的身份证。" in texts(screen)
    assert "请取走您的身份证" in screen.prompt_text()
    screen.set_cards_left([])
    assert "请取走您的身份证" not in screen.prompt_text()


def test_a_card_found_at_start_up_is_not_thanked_for(app: QApplication) -> None:
    screen = GoodbyeScreen()
    screen.retranslate("zh")
    screen.set_cards_left(["citizen_card"], found=True)
    assert "读卡器中有一张卡片" in texts(screen) and "感谢使用，再见！" not in texts(screen)
    assert "请取走您的市民卡" in screen.prompt_text()
    assert "重新插入" in screen.prompt_text()
    screen.retranslate("en")
    assert "There is a card in the reader" in screen.prompt_text()
    screen.set_cards_left([], found=False)
    assert screen.title.text() == "Thank you, goodbye!"


def test_the_menu_shows_the_purse_balance_only_with_a_purse(app: QApplication) -> None:
    from kiosk.ui.screens.menu import MenuScreen

    menu = MenuScreen()
    menu.retranslate("zh")
    menu.set_greeting("王芳", 1234)
    assert menu.greeting.text() == "您好，王*\n电子钱包余额 ¥12.34"
    menu.retranslate("en")
    assert "Purse balance ¥12.34" in menu.greeting.text()
    menu.set_greeting("陈杰", None)  # a social-security-only card
    assert "¥" not in menu.greeting.text() and "陈*" in menu.greeting.text()
    menu.set_greeting("", None)
    assert menu.greeting.text() == ""

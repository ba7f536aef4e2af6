"""The screens made after start-up (kiosk/ui/deferred_screens.py): on demand before the
idle turns reach them, one part per turn otherwise, each made once and put in the window.
The running kiosk's use of it is driven in tests/perf/test_startup.py."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QCoreApplication, QElapsedTimer
from PyQt6.QtWidgets import QApplication

from kiosk.ui.deferred_screens import DeferredScreens
from kiosk.ui.screens.basic import GoodbyeScreen, OutOfServiceScreen
from kiosk.ui.window import KioskWindow


@pytest.fixture(scope="module")
def app() -> QApplication:
    existing = QApplication.instance()
    return existing if isinstance(existing, QApplication) else QApplication([])


def _planned(window: KioskWindow) -> tuple[DeferredScreens, list[str]]:
    made: list[str] = []
    screens = DeferredScreens(window)

    def goodbye() -> GoodbyeScreen:
        made.append("goodbye")
        return GoodbyeScreen()

    def oos() -> OutOfServiceScreen:
        made.append("out_of_service")
        return OutOfServiceScreen()

    screens.plan("goodbye", goodbye)
    screens.plan("out_of_service", oos)
    return screens, made


def test_a_screen_asked_for_is_made_at_once_and_only_once(app: QApplication) -> None:
    window = KioskWindow("T-DEFER-1", "en", speech_engine="mock")
    screens, made = _planned(window)
    assert screens.built("goodbye") is None and "goodbye" not in window.screens
    first = screens.get("goodbye", GoodbyeScreen)
    assert window.screens["goodbye"] is first and screens.built("goodbye") is first
    assert screens.get("goodbye", GoodbyeScreen) is first and made == ["goodbye"]
    screens.ensure("out_of_service")
    screens.ensure("attract")  # not planned here: nothing to make
    window.show_screen("out_of_service")
    assert window.current_screen_id() == "out_of_service"
    assert made == ["goodbye", "out_of_service"] and screens.pending() == []


def test_idle_turns_make_the_rest_one_part_at_a_time(app: QApplication) -> None:
    window = KioskWindow("T-DEFER-2", "zh", speech_engine="mock")
    window.resize(1280, 900)  # as the kiosk's window
    window.show()
    screens, made = _planned(window)
    screens.get("goodbye", GoodbyeScreen)  # a resident got there first
    screens.make_rest()
    assert made == ["goodbye"]  # nothing before the event loop turns
    timer = QElapsedTimer()
    timer.start()
    while screens.pending() and timer.elapsed() < 5000:
        QCoreApplication.processEvents()
    assert screens.pending() == [] and made == ["goodbye", "out_of_service"]
    oos = screens.built("out_of_service")
    assert oos is not None and window.screens["out_of_service"] is oos
    # Then each is laid out off-screen, before it is ever shown: sized to the stack.
    frame = window.frames["out_of_service"]
    while frame.size() != window.stack.size() and timer.elapsed() < 5000:
        QCoreApplication.processEvents()
    assert frame.size() == window.stack.size() and not frame.isVisible()
    window.close()


def test_stopped_it_makes_nothing_more(app: QApplication) -> None:
    window = KioskWindow("T-DEFER-3", "zh", speech_engine="mock")
    screens, made = _planned(window)
    screens.make_rest()
    screens.stop()
    timer = QElapsedTimer()
    timer.start()
    while timer.elapsed() < 200:
        QCoreApplication.processEvents()
    assert made == [] and len(screens.pending()) == 2

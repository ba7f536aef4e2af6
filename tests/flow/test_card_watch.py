"""A card that did not start a session (left in across a restart, found by a reader that
was just opened, put in while staff had the terminal) is asked for at the attract
screen and logs nobody in until it is taken out and put in again."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.flow.terminal import TerminalState

from .fakes import ZHANG_WEI
from .test_terminal import Rig

S = TerminalState


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path).started()


def _booted_with_card(tmp_path: Path, *, reader_knows: bool) -> Rig:
    rig = Rig(tmp_path)
    reader = rig.kiosk.id_reader
    reader.person = ZHANG_WEI
    if reader_knows:
        reader.card_present = True  # the reader saw the card as it opened
    else:
        reader.known = False  # just opened: it has not polled yet
    rig.terminal.start()
    rig.pump()
    if not reader_knows:
        assert rig.state is S.ATTRACT
        reader.insert(ZHANG_WEI)  # the first poll finds the card that was there
        rig.pump()
    return rig


def _asks_for_the_card(rig: Rig) -> None:
    assert rig.state is S.GOODBYE
    assert rig.terminal.cards_left == {"id_card"} and rig.terminal.cards_found
    assert rig.terminal.session is None and rig.kiosk.id_reader.reads == 0
    assert not rig.terminal.start_session()
    rig.later(30)  # no timeout lets it through
    assert rig.state is S.GOODBYE and rig.terminal.session is None


def _reinserted_logs_in(rig: Rig) -> None:
    rig.kiosk.id_reader.remove()
    rig.pump()
    rig.later(1)
    assert rig.state is S.ATTRACT and not rig.terminal.cards_left
    assert not rig.terminal.cards_found
    rig.kiosk.id_reader.insert(ZHANG_WEI)
    rig.pump()
    assert rig.state is S.MENU and rig.kiosk.id_reader.reads == 1


def test_a_card_in_the_reader_at_start_up_is_asked_for(tmp_path: Path) -> None:
    rig = _booted_with_card(tmp_path, reader_knows=True)
    _asks_for_the_card(rig)
    _reinserted_logs_in(rig)


def test_a_card_the_opening_reader_finds_logs_nobody_in(tmp_path: Path) -> None:
    rig = _booted_with_card(tmp_path, reader_knows=False)
    _asks_for_the_card(rig)
    _reinserted_logs_in(rig)


def test_a_card_put_into_an_empty_reader_starts_a_session(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.kiosk.id_reader.known = False
    rig.terminal.start()
    rig.pump()
    rig.kiosk.id_reader.known = True  # the first poll: no card
    rig.terminal.tick()
    rig.kiosk.id_reader.insert(ZHANG_WEI)
    rig.pump()
    assert rig.state is S.MENU and not rig.terminal.cards_found


def test_a_card_put_in_while_staff_had_the_terminal(rig: Rig) -> None:
    rig.terminal.enter_staff()
    rig.kiosk.id_reader.insert(ZHANG_WEI)
    rig.pump()
    assert rig.state is S.STAFF and rig.kiosk.id_reader.reads == 0
    rig.terminal.leave_staff()
    _asks_for_the_card(rig)
    _reinserted_logs_in(rig)


def test_a_card_in_while_out_of_service_is_asked_for_when_it_ends(rig: Rig) -> None:
    rig.backend.up = False
    rig.later(5)
    assert rig.state is S.OUT_OF_SERVICE
    rig.kiosk.id_reader.insert(ZHANG_WEI)
    rig.pump()
    assert rig.state is S.OUT_OF_SERVICE and rig.terminal.session is None
    rig.backend.up = True
    rig.later(5)
    _asks_for_the_card(rig)
    _reinserted_logs_in(rig)


def test_a_session_card_left_in_is_not_found_at_start_up(rig: Rig) -> None:
    """The card of a session that ended is asked for as the session's (not as found)."""
    rig.login_with_id_card()
    rig.terminal.end_session()
    assert rig.state is S.GOODBYE and rig.terminal.cards_left == {"id_card"}
    assert not rig.terminal.cards_found

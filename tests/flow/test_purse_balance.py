"""A citizen card's purse balance: read at login, kept with the person, read again after
a service (a top-up changes it); a social-security-only card has none and is not read
again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from card.citizen import CitizenCardData, CitizenCardType, PurseInfo
from kiosk.adapters.devices import person_from_citizen_card
from kiosk.flow.terminal import TerminalState

from .fakes import WANG_FANG_CARD
from .test_terminal import Rig

S = TerminalState
WITH_PURSE = replace(WANG_FANG_CARD, purse_balance_fen=5000)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path).started()


def _login(rig: Rig, balance_fen: int = 5000) -> None:
    rig.kiosk.citizen_card.balance_fen = balance_fen
    rig.kiosk.citizen_card.insert(WITH_PURSE)
    rig.pump()
    assert rig.state is S.MENU


def test_the_card_reader_adapter_carries_the_balance() -> None:
    def card(purse: PurseInfo | None) -> CitizenCardData:
        kind = CitizenCardType.CITIZEN_CARD if purse else CitizenCardType.SOCIAL_SECURITY
        return CitizenCardData(kind, "440305194209150287", "王芳", "女", "汉", None,
                               "C44030500", None, None, purse)

    assert person_from_citizen_card(card(PurseInfo(1234, "00"))).purse_balance_fen == 1234
    assert person_from_citizen_card(card(None)).purse_balance_fen is None


def test_the_balance_is_read_again_after_a_service(rig: Rig) -> None:
    _login(rig)
    session = rig.terminal.session
    assert session is not None and session.person is not None
    assert session.person.purse_balance_fen == 5000
    rig.kiosk.citizen_card.balance_fen = 7000  # the service changed what the card holds
    rig.terminal.choose_service("application_status")
    rig.pump()
    assert rig.state is S.RESULT
    assert session.person.purse_balance_fen == 7000
    assert session.person.name == "王芳"  # the same person, only the balance is new


def test_a_card_without_a_purse_is_not_read_again(rig: Rig) -> None:
    rig.kiosk.citizen_card.insert(WANG_FANG_CARD)  # social security only
    rig.pump()
    reads = rig.kiosk.citizen_card.holder_reads
    rig.terminal.choose_service("application_status")
    rig.pump()
    assert rig.state is S.RESULT and rig.kiosk.citizen_card.holder_reads == reads
    session = rig.terminal.session
    assert session is not None and session.person is not None
    assert session.person.purse_balance_fen is None


def test_a_card_taken_out_keeps_the_last_balance_read(rig: Rig) -> None:
    _login(rig)
    rig.kiosk.citizen_card.card_present = False  # out before the service ends
    reads = rig.kiosk.citizen_card.holder_reads
    rig.terminal.choose_service("application_status")
    rig.pump()
    assert rig.kiosk.citizen_card.holder_reads == reads

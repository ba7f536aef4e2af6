"""What a log line shows of a citizen card: the masked holder, never the purse balance."""

from __future__ import annotations

from card.citizen import CitizenCardData, CitizenCardType, PurseInfo


def test_the_logged_card_has_no_balance_beside_the_name() -> None:
    card = CitizenCardData(CitizenCardType.CITIZEN_CARD, "440305194209150287", "王芳", "女",
                           "汉", None, "C44030500", None, None,
                           PurseInfo(balance=1234, serial="00"))
    shown = repr(card)
    assert "王芳" not in shown and "440305194209150287" not in shown
    assert "1234" not in shown and "'purse': 'present'" in shown
    assert card.to_dict(unmask=True)["purse"] == {"balance": 1234}  # kiosk-diag card

"""Reads a whole citizen card through any APDU transport (pyscard, vpcd, in-process)."""

from __future__ import annotations

from card.apdu import Transmit
from card.citizen import CitizenCardData, CitizenCardType, PurseInfo
from card.errors import ApplicationNotFoundError, CardFormatError
from card.purse import read_purse
from card.social_security import SocialSecurityRecord, read_social_security


def read_citizen_card(transmit: Transmit) -> CitizenCardData:
    """Read the social-security application and the purse, whichever the card has.

    A blocked application raises CardBlockedError; a card with neither application
    raises ApplicationNotFoundError.
    """
    ss: SocialSecurityRecord | None
    purse: PurseInfo | None
    try:
        ss = read_social_security(transmit)
    except ApplicationNotFoundError:
        ss = None
    try:
        purse = read_purse(transmit)
    except ApplicationNotFoundError:
        if ss is None:
            raise
        purse = None
    if ss is None:
        if purse is None:  # pragma: no cover - read_purse raised above
            raise CardFormatError("card has no known application", code="NO_APP")
        return CitizenCardData(CitizenCardType.TRANSIT_PURSE, "", "", "", "", None, "",
                               None, None, purse)
    kind = CitizenCardType.CITIZEN_CARD if purse is not None else CitizenCardType.SOCIAL_SECURITY
    return CitizenCardData(kind, ss.ssn, ss.name, ss.sex, ss.nation, ss.birth_date,
                           ss.card_number, ss.issue_date, ss.expiry_date, purse)

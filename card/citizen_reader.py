"""Reads a citizen card through any APDU transport (pyscard, vpcd, in-process).

The identify read (the default) takes what the identify screen shows and no more: the
holder (SELECT SSSE without FCI, six records of known length) and the purse balance
(SELECT MF, SELECT purse without FCI, GET BALANCE): 10 APDUs on a citizen card. The
purse's public information and log are read where a top-up needs them (its serial, by
the load itself) or with ``full=True`` (the full read: every record, public info, log).
"""

from __future__ import annotations

from functools import cache

from card.apdu import CommandApdu, Transmit
from card.citizen import CitizenCardData, CitizenCardType, PurseInfo
from card.errors import ApplicationNotFoundError, CardFormatError
from card.purse import MF, PURSE_DF, get_balance, read_purse
from card.social_security import (
    P2_NO_FCI,
    SocialSecurityRecord,
    read_holder,
    read_social_security,
    select_without_fci,
)


@cache
def _select(fid: bytes) -> CommandApdu:
    return CommandApdu(0x00, 0xA4, 0x00, P2_NO_FCI, fid)


def read_balance(transmit: Transmit) -> PurseInfo:
    """The purse's balance only (3 APDUs); serial and issuer stay empty."""
    select_without_fci(transmit, _select(MF), "SELECT MF")
    select_without_fci(transmit, _select(PURSE_DF), "SELECT purse")
    return PurseInfo(balance=get_balance(transmit), serial="")


def read_citizen_card(transmit: Transmit, *, full: bool = False) -> CitizenCardData:
    """Read the social-security application and the purse, whichever the card has.

    A blocked application raises CardBlockedError; a card with neither application
    raises ApplicationNotFoundError.
    """
    ss: SocialSecurityRecord | None
    purse: PurseInfo | None
    try:
        ss = read_social_security(transmit) if full else read_holder(transmit)
    except ApplicationNotFoundError:
        ss = None
    try:
        purse = read_purse(transmit) if full else read_balance(transmit)
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


__all__ = ["read_balance", "read_citizen_card"]

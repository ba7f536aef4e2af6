"""What a citizen card (social-security application and/or PBOC purse) holds, and the
top-up / purchase records exchanged around it. Frozen dataclasses, no I/O; ``repr`` is
masked so a log line never leaks a holder's data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from card.idcard import masked_dict


class CitizenCardType(StrEnum):
    #: Social-security application and electronic purse.
    CITIZEN_CARD = "citizen_card"
    SOCIAL_SECURITY = "social_security"
    TRANSIT_PURSE = "transit_purse"


@dataclass(frozen=True)
class PurseTransaction:
    """One record of the purse's transaction log (SFI 0x18)."""

    seq: int
    amount: int
    tx_type: int
    terminal_id: str
    when: datetime | None


@dataclass(frozen=True)
class PurseInfo:
    """The electronic purse: balance in fen plus its public information (SFI 0x15)."""

    balance: int
    #: Application serial number, 10 bytes as hex (the last 8 diversify the keys).
    serial: str
    issuer: str = ""
    valid_from: date | None = None
    valid_until: date | None = None
    transactions: tuple[PurseTransaction, ...] = ()


@dataclass(frozen=True, repr=False)
class CitizenCardData:
    card_type: CitizenCardType
    ssn: str
    name: str
    sex: str
    nation: str
    birth_date: date | None
    card_number: str
    issue_date: date | None
    expiry_date: date | None
    purse: PurseInfo | None = None

    def to_dict(self, *, unmask: bool = False) -> dict[str, object]:
        """The JSON object of ``kiosk-diag card``; masked unless ``unmask``."""

        def iso(d: date | None) -> str | None:
            return d.isoformat() if d is not None else None

        out: dict[str, object] = {
            "card_type": self.card_type.value,
            "ssn": self.ssn,
            "name": self.name,
            "sex": self.sex,
            "nation": self.nation,
            "birth_date": iso(self.birth_date),
            "card_number": self.card_number,
            "issue_date": iso(self.issue_date),
            "expiry_date": iso(self.expiry_date),
            "purse": {"balance": self.purse.balance} if self.purse is not None else None,
        }
        return out if unmask else masked_dict(out)

    def masked(self) -> dict[str, object]:
        return self.to_dict(unmask=False)

    def __repr__(self) -> str:
        # What the logs show: the masked holder and whether there is a purse; never the
        # balance next to the name (kiosk-diag card prints it from to_dict).
        shown = self.masked()
        shown["purse"] = "present" if self.purse is not None else None
        return f"CitizenCardData({shown})"


@dataclass(frozen=True)
class LoadRequest:
    """The card's answer to INITIALIZE FOR LOAD: what the backend needs to make MAC2."""

    card_serial: bytes
    amount: int
    terminal_id: bytes
    old_balance: int
    online_seq: int
    key_version: int
    alg_id: int
    card_random: bytes
    mac1: bytes

    def to_dict(self) -> dict[str, object]:
        return {
            "card_serial": self.card_serial.hex().upper(),
            "amount": self.amount,
            "terminal_id": self.terminal_id.hex().upper(),
            "old_balance": self.old_balance,
            "online_seq": self.online_seq,
            "key_version": self.key_version,
            "alg_id": self.alg_id,
            "card_random": self.card_random.hex().upper(),
            "mac1": self.mac1.hex().upper(),
        }


@dataclass(frozen=True)
class LoadResult:
    tac: bytes
    new_balance: int
    online_seq: int


@dataclass(frozen=True)
class PurchaseResult:
    tac: bytes
    new_balance: int
    offline_seq: int
    terminal_seq: int
    mac2: bytes = field(default=b"")


@dataclass(frozen=True)
class PurchaseStart:
    """A purchase begun: INITIALIZE FOR PURCHASE answered and the PSAM's MAC1 made. What
    a terminal journals before DEBIT FOR PURCHASE (with it, the card's GET TRANSACTION
    PROOF and the TAC can be checked later)."""

    card_serial: bytes
    amount: int
    old_balance: int
    offline_seq: int
    #: The PSAM's terminal number (6 bytes) and transaction sequence (4 bytes).
    terminal_id: bytes
    terminal_seq: bytes
    when: datetime


@dataclass(frozen=True)
class PurchaseDebit:
    """DEBIT FOR PURCHASE's answer, and whether the PSAM accepted the card's MAC2."""

    tac: bytes
    mac2: bytes
    mac2_verified: bool

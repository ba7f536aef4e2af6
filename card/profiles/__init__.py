"""Named card profiles: fictional people shared by the simulators and the backend's seed
data (one JSON file each in this directory). See ``profile_names()``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from card.citizen import PurseTransaction
from card.errors import CardError
from card.idcard import LONG_TERM_JSON, IdCardData, IdCardType
from card.photo import WLT_SIZE, WltPhoto


class UnknownProfileError(CardError):
    """No profile of that name, or it has no card of the kind asked for."""

    default_message_key = "error.device.generic"


@dataclass(frozen=True, repr=False)
class PurseProfile:
    balance: int
    serial: bytes
    issuer: bytes
    valid_from: date
    valid_until: date
    online_seq: int
    offline_seq: int
    log: tuple[PurseTransaction, ...]


@dataclass(frozen=True, repr=False)
class CitizenCardProfile:
    card_number: str
    ssn: str
    name: str
    sex: str
    nation: str
    birth_date: date
    birthplace: str
    issue_date: date
    expiry_date: date
    blocked: bool
    purse: PurseProfile | None


@dataclass(frozen=True, repr=False)
class CardProfile:
    key: str
    description: str
    id_card: IdCardData | None
    citizen_card: CitizenCardProfile | None

    def __repr__(self) -> str:
        return f"CardProfile({self.key!r})"


def _blob(key: str, what: str, size: int) -> bytes:
    """Deterministic opaque bytes standing in for a WLT photo or a fingerprint."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{key}/{what}/{counter}".encode()).digest()
        counter += 1
    return out[:size]


def _id_card(key: str, raw: dict[str, Any]) -> IdCardData:
    until = raw["valid_until"]
    return IdCardData(
        card_type=IdCardType(raw["card_type"]), name=raw["name"], sex=raw["sex"],
        nation=raw["nation"], birth_date=date.fromisoformat(raw["birth_date"]),
        address=raw["address"], id_number=raw["id_number"], issuer=raw["issuer"],
        valid_from=date.fromisoformat(raw["valid_from"]),
        valid_until=None if until == LONG_TERM_JSON else date.fromisoformat(until),
        photo=WltPhoto(_blob(key, "photo", WLT_SIZE)),
        fingerprint=_blob(key, "fingerprint", 1024) if raw.get("fingerprint") else b"",
        name_en=raw.get("name_en", ""), nationality=raw.get("nationality", ""),
        permit_number=raw.get("permit_number", ""), issue_count=raw.get("issue_count"),
    )


def _purse(raw: dict[str, Any]) -> PurseProfile:
    log = tuple(
        PurseTransaction(seq=t["seq"], amount=t["amount"], tx_type=t["tx_type"],
                         terminal_id=t["terminal_id"], when=datetime.fromisoformat(t["when"]))
        for t in raw["log"])
    return PurseProfile(
        balance=raw["balance"], serial=bytes.fromhex(raw["serial"]),
        issuer=bytes.fromhex(raw["issuer"]), valid_from=date.fromisoformat(raw["valid_from"]),
        valid_until=date.fromisoformat(raw["valid_until"]), online_seq=raw["online_seq"],
        offline_seq=raw["offline_seq"], log=log)


def _citizen(raw: dict[str, Any]) -> CitizenCardProfile:
    return CitizenCardProfile(
        card_number=raw["card_number"], ssn=raw["ssn"], name=raw["name"], sex=raw["sex"],
        nation=raw["nation"], birth_date=date.fromisoformat(raw["birth_date"]),
        birthplace=raw["birthplace"], issue_date=date.fromisoformat(raw["issue_date"]),
        expiry_date=date.fromisoformat(raw["expiry_date"]), blocked=raw["blocked"],
        purse=_purse(raw["purse"]) if raw.get("purse") else None)


def profile_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir()
                  if p.name.endswith(".json"))


def load_profile(key: str) -> CardProfile:
    """The named profile; UnknownProfileError lists the known names."""
    if key not in profile_names():
        raise UnknownProfileError(
            f"unknown card profile {key!r}; known: {', '.join(profile_names())}",
            code="PROFILE")
    raw = json.loads(resources.files(__name__).joinpath(f"{key}.json").read_text("utf-8"))
    return CardProfile(
        key=key, description=raw["description"],
        id_card=_id_card(key, raw["id_card"]) if raw.get("id_card") else None,
        citizen_card=_citizen(raw["citizen_card"]) if raw.get("citizen_card") else None)


def id_card_profiles() -> list[str]:
    return [k for k in profile_names() if load_profile(k).id_card is not None]


def citizen_card_profiles() -> list[str]:
    return [k for k in profile_names() if load_profile(k).citizen_card is not None]

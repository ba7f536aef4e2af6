"""A citizen card: MF, the social-security application (SSSE with EF05/EF06) and a PBOC
purse (DF 1001) with real key diversification, MAC checks and TAC generation.

``process(apdu) -> response`` is thread-safe; state (balance, sequence numbers, the log)
changes only through the commands, like the card. With a ``store`` the purse lives on
disk like a card's EEPROM: a command that changes it is answered only once the new state
is written (atomically), so a process killed at any point leaves the card either before
or after the transaction, and the next insert (or a restart) sees the same balance.

GET TRANSACTION PROOF (``80 5A 00 P2 02 seq``) answers for the card's last load (P2 02:
TAC) or last purchase (P2 06: TAC || MAC2) of that sequence number, ``9406`` otherwise;
a terminal that lost the answer to CREDIT FOR LOAD or DEBIT FOR PURCHASE recovers it
this way. (The byte layout of the answer follows the DEBIT answer's order; UNCONFIRMED
against the JR/T 0025 text.)
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from card import pboc
from card.apdu import CommandApdu
from card.emulation.t0 import T0Responder
from card.errors import CardFormatError
from card.nations import nation_code, sex_code
from card.profiles import CitizenCardProfile, PurseProfile
from card.social_security import SSSE_NAME
from card.tlv import encode_ber, encode_simple

CITIZEN_ATR = bytes.fromhex("3B680000 0073C840 12009000".replace(" ", ""))
SW_NOT_FOUND = b"\x6a\x82"
SW_RECORD_NOT_FOUND = b"\x6a\x83"
SW_NO_EF = b"\x69\x86"
SW_CONDITIONS = b"\x69\x85"
SW_MAC = b"\x93\x02"
SW_FUNDS = b"\x94\x01"
SW_INS = b"\x6d\x00"
SW_CLA = b"\x6e\x00"
SW_LENGTH = b"\x67\x00"
SW_P1P2 = b"\x6a\x86"
SW_BLOCKED_APP = b"\x6a\x81"
SW_INVALIDATED = b"\x62\x83"
SW_NO_PROOF = b"\x94\x06"
MAX_BALANCE = 100_000_000


def _bcd(d: date) -> bytes:
    return bytes.fromhex(d.strftime("%Y%m%d"))


@dataclass(frozen=True)
class _PendingLoad:
    amount: int
    terminal: bytes
    ses: bytes
    seq: bytes


@dataclass(frozen=True)
class _PendingPurchase:
    amount: int
    terminal: bytes
    rnd: bytes
    seq: bytes


def _fixed(text: str, size: int, encoding: str) -> bytes:
    raw = text.encode(encoding)[:size]
    return raw + b" " * (size - len(raw))


def _parse_when(day: bytes, time: bytes) -> datetime:
    try:
        return datetime.strptime(day.hex() + time.hex(), "%Y%m%d%H%M%S")
    except ValueError:
        raise CardFormatError("bad BCD date/time", code="APDU") from None


class CitizenCardEmulator:
    """Answers APDUs as the citizen card of one profile."""

    def __init__(self, profile: CitizenCardProfile, store: Path | None = None) -> None:
        self.profile = profile
        self._lock = threading.Lock()
        self._t0 = T0Responder()
        self._selected = ""
        purse = profile.purse
        self._purse: PurseProfile | None = purse
        self.balance = purse.balance if purse else 0
        self.online_seq = purse.online_seq if purse else 0
        self.offline_seq = purse.offline_seq if purse else 0
        self.log: list[bytes] = [self._log_record(t.seq, t.amount, t.tx_type,
                                                  bytes.fromhex(t.terminal_id), t.when)
                                 for t in (purse.log if purse else ())]
        self._pending: _PendingLoad | _PendingPurchase | None = None
        #: (transaction type, sequence number used) -> the proof GET TRANSACTION PROOF gives.
        self._proofs: dict[str, str] = {}
        self.apdu_count = 0
        self.store: Path | None = None
        if purse is not None:
            s8 = purse.serial[2:]
            self._dlk = pboc.diversify(pboc.TEST_MLK, s8)
            self._dpk = pboc.diversify(pboc.TEST_MPK, s8)
            self._dtk = pboc.diversify(pboc.TEST_MTK, s8)
            if store is not None:
                self.store = store / f"purse-{purse.serial.hex().upper()}.json"
                self._load_store()
        self._records = self._build_records()

    # -- the purse's EEPROM ------------------------------------------------------------

    def _load_store(self) -> None:
        assert self.store is not None
        try:
            raw = json.loads(self.store.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self._save_store()  # a card as issued: its purse is on disk from the start
            return
        self.balance = int(raw["balance"])
        self.online_seq = int(raw["online_seq"])
        self.offline_seq = int(raw["offline_seq"])
        self.log = [bytes.fromhex(r) for r in raw["log"]]
        self._proofs = {str(k): str(v) for k, v in raw.get("proofs", {}).items()}

    def _save_store(self) -> None:
        if self.store is None:
            return
        self.store.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.store.with_suffix(".tmp")
        body = json.dumps({"balance": self.balance, "online_seq": self.online_seq,
                           "offline_seq": self.offline_seq,
                           "log": [r.hex() for r in self.log], "proofs": self._proofs})
        with tmp.open("w", encoding="utf-8") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.store)

    @property
    def atr(self) -> bytes:
        return CITIZEN_ATR

    def power_on(self) -> None:
        """Reset: nothing selected, no pending transaction."""
        with self._lock:
            self._selected = ""
            self._pending = None
            self._t0.reset()

    def _build_records(self) -> dict[tuple[int, int], bytes]:
        p = self.profile
        ef05 = {
            1: _fixed(p.card_number + p.ssn[-6:], 16, "ascii"), 2: b"\x01", 3: b"3.00",
            4: _fixed(p.birthplace + "000000", 12, "ascii"), 5: _bcd(p.issue_date),
            6: _bcd(p.expiry_date), 7: _fixed(p.card_number, 9, "ascii"),
        }
        ef06 = {
            8: _fixed(p.ssn, 18, "ascii"), 9: _fixed(p.name, 30, "gbk"),
            10: sex_code(p.sex).encode(), 11: bytes.fromhex(f"{nation_code(p.nation):02d}"),
            12: bytes.fromhex(p.birthplace), 13: _bcd(p.birth_date),
        }
        out = {(5, r): encode_simple(r, v) for r, v in ef05.items()}
        out.update({(6, r): encode_simple(r, v) for r, v in ef06.items()})
        return out

    @staticmethod
    def _log_record(seq: int, amount: int, tx_type: int, terminal: bytes,
                    when: datetime | None) -> bytes:
        stamp = bytes.fromhex(when.strftime("%Y%m%d%H%M%S")) if when else bytes(7)
        return (seq.to_bytes(2, "big") + bytes(3) + amount.to_bytes(4, "big")
                + bytes((tx_type,)) + terminal + stamp)

    # -- dispatch ----------------------------------------------------------------------

    def process(self, raw: bytes) -> bytes:
        with self._lock:
            self.apdu_count += 1
            try:
                command = CommandApdu.parse(raw)
            except CardFormatError:
                return SW_LENGTH
            try:
                return self._dispatch(command)
            except CardFormatError:
                return SW_LENGTH

    def _dispatch(self, c: CommandApdu) -> bytes:
        if c.cla not in (0x00, 0x80):
            return SW_CLA
        handlers = {
            (0x00, 0xA4): self._select, (0x00, 0xB2): self._read_record,
            (0x00, 0xB0): self._read_binary, (0x00, 0xC0): self._t0.get_response,
            (0x80, 0x5C): self._get_balance, (0x80, 0x50): self._initialize,
            (0x80, 0x52): self._credit_for_load, (0x80, 0x54): self._debit_for_purchase,
            (0x00, 0x84): self._get_challenge, (0x80, 0x5A): self._transaction_proof,
        }
        handler = handlers.get((c.cla, c.ins))
        return handler(c) if handler else SW_INS

    def _select(self, c: CommandApdu) -> bytes:
        if c.p1 == 0x04:
            if c.data != SSSE_NAME:
                return SW_NOT_FOUND
            if self.profile.blocked:
                return SW_BLOCKED_APP
            self._selected = "ssse"
            return self._t0.answer(c, encode_ber(0x6F, encode_ber(0x84, SSSE_NAME)))
        if c.p1 == 0x00 and c.data == b"\x3f\x00":
            self._selected = "mf"
            return self._t0.answer(c, b"")
        if c.p1 == 0x00 and c.data == b"\x10\x01":
            if self._purse is None:
                return SW_NOT_FOUND
            if self.profile.blocked:
                return SW_INVALIDATED
            self._selected = "purse"
            self._pending = None
            return self._t0.answer(c, encode_ber(0x6F, encode_ber(0x84, b"\x10\x01")))
        return SW_NOT_FOUND

    def _read_record(self, c: CommandApdu) -> bytes:
        sfi = c.p2 >> 3
        if c.p2 & 0x07 != 0x04:
            return SW_P1P2
        if sfi in (5, 6):
            if self._selected != "ssse":
                return SW_NO_EF
            record = self._records.get((sfi, c.p1))
            return self._t0.answer(c, record) if record else SW_RECORD_NOT_FOUND
        if sfi == 0x18 and self._selected == "purse":
            if not 1 <= c.p1 <= len(self.log):
                return SW_RECORD_NOT_FOUND
            return self._t0.answer(c, self.log[c.p1 - 1])
        return SW_NO_EF

    def _read_binary(self, c: CommandApdu) -> bytes:
        if c.p1 != 0x95 or self._selected != "purse" or self._purse is None:
            return SW_NO_EF
        p = self._purse
        info = (p.issuer[:8].ljust(8, b"\0") + b"\x01\x02" + p.serial + _bcd(p.valid_from)
                + _bcd(p.valid_until) + b"\x00\x00")
        return self._t0.answer(c, info)

    def _get_challenge(self, c: CommandApdu) -> bytes:
        return self._t0.answer(c, os.urandom(c.le or 4))

    def _get_balance(self, c: CommandApdu) -> bytes:
        if self._selected != "purse":
            return SW_CONDITIONS
        return self._t0.answer(c, self.balance.to_bytes(4, "big"))

    # -- purse transactions ---------------------------------------------------------------

    def _initialize(self, c: CommandApdu) -> bytes:
        if self._selected != "purse":
            return SW_CONDITIONS
        if len(c.data) != 11 or c.p2 != 0x02 or c.p1 not in (0x00, 0x01):
            return SW_LENGTH
        amount = int.from_bytes(c.data[1:5], "big")
        terminal = c.data[5:11]
        rnd = os.urandom(4)
        if c.p1 == 0x00:
            if self.balance + amount > MAX_BALANCE:
                return b"\x94\x03"
            seq = self.online_seq.to_bytes(2, "big")
            ses = pboc.load_session_key(self._dlk, rnd, seq)
            mac1 = pboc.load_mac1(ses, self.balance, amount, pboc.TX_EP_LOAD, terminal)
            self._pending = _PendingLoad(amount, terminal, ses, seq)
            out = self.balance.to_bytes(4, "big") + seq + b"\x01\x00" + rnd + mac1
            return self._t0.answer(c, out)
        if amount > self.balance:
            return SW_FUNDS
        seq = self.offline_seq.to_bytes(2, "big")
        self._pending = _PendingPurchase(amount, terminal, rnd, seq)
        out = self.balance.to_bytes(4, "big") + seq + bytes(3) + b"\x01\x00" + rnd
        return self._t0.answer(c, out)

    def _credit_for_load(self, c: CommandApdu) -> bytes:
        pending, self._pending = self._pending, None
        if not isinstance(pending, _PendingLoad):
            return SW_CONDITIONS
        if len(c.data) != 11:
            return SW_LENGTH
        when = _parse_when(c.data[0:4], c.data[4:7])
        amount, terminal, ses, seq = pending.amount, pending.terminal, pending.ses, pending.seq
        if pboc.load_mac2(ses, amount, pboc.TX_EP_LOAD, terminal, when) != c.data[7:11]:
            return SW_MAC
        self.balance += amount
        tac = pboc.load_tac(self._dtk, self.balance, seq, amount, pboc.TX_EP_LOAD, terminal, when)
        self.online_seq += 1
        self.log.insert(0, self._log_record(self.online_seq, amount, pboc.TX_EP_LOAD,
                                            terminal, when))
        del self.log[10:]
        self._proofs["load"] = seq.hex() + tac.hex()
        self._save_store()
        return self._t0.answer(c, tac)

    def _debit_for_purchase(self, c: CommandApdu) -> bytes:
        pending, self._pending = self._pending, None
        if not isinstance(pending, _PendingPurchase):
            return SW_CONDITIONS
        if len(c.data) != 15:
            return SW_LENGTH
        terminal_seq, mac1 = c.data[0:4], c.data[11:15]
        when = _parse_when(c.data[4:8], c.data[8:11])
        amount, terminal, rnd, seq = pending.amount, pending.terminal, pending.rnd, pending.seq
        ses = pboc.purchase_session_key(self._dpk, rnd, seq, terminal_seq)
        if pboc.purchase_mac1(ses, amount, pboc.TX_EP_PURCHASE, terminal, when) != mac1:
            return SW_MAC
        self.balance -= amount
        self.offline_seq += 1
        tac = pboc.purchase_tac(self._dtk, amount, pboc.TX_EP_PURCHASE, terminal,
                                terminal_seq, when)
        self.log.insert(0, self._log_record(self.offline_seq, amount, pboc.TX_EP_PURCHASE,
                                            terminal, when))
        del self.log[10:]
        mac2 = pboc.purchase_mac2(ses, amount)
        self._proofs["purchase"] = seq.hex() + tac.hex() + mac2.hex()
        self._save_store()
        return self._t0.answer(c, tac + mac2)

    def _transaction_proof(self, c: CommandApdu) -> bytes:
        if self._selected != "purse":
            return SW_CONDITIONS
        if c.p1 != 0x00 or len(c.data) != 2:
            return SW_LENGTH
        kind = {pboc.TX_EP_LOAD: "load", pboc.TX_EP_PURCHASE: "purchase"}.get(c.p2)
        if kind is None:
            return SW_P1P2
        proof = bytes.fromhex(self._proofs.get(kind, ""))
        if proof[:2] != c.data:
            return SW_NO_PROOF
        return self._t0.answer(c, proof[2:])

"""A PSAM (purchase secure access module) in the terminal's second card slot: holds the
master purchase key, makes purchase MAC1 and verifies the card's MAC2.

With a ``store`` (a directory) its terminal transaction counter lives on disk like a
PSAM's EEPROM: a restarted kiosk never reuses a terminal sequence number."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from pathlib import Path

from card import pboc
from card.apdu import CommandApdu
from card.emulation.t0 import T0Responder
from card.errors import CardFormatError

PSAM_ATR = bytes.fromhex("3B6800005053414D00009000")


class PsamEmulator:
    def __init__(self, terminal_id: bytes = bytes.fromhex("440305000777"),
                 master_purchase_key: bytes = pboc.TEST_MPK, store: Path | None = None) -> None:
        if len(terminal_id) != 6:
            raise ValueError("terminal id must be 6 bytes")
        self.terminal_id = terminal_id
        self._mpk = master_purchase_key
        self._lock = threading.Lock()
        self._t0 = T0Responder()
        self.terminal_seq = 1
        self._pending: tuple[bytes, int] | None = None
        self.apdu_count = 0
        self.store = store / f"psam-{terminal_id.hex().upper()}.json" if store else None
        if self.store is not None and self.store.exists():
            self.terminal_seq = int(json.loads(self.store.read_text("utf-8"))["terminal_seq"])

    @property
    def atr(self) -> bytes:
        return PSAM_ATR

    def power_on(self) -> None:
        with self._lock:
            self._pending = None
            self._t0.reset()

    def process(self, raw: bytes) -> bytes:
        with self._lock:
            self.apdu_count += 1
            try:
                c = CommandApdu.parse(raw)
            except CardFormatError:
                return b"\x67\x00"
            if (c.cla, c.ins) == (0x00, 0xA4):
                return b"\x90\x00"
            if (c.cla, c.ins) == (0x00, 0xC0):
                return self._t0.get_response(c)
            if (c.cla, c.ins) == (0x00, 0xB0) and c.p1 == 0x96:
                return self._t0.answer(c, self.terminal_id)
            if (c.cla, c.ins) == (0x80, 0x70):
                return self._init_for_purchase(c)
            if (c.cla, c.ins) == (0x80, 0x72):
                return self._credit_for_purchase(c)
            return b"\x6d\x00"

    def _init_for_purchase(self, c: CommandApdu) -> bytes:
        d = c.data
        if len(d) != 28:
            return b"\x67\x00"
        rnd, offline_seq, amount = d[0:4], d[4:6], int.from_bytes(d[6:10], "big")
        tx_type, day, time, serial8 = d[10], d[11:15], d[15:18], d[20:28]
        try:
            when = datetime.strptime(day.hex() + time.hex(), "%Y%m%d%H%M%S")
        except ValueError:
            return b"\x6a\x80"
        terminal_seq = self.terminal_seq.to_bytes(4, "big")
        self.terminal_seq += 1
        self._save()
        dpk = pboc.diversify(self._mpk, serial8)
        ses = pboc.purchase_session_key(dpk, rnd, offline_seq, terminal_seq)
        mac1 = pboc.purchase_mac1(ses, amount, tx_type, self.terminal_id, when)
        self._pending = (ses, amount)
        return self._t0.answer(c, terminal_seq + mac1)

    def _credit_for_purchase(self, c: CommandApdu) -> bytes:
        pending, self._pending = self._pending, None
        if pending is None:
            return b"\x69\x85"
        ses, amount = pending
        if c.data != pboc.purchase_mac2(ses, amount):
            return b"\x93\x02"
        return b"\x90\x00"

    def _save(self) -> None:
        if self.store is None:
            return
        self.store.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.store.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"terminal_seq": self.terminal_seq}))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.store)

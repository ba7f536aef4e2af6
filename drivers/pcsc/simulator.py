"""The citizen card reader simulator: a citizen-card emulator in the first slot and a
PSAM emulator in the second, served to the real pcscd through vpcd (TCP 35963/35964),
or called in-process when no pcscd can run."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from card.emulation.citizen_card import CitizenCardEmulator
from card.emulation.psam import PsamEmulator
from card.profiles import UnknownProfileError, load_profile
from drivers.pcsc.daemon import PcscDaemon, wait_for_slot
from drivers.pcsc.transport import CardRemovedError
from drivers.pcsc.vpcd import VPCD_PORTS, VirtualCardLink
from kiosk_base.errors import UnknownFaultError
from kiosk_base.faults import FaultSet

log = logging.getLogger(__name__)

CARD_READER = "Virtual PCD 00 00"
PSAM_READER = "Virtual PCD 00 01"

FAULTS: Mapping[str, str] = {
    "card_removed_mid_read": "the card leaves after the next few APDUs (param after, default 3)",
    "corrupt_response": "the next response is a single garbage byte",
    "reader_gone": "the readers disappear (pcscd stopped; in-process: readers unlisted)",
    "pcscd_restart": "restart pcscd once (only a pcscd this process started)",
    "hold_command": "the next APDU with INS ins (hex, default 52: CREDIT FOR LOAD) waits "
                    "seconds (default 120) before the card sees it",
    "card_pulled": "the card is pulled out at the next APDU with INS ins (hex, default 54: "
                   "DEBIT FOR PURCHASE): when=after (default) the card executes it and the "
                   "answer is lost, when=before the card never sees it",
    "psam_missing": "the PSAM slot is empty (the second reader lists no card)",
    "psam_fault": "the PSAM answers every command 6F00 (a failed or locked PSAM)",
    "hold_answer": "the card executes the next APDU with INS ins (default 52), then holds "
                   "its answer for seconds (default 120)",
}


def _pulled(faults: FaultSet, apdu: bytes) -> str:
    """"before" / "after" when the card_pulled fault fires on ``apdu`` (consumed), else ""."""
    params = faults.active_faults().get("card_pulled")
    if params is None or len(apdu) < 2 or apdu[1] != int(str(params.get("ins", "54")), 16):
        return ""
    faults.clear("card_pulled")
    return "before" if str(params.get("when", "after")) == "before" else "after"


def _hold(faults: FaultSet, apdu: bytes, which: str) -> float:
    """Seconds to hold ``apdu`` for the ``which`` fault (consumed), else 0."""
    params = faults.active_faults().get(which)
    if params is None or len(apdu) < 2:
        return 0.0
    if apdu[1] != int(str(params.get("ins", "52")), 16):
        return 0.0
    faults.clear(which)
    return float(str(params.get("seconds", 120)))


class _FaultyCard:
    """The emulator as vpcd sees it, with the simulator's response faults applied."""

    def __init__(self, card: CitizenCardEmulator, faults: FaultSet) -> None:
        self._card = card
        self._faults = faults

    @property
    def atr(self) -> bytes:
        return self._card.atr

    def power_on(self) -> None:
        self._card.power_on()

    def process(self, raw: bytes) -> bytes:
        if self._faults.take("corrupt_response"):
            return b"\x42"
        pulled = _pulled(self._faults, raw)
        if pulled:
            if pulled == "after":
                self._card.process(raw)
            return b""  # the link drops the card without answering (see VirtualCardLink)
        time.sleep(_hold(self._faults, raw, "hold_command"))
        hold = _hold(self._faults, raw, "hold_answer")
        response = self._card.process(raw)
        time.sleep(hold)
        return response


class _FaultyPsam:
    """The PSAM as vpcd and the in-process transport see it, with the PSAM faults."""

    def __init__(self, psam: PsamEmulator, faults: FaultSet) -> None:
        self.psam = psam
        self._faults = faults

    @property
    def atr(self) -> bytes:
        return self.psam.atr

    def power_on(self) -> None:
        self.psam.power_on()

    def process(self, raw: bytes) -> bytes:
        if self._faults.is_active("psam_fault"):
            return b"\x6f\x00"
        return self.psam.process(raw)


class CardReaderSimulator:
    """Implements FaultInjectable; ``insert_card(profile)`` / ``remove_card()``."""

    def __init__(self, *, in_process: bool, name: str = "card-sim",
                 daemon: PcscDaemon | None = None, purse_dir: Path | None = None) -> None:
        self.name = name
        #: Where the cards keep their purses (balance, sequence numbers, log), if on disk.
        self.purse_dir = purse_dir
        self.in_process = in_process
        self._daemon = daemon
        self._faults = FaultSet(FAULTS, owner=name)
        self._lock = threading.Lock()
        self.card: CitizenCardEmulator | None = None
        self.psam = PsamEmulator(store=purse_dir)
        self._psam_slot = _FaultyPsam(self.psam, self._faults)
        self._card_link: VirtualCardLink | None = None
        self._psam_link: VirtualCardLink | None = None
        self.service_down = False
        self._in_process_removed_after: int | None = None

    # -- FaultInjectable ---------------------------------------------------------------

    def faults(self) -> Mapping[str, str]:
        return self._faults.faults()

    def inject(self, fault: str, **params: object) -> None:
        if fault in ("reader_gone", "pcscd_restart") and not self.in_process and not (
                self._daemon is not None and self._daemon.owned):
            raise UnknownFaultError(f"{fault} needs a pcscd started by this process",
                                    device=self.name, code="UNKNOWN_FAULT")
        self._faults.inject(fault, **params)
        if fault == "card_removed_mid_read":
            after = int(str(params.get("after", 3)))
            if self._card_link is not None:
                self._card_link.remove_after = after
            self._in_process_removed_after = after
        elif fault == "psam_missing" and not self.in_process:
            self._stop_psam()
        elif fault == "reader_gone":
            self.service_down = True
            if not self.in_process and self._daemon is not None:
                self._daemon.stop()
        elif fault == "pcscd_restart":
            self._faults.clear("pcscd_restart")
            if self.in_process:
                return
            assert self._daemon is not None
            self._daemon.restart()

    def clear(self, fault: str | None = None) -> None:
        was_gone = self._faults.is_active("reader_gone")
        was_missing = self._faults.is_active("psam_missing")
        self._faults.clear(fault)
        if was_gone and not self._faults.is_active("reader_gone"):
            self.service_down = False
            if not self.in_process and self._daemon is not None:
                self._daemon.start()
        if was_missing and not self._faults.is_active("psam_missing") and not self.in_process:
            self.start()
        if not self._faults.is_active("card_removed_mid_read"):
            self._in_process_removed_after = None
            if self._card_link is not None and self._card_link.remove_after:
                self._card_link.remove_after = None

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        return self._faults.active_faults()

    # -- cards -------------------------------------------------------------------------

    def insert_card(self, profile_name: str) -> None:
        profile = load_profile(profile_name)
        if profile.citizen_card is None:
            raise UnknownProfileError(f"profile {profile_name!r} has no citizen card",
                                      code="PROFILE")
        self.remove_card()
        card = CitizenCardEmulator(profile.citizen_card, store=self.purse_dir)
        with self._lock:
            self.card = card
        if not self.in_process:
            link = VirtualCardLink(_FaultyCard(card, self._faults), VPCD_PORTS[0])
            link.start()
            self._card_link = link
            # the card is "in" once pcscd reports it (vpcd has talked to it)
            if not (link.connected.wait(5) and wait_for_slot(CARD_READER, present=True)):
                log.info("%s: pcscd does not see the card yet (pcscd down?)", self.name)

    def remove_card(self) -> None:
        with self._lock:
            self.card = None
            link, self._card_link = self._card_link, None
        if link is not None:
            link.stop()
            # out once pcscd says so: a card inserted before would pass for this one
            if not self.service_down and not wait_for_slot(CARD_READER, present=False):
                log.info("%s: pcscd has not seen the card go (pcscd down?)", self.name)

    def use_in_process(self) -> None:
        """Fall back to the in-process transport, keeping the inserted card."""
        with self._lock:
            link, self._card_link = self._card_link, None
            self.in_process = True
        if link is not None:
            link.stop()

    def start(self) -> None:
        """Put the PSAM in its slot (vpcd mode) ."""
        if not self.in_process and self._psam_link is None \
                and not self._faults.is_active("psam_missing"):
            link = VirtualCardLink(self._psam_slot, VPCD_PORTS[1])
            link.start()
            self._psam_link = link
            if not (link.connected.wait(5) and wait_for_slot(PSAM_READER, present=True)):
                log.info("%s: pcscd does not see the PSAM yet (pcscd down?)", self.name)

    def stop(self) -> None:
        self.remove_card()
        self._stop_psam()

    def _stop_psam(self) -> None:
        link, self._psam_link = self._psam_link, None
        if link is not None:
            link.stop()
            if not self.service_down and not wait_for_slot(PSAM_READER, present=False):
                log.info("%s: pcscd has not seen the PSAM go (pcscd down?)", self.name)

    # -- the in-process transport's view ---------------------------------------------------

    def reader_names(self) -> list[str]:
        return [] if self.service_down else [CARD_READER, PSAM_READER]

    def slot_present(self, reader: str) -> bool:
        if reader == PSAM_READER:
            return not self._faults.is_active("psam_missing")
        with self._lock:
            return reader == CARD_READER and self.card is not None

    def transmit_in_process(self, reader: str, apdu: bytes) -> bytes:
        if reader == PSAM_READER:
            if self._faults.is_active("psam_missing"):
                raise CardRemovedError("no PSAM", device=self.name, code="PCSC_8010000C")
            return self._psam_slot.process(apdu)
        with self._lock:
            card = self.card
        if card is None:
            raise CardRemovedError("card removed", device=self.name, code="PCSC_80100069")
        if self._in_process_removed_after is not None:
            if self._in_process_removed_after <= 0:
                self.remove_card()
                self._faults.clear("card_removed_mid_read")
                self._in_process_removed_after = None
                raise CardRemovedError("card removed", device=self.name, code="PCSC_80100069")
            self._in_process_removed_after -= 1
        if self._faults.take("corrupt_response"):
            return b"\x42"
        pulled = _pulled(self._faults, apdu)
        if pulled:
            if pulled == "after":
                card.process(apdu)
            self.remove_card()
            raise CardRemovedError("card removed", device=self.name, code="PCSC_80100069")
        time.sleep(_hold(self._faults, apdu, "hold_command"))
        hold = _hold(self._faults, apdu, "hold_answer")
        response = card.process(apdu)
        time.sleep(hold)
        return response

    @property
    def card_connected(self) -> bool:
        """vpcd mode: whether vpcd has taken the card (talked to it on a live link)."""
        link = self._card_link
        return link is not None and link.connected.is_set()

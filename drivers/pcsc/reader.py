"""The PC/SC citizen card reader driver (pcscd through pyscard, or an in-process
transport for the simulator's fallback).

A poller checks the readers and the card every ``poll_interval_s``; when pcscd goes away
the context is dropped and re-established on a later tick, so a pcscd restart or an
unplugged reader heals by itself. Every card operation runs in an exclusive transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar, cast

from pydantic import Field

from card import purse
from card.citizen import (
    CitizenCardData,
    LoadRequest,
    LoadResult,
    PurchaseDebit,
    PurchaseResult,
    PurchaseStart,
    PurseInfo,
)
from card.citizen_reader import read_citizen_card
from card.errors import CardError, PsamError
from drivers.base import DeviceSettings
from drivers.health import HealthLevel, HealthReport
from drivers.idcard.polling import PresencePoller
from drivers.pcsc.base import CardReader
from drivers.pcsc.transport import CardChannel, CardRemovedError, CardTransport, NoCardError
from drivers.status import DeviceState, MediaStatus
from kiosk_base.errors import DeviceError, MediaError, NoDeviceError

log = logging.getLogger(__name__)
T = TypeVar("T")
#: How long a card the presence poll saw may be missing from pcscd before a read says
#: "no card": after a pcscd restart its readers' cards come back within a second.
CARD_SETTLE_S = 1.5


class PcscCardReaderSettings(DeviceSettings):
    reader: str = Field("", description="Card reader name (substring); empty: the first.")
    psam_reader: str | None = Field(None, description="Reader holding the PSAM, if any.")
    poll_interval_s: float = Field(0.5, gt=0, description="Reader/card polling interval.")


class PcscCardReader(CardReader):
    Settings = PcscCardReaderSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._transport: CardTransport | None = None
        self._poller: PresencePoller | None = None
        self._load: tuple[CardChannel, LoadRequest] | None = None
        #: A begun purchase: (card channel, PSAM channel, what DEBIT needs).
        self._buy: tuple[CardChannel, CardChannel, PurchaseStart, bytes] | None = None
        self._psam_id: bytes | None = None
        #: The card reader's name as the last listing found it (the presence poll lists
        #: the readers every interval): a read connects to it without listing again.
        self._known_reader: str | None = None

    @property
    def cfg(self) -> PcscCardReaderSettings:
        return cast(PcscCardReaderSettings, self.settings)

    def _make_transport(self) -> CardTransport:
        from drivers.pcsc.pyscard_transport import PcscTransport

        return PcscTransport(self.name)

    # -- readers -----------------------------------------------------------------------

    def _pick(self, readers: list[str], wanted: str | None, exclude: str | None) -> str | None:
        for reader in readers:
            if reader == exclude:
                continue
            if wanted is None or wanted in reader:
                return reader
        return None

    def _card_reader(self) -> str:
        assert self._transport is not None
        readers = self._transport.readers()
        psam = self._pick(readers, self.cfg.psam_reader, None) if self.cfg.psam_reader else None
        reader = self._pick(readers, self.cfg.reader or None, psam)
        if reader is None:
            self._known_reader = None
            raise NoDeviceError(f"no card reader matching {self.cfg.reader!r}",
                                device=self.name, code="PCSC_NO_READER")
        self._known_reader = reader
        return reader

    def _connect_card(self) -> CardChannel:
        """Connect to the card reader the last listing found (one pcscd call fewer per
        read); if it has gone since, list the readers again and connect to the one found.
        A card the poll saw that pcscd does not have yet (pcscd restarted and is finding
        its readers' cards again) gets CARD_SETTLE_S before "no card" is believed, as long
        as the reader still says a card is in. The presence poll runs on this same worker,
        so it cannot run while this waits: each try asks the reader itself (the poll's
        own step), and a card really pulled is believed at once, its removal seen, so
        the card put back is a new insert (not a card that never left)."""
        deadline = time.monotonic() + CARD_SETTLE_S
        while True:
            try:
                return self._connect_card_once()
            except NoCardError:
                if time.monotonic() >= deadline:
                    raise
                self._poll()
                if self.status.detail.get("media") != MediaStatus.PRESENT.value:
                    raise
                log.info("%s: pcscd has no card where one was seen; trying again", self.name)
                time.sleep(0.1)

    def _connect_card_once(self) -> CardChannel:
        known = self._known_reader
        if known is not None:
            try:
                return self._connect(known)
            except NoDeviceError:
                self._known_reader = None
        return self._connect(self._card_reader())

    def _psam_reader(self) -> str:
        assert self._transport is not None
        if not self.cfg.psam_reader:
            raise NoDeviceError("no PSAM reader configured", device=self.name, code="NO_PSAM")
        reader = self._pick(self._transport.readers(), self.cfg.psam_reader, None)
        if reader is None:
            raise NoDeviceError("PSAM reader not found", device=self.name, code="NO_PSAM")
        return reader

    # -- Device ------------------------------------------------------------------------

    def _open(self) -> None:
        self._set_status(detail={"media": MediaStatus.UNKNOWN.value})
        self._transport = self._make_transport()
        self._poller = PresencePoller(self.name, self.cfg.poll_interval_s, self.submit,
                                      self._poll)
        self._poller.start()
        self._card_reader()

    def _close(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        self._cancel_load()
        self._cancel_purchase()
        if self._transport is not None:
            self._transport.reset()
            self._transport = None

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        assert self._transport is not None
        reader = self._card_reader()
        report.check("reader", True, f"{reader} via {self._transport.kind}")
        if self.cfg.psam_reader:
            try:
                terminal = self._psam_terminal()
            except PsamError as exc:
                # A failed check, not a failed reader: citizen cards still read; only
                # purse purchases are off (the pay screen says so).
                report.check("psam", False, f"purse purchases unavailable: {exc}")
            else:
                report.check("psam", True, f"terminal {terminal.hex().upper()}")
        if level is HealthLevel.EXTERNAL:
            present = self._transport.card_present(reader)
            report.check("card", True, "present" if present else "no card")
            if present:
                card = self._with_card(read_citizen_card)
                report.check("read", True, card.card_type.value)

    def _poll(self) -> None:
        if self._transport is None:
            return
        try:
            reader = self._card_reader()
            present = self._transport.card_present(reader)
        except DeviceError as exc:
            if self.status.state is not self._state_for_error(exc):
                log.warning("%s: poll failed: %s", self.name, exc)
            self._transport.reset()
            self._set_status(self._state_for_error(exc), error_code=exc.code, reason=str(exc),
                             detail={"media": MediaStatus.UNKNOWN.value})
            return
        media = MediaStatus.PRESENT if present else MediaStatus.NOT_PRESENT
        if self.status.detail.get("media") != media.value:
            if present:
                self.statistics.increment("cards_detected")
            elif self._load is not None:
                log.warning("%s: card left with a load begun; abandoned", self.name)
                self._cancel_load()
            elif self._buy is not None:
                log.warning("%s: card left with a purchase begun; abandoned", self.name)
                self._cancel_purchase()
        if self.status.state not in (DeviceState.ONLINE, DeviceState.BUSY):
            self._set_status(DeviceState.ONLINE, error_code="",
                             reason=f"via {self._transport.kind}")
        self._set_status(detail={"media": media.value, **self._psam_detail()})

    def _psam_detail(self) -> dict[str, str]:
        """``psam`` (present / absent / fault / none) and ``psam_terminal`` for the status;
        the PSAM is read once per insertion (its terminal number does not change)."""
        if not self.cfg.psam_reader or self._transport is None:
            return {"psam": "none"}
        try:
            present = self._transport.card_present(self._psam_reader())
        except DeviceError:
            present = False
        if not present:
            self._psam_id = None
            return {"psam": "absent", "psam_terminal": "", "psam_error": ""}
        if self._psam_id is None:
            try:
                self._psam_id = self._read_psam_terminal()
            except (DeviceError, CardError) as exc:
                return {"psam": "fault", "psam_terminal": "", "psam_error": exc.code}
        return {"psam": "present", "psam_terminal": self._psam_id.hex().upper(),
                "psam_error": ""}

    def _read_psam_terminal(self) -> bytes:
        try:
            channel = self._connect(self._psam_reader())
        except DeviceError as exc:
            raise PsamError(f"PSAM: {exc}", device=self.name, code=exc.code) from exc
        try:
            return purse.psam_terminal_id(channel.transmit)
        except DeviceError as exc:
            raise PsamError(f"PSAM: {exc}", device=self.name, code=exc.code) from exc
        finally:
            channel.close()

    # -- card operations -------------------------------------------------------------------

    def _connect(self, reader: str) -> CardChannel:
        assert self._transport is not None
        return self._transport.connect(reader)

    def _guard(self, what: str, fn: Callable[[], T]) -> T:
        """Run a card operation, keeping status and statistics, mapping removal."""
        self._set_status(DeviceState.BUSY, reason=what)
        try:
            result = fn()
        except MediaError as exc:
            self.statistics.increment("read_failures")
            gone = isinstance(exc, CardRemovedError) or exc.message_key == "error.card.no_card"
            self._set_status(DeviceState.ONLINE, error_code=exc.code, reason=str(exc),
                             detail={"media": MediaStatus.NOT_PRESENT.value} if gone else None)
            raise
        except CardError as exc:
            self.statistics.increment("read_failures")
            self._set_status(DeviceState.ONLINE, error_code=exc.code, reason=str(exc))
            raise
        except DeviceError as exc:
            self._record_error(exc)
            if isinstance(exc, NoDeviceError) and self._transport is not None:
                self._transport.reset()
            raise
        self._set_status(DeviceState.ONLINE, error_code="", reason="")
        return result

    def _with_card(self, fn: Callable[[Callable[[bytes], bytes]], T]) -> T:
        """Run ``fn`` on a fresh connection; a card swapped just before we connected
        (stale reader state) gets one more try, a card pulled during ``fn`` does not."""
        for attempt in (1, 2):
            channel = self._connect_card()
            answered = False

            def transmit(apdu: bytes, channel: CardChannel = channel) -> bytes:
                nonlocal answered
                response = channel.transmit(apdu)
                answered = True
                return response

            try:
                return fn(transmit)
            except CardRemovedError:
                if answered or attempt == 2:
                    raise
                log.info("%s: card changed before the first answer; reconnecting", self.name)
            finally:
                channel.close()
        raise AssertionError("unreachable")

    def _read_card(self) -> CitizenCardData:
        card = self._guard("reading card", lambda: self._with_card(read_citizen_card))
        self.statistics.increment("cards_read")
        log.info("%s: read %s", self.name, card)
        return card

    def _purse_balance(self) -> int:
        def balance(transmit: Callable[[bytes], bytes]) -> int:
            purse.select_purse(transmit)
            return purse.get_balance(transmit)

        return self._guard("reading balance", lambda: self._with_card(balance))

    def _read_purse(self) -> PurseInfo:
        return self._guard("reading purse", lambda: self._with_card(purse.read_purse))

    def _begin_load(self, amount_fen: int, terminal_id: bytes) -> LoadRequest:
        self._cancel_load()

        def begin() -> LoadRequest:
            channel = self._connect(self._card_reader())
            try:
                purse.select_purse(channel.transmit)
                serial, _issuer, _info = purse.read_public_info(channel.transmit)
                request = purse.initialize_load(channel.transmit, serial, amount_fen,
                                                terminal_id)
            except DeviceError:
                channel.close()
                raise
            self._load = (channel, request)
            return request

        request = self._guard("beginning load", begin)
        log.info("%s: load of %d fen begun (online seq %d)", self.name, amount_fen,
                 request.online_seq)
        return request

    def _complete_load(self, mac2: bytes, when: datetime) -> LoadResult:
        pending, self._load = self._load, None
        if pending is None:
            raise DeviceError("no load begun", device=self.name, code="NO_LOAD",
                              message_key="error.card.load_failed")
        channel, request = pending

        def credit() -> LoadResult:
            try:
                return purse.credit_load(channel.transmit, request, mac2, when)
            finally:
                channel.close()

        result = self._guard("completing load", credit)
        self.statistics.increment("loads")
        log.info("%s: load complete, online seq %d", self.name, result.online_seq)
        return result

    def _transaction_proof(self, tx_type: int, seq: int) -> tuple[bytes, bytes | None]:
        def proof(transmit: Callable[[bytes], bytes]) -> tuple[bytes, bytes | None]:
            purse.select_purse(transmit)
            serial, _issuer, _info = purse.read_public_info(transmit)
            return serial, purse.transaction_proof(transmit, tx_type, seq)

        return self._guard("reading transaction proof", lambda: self._with_card(proof))

    def _cancel_load(self) -> None:
        pending, self._load = self._load, None
        if pending is not None:
            pending[0].close()

    def _purchase(self, amount_fen: int, when: datetime) -> PurchaseResult:
        def run() -> PurchaseResult:
            psam = self._connect(self._psam_reader())
            try:
                card = self._connect(self._card_reader())
                try:
                    purse.select_purse(card.transmit)
                    serial, _issuer, _info = purse.read_public_info(card.transmit)
                    return purse.purchase(card.transmit, psam.transmit, serial, amount_fen,
                                          when)
                finally:
                    card.close()
            finally:
                psam.close()

        result = self._guard("purchase", run)
        self.statistics.increment("purchases")
        return result

    # -- the purchase in two halves (the kiosk journals between them) -----------------

    def _psam_terminal(self) -> bytes:
        # Not through _guard: a missing PSAM is not a fault of the card reader.
        try:
            self._psam_id = self._read_psam_terminal()
        except PsamError as exc:
            self._psam_id = None
            self._set_status(detail={"psam": "fault", "psam_terminal": "",
                                     "psam_error": exc.code})
            raise
        self._set_status(detail={"psam": "present", "psam_error": "",
                                 "psam_terminal": self._psam_id.hex().upper()})
        return self._psam_id

    def _begin_purchase(self, amount_fen: int, when: datetime) -> PurchaseStart:
        self._cancel_purchase()

        def begin() -> PurchaseStart:
            terminal = self._read_psam_terminal()
            try:
                psam = self._connect(self._psam_reader())
            except DeviceError as exc:
                raise PsamError(f"PSAM: {exc}", device=self.name, code=exc.code) from exc
            try:
                card = self._connect(self._card_reader())
            except DeviceError:
                psam.close()
                raise
            try:
                purse.select_purse(card.transmit)
                serial, _issuer, _info = purse.read_public_info(card.transmit)
                init = purse.initialize_purchase(card.transmit, amount_fen, terminal)
                try:
                    terminal_seq, mac1 = purse.psam_mac1(psam.transmit, init, serial,
                                                         amount_fen, when)
                except DeviceError as exc:
                    raise PsamError(f"PSAM: {exc}", device=self.name, code=exc.code) from exc
            except DeviceError:
                card.close()
                psam.close()
                raise
            start = PurchaseStart(card_serial=serial, amount=amount_fen,
                                  old_balance=init.balance,
                                  offline_seq=int.from_bytes(init.offline_seq, "big"),
                                  terminal_id=terminal, terminal_seq=terminal_seq, when=when)
            self._buy = (card, psam, start, mac1)
            return start

        start = self._guard("beginning purchase", begin)
        log.info("%s: purchase of %d fen begun (offline seq %d, terminal seq %s)", self.name,
                 amount_fen, start.offline_seq, start.terminal_seq.hex())
        return start

    def _complete_purchase(self) -> PurchaseDebit:
        pending, self._buy = self._buy, None
        if pending is None:
            raise DeviceError("no purchase begun", device=self.name, code="NO_PURCHASE",
                              message_key="error.card.purchase_failed")
        card, psam, start, mac1 = pending

        def debit() -> PurchaseDebit:
            try:
                tac, mac2 = purse.debit_purchase(card.transmit, start.terminal_seq, mac1,
                                                 start.when)
            finally:
                card.close()
            try:
                verified = purse.psam_verify_mac2(psam.transmit, mac2)
            except (DeviceError, CardError) as exc:
                log.warning("%s: the PSAM did not check MAC2 (%s)", self.name, exc.code)
                verified = False
            finally:
                psam.close()
            return PurchaseDebit(tac=tac, mac2=mac2, mac2_verified=verified)

        result = self._guard("debiting purchase", debit)
        self.statistics.increment("purchases")
        log.info("%s: purchase debited (offline seq %d)%s", self.name, start.offline_seq,
                 "" if result.mac2_verified else "; MAC2 NOT verified by the PSAM")
        return result

    def _cancel_purchase(self) -> None:
        pending, self._buy = self._buy, None
        if pending is not None:
            pending[0].close()
            pending[1].close()

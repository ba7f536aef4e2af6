"""The citizen-card purse purchase (消费) of a pay step, with the PSAM in the second slot.

INITIALIZE FOR PURCHASE (balance, offline sequence, random) -> the PSAM's MAC1 -> the
QR order closed (so the resident's phone cannot pay it too) -> DEBIT FOR PURCHASE (the
card takes the money: TAC + MAC2) -> MAC2 checked by the PSAM -> the TAC uploaded to
the backend, which checks it and marks the order paid. Each phase is committed to the
journal before the action after it (:class:`~kiosk.flow.purse_ports.PurchasePhase`):

* anything failing before DEBIT FOR PURCHASE went out: nothing was charged
  (``purchase_not_debited``); the resident is told so and may pay by QR code.
* DEBIT sent, answer lost (card pulled): only the card knows. :class:`PurchaseUnresolved`
  ("put the card back"); on the card's next insert GET TRANSACTION PROOF for the offline
  sequence answers: TAC (debited: uploaded, the service delivered) or nothing (never
  debited: nothing charged). :mod:`kiosk.flow.purse_recovery` does the same after a
  restart or when the resident has left.
* debited, upload unanswered: the TAC is in the journal; the upload is repeated
  (idempotent, keyed by card and offline sequence) until the backend has it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from card.errors import StatusWordError
from kiosk.flow.ports import FlowPorts
from kiosk.flow.purse_ports import (
    CARD_SESSION,
    PURCHASE_FINAL,
    PurchaseEntry,
    PurchaseLedgerPort,
    PurchasePhase,
)
from kiosk_base.errors import DeviceError, UserFacingError
from kiosk_base.masking import mask_id_number

log = logging.getLogger(__name__)
P = PurchasePhase


class PurchaseUnresolved(UserFacingError):
    """DEBIT FOR PURCHASE went out and its answer did not come back."""

    def __init__(self, cause: BaseException | None = None) -> None:
        super().__init__("purse.card_pulled", cause=cause)


class MemoryPurchaseLedger:
    """A ledger in memory, for ports built without one (unit tests)."""

    def __init__(self) -> None:
        self.entries: dict[str, PurchaseEntry] = {}

    def record_purchase(self, entry: PurchaseEntry) -> None:
        self.entries[entry.key] = entry

    def open_purchases(self) -> list[PurchaseEntry]:
        return [e for e in self.purchases() if e.phase not in PURCHASE_FINAL]

    def purchases(self) -> list[PurchaseEntry]:
        return list(self.entries.values())


_MEMORY: dict[int, MemoryPurchaseLedger] = {}
_live_lock = threading.Lock()
#: Purchases a running pay step still owns: the purse recovery leaves them alone.
_live: set[str] = set()


def is_live(key: str) -> bool:
    with _live_lock:
        return key in _live


def any_live() -> bool:
    """A pay step is paying from the purse now (the card is in a purchase session)."""
    with _live_lock:
        return bool(_live)


def purchase_ledger(ports: FlowPorts) -> PurchaseLedgerPort:
    if ports.purchase_ledger is not None:
        return ports.purchase_ledger
    return _MEMORY.setdefault(id(ports), MemoryPurchaseLedger())


@dataclass(frozen=True)
class PurchaseOutcome:
    entry: PurchaseEntry
    new_balance_fen: int

    def lines(self, lang: str) -> tuple[tuple[str, str], ...]:
        """What the result screen and the receipt say about the payment."""
        en = lang == "en"
        return (
            ("Paid with" if en else "支付方式",
             "citizen card purse" if en else "市民卡电子钱包"),
            ("Card" if en else "卡号", mask_id_number(self.entry.card_serial)),
            ("TAC" if en else "交易认证码(TAC)", self.entry.tac),
            ("Card balance" if en else "卡内余额", _yuan(self.new_balance_fen)),
        )


class CardPurchase:
    """The purse purchases of one pay step (one at a time); survives a failed run: after
    :class:`PurchaseUnresolved` (or an unanswered upload) ``resume()`` settles it."""

    def __init__(self, ports: FlowPorts, await_: Callable[..., Any]) -> None:
        self.ports = ports
        self._await = await_
        self._attempt = 0
        #: The purchase left in doubt (DEBITING: ask the card; DEBITED: upload), if any.
        self.pending: PurchaseEntry | None = None

    def release(self) -> None:
        """The pay step is over: what is still open belongs to the purse recovery."""
        if self.pending is not None:
            with _live_lock:
                _live.discard(self.pending.key)

    def run(self, order_id: str, amount_fen: int, now: datetime,
            close_order: Callable[[], bool]) -> PurchaseOutcome | None:
        """Pay ``order_id`` from the purse. ``close_order()`` closes the QR order and
        answers False when it turned out paid already (by QR): then nothing is debited
        and None is returned."""
        if self.ports.card_purse is None or self.ports.purchases is None:
            raise UserFacingError("purse.psam_unavailable")
        self._attempt += 1
        key = f"{order_id}/{self._attempt}"
        with _live_lock:
            _live.add(key)
        try:
            with CARD_SESSION:
                return self._run(key, order_id, amount_fen, now, close_order)
        finally:
            if self.pending is None or self.pending.key != key:
                with _live_lock:  # settled (or never charged): nothing left in doubt
                    _live.discard(key)

    def _run(self, key: str, order_id: str, amount_fen: int, now: datetime,
             close_order: Callable[[], bool]) -> PurchaseOutcome | None:
        card, ledger = self.ports.card_purse, purchase_ledger(self.ports)
        assert card is not None
        self._settle_earlier(ledger)
        entry = PurchaseEntry(key=key, order_id=order_id, phase=P.INTENT,
                              amount_fen=amount_fen)
        ledger.record_purchase(entry)
        try:
            started = self._await(card.begin_purchase(amount_fen, now))
        except (DeviceError, UserFacingError):
            ledger.record_purchase(entry.at(P.NOT_DEBITED))
            raise
        try:
            open_for_purse = close_order()
        except BaseException:
            self._await(card.cancel_purchase())
            ledger.record_purchase(entry.at(P.NOT_DEBITED))
            raise
        if not open_for_purse:
            self._await(card.cancel_purchase())
            ledger.record_purchase(entry.at(P.NOT_DEBITED))
            return None
        entry = entry.at(P.DEBITING, card_serial=started.card_serial,
                         old_balance_fen=started.old_balance_fen,
                         offline_seq=started.offline_seq,
                         terminal_number=started.terminal_number,
                         terminal_seq=started.terminal_seq,
                         tx_datetime=started.when.strftime("%Y%m%d%H%M%S"))
        ledger.record_purchase(entry)
        try:
            debit = self._await(card.complete_purchase())
        except StatusWordError as exc:
            # The card answered with a refusal: it did not debit.
            ledger.record_purchase(entry.at(P.NOT_DEBITED))
            raise UserFacingError("purse.not_charged", cause=exc) from exc
        except DeviceError as exc:
            if exc.code == "NO_PURCHASE":  # the reader had dropped it: DEBIT never sent
                ledger.record_purchase(entry.at(P.NOT_DEBITED))
                raise UserFacingError("purse.not_charged", cause=exc) from exc
            log.warning("purchase: no answer to DEBIT FOR PURCHASE; the card's record decides")
            self.pending = entry
            raise PurchaseUnresolved(exc) from exc
        if not debit.mac2_verified:
            log.warning("purchase: the PSAM did not accept the card's MAC2; the backend's "
                        "TAC check decides")
        entry = entry.at(P.DEBITED, tac=debit.tac.hex().upper(), mac2=debit.mac2.hex().upper())
        ledger.record_purchase(entry)
        self.pending = entry
        return self._upload(entry, recovered=False)

    def _settle_earlier(self, ledger: PurchaseLedgerPort) -> None:
        """Ask the card about each purchase left in doubt (DEBITING) before it debits
        again. GET TRANSACTION PROOF answers for the card's last purchase only, by its
        offline sequence: after a new debit at the same sequence (the first never
        reached the card), the new debit's TAC would be taken for the old one's. An
        entry of another card is left for its card; one the card cannot answer for
        stops this purchase (nothing recorded, nothing charged)."""
        for other in ledger.open_purchases():
            if other.phase is not P.DEBITING or is_live(other.key):
                continue
            try:
                resolve_purchase(self.ports, other, self._await, upload=False)
            except UserFacingError as exc:
                if exc.message_key != "purse.other_card":
                    raise
                continue
            log.info("purchase %s: settled before the card's next debit", other.key)

    def resume(self) -> PurchaseOutcome | None:
        """Settle the pending purchase: the outcome when the card paid, None when it never
        debited (nothing charged). Raises while the card or the backend cannot tell yet."""
        entry = self.pending
        if entry is None:
            return None
        with CARD_SESSION:
            done = resolve_purchase(self.ports, entry, self._await, upload=False)
        if done is None:
            self.pending = None
            with _live_lock:
                _live.discard(entry.key)
            return None
        return self._upload(done, recovered=entry.phase is P.DEBITING)

    def _upload(self, entry: PurchaseEntry, *, recovered: bool) -> PurchaseOutcome:
        self.pending = entry
        recorded = upload_tac(self.ports, entry, self._await, recovered=recovered)
        self.pending = None
        with _live_lock:
            _live.discard(entry.key)
        return PurchaseOutcome(recorded, recorded.old_balance_fen - recorded.amount_fen)


def upload_tac(ports: FlowPorts, entry: PurchaseEntry, await_: Callable[..., Any], *,
           recovered: bool) -> PurchaseEntry:
    """Give the backend the TAC (idempotent); RECORDED, or NEEDS_STAFF when it refuses."""
    assert ports.purchases is not None
    ledger = purchase_ledger(ports)
    try:
        await_(ports.purchases.upload_purchase(entry, recovered=recovered), backend=True)
    except UserFacingError as exc:
        if exc.message_key == "purse.rejected":
            log.warning("purchase %s: the backend refused the card's TAC; staff", entry.key)
            ledger.record_purchase(entry.at(P.NEEDS_STAFF))
            raise UserFacingError("purse.needs_staff", cause=exc) from exc
        raise  # unreachable: the TAC stays in the journal, uploaded later
    done = entry.at(P.RECORDED)
    ledger.record_purchase(done)
    log.info("purchase %s: recorded by the backend", entry.key)
    return done


def resolve_purchase(ports: FlowPorts, entry: PurchaseEntry, await_: Callable[..., Any], *,
                     upload: bool = True) -> PurchaseEntry | None:
    """What became of a purchase left open: None when nothing was charged (recorded as
    NOT_DEBITED), else the DEBITED entry (or, with ``upload``, the RECORDED one).
    Raises (MediaError, UserFacingError) when the card or backend cannot answer now."""
    ledger = purchase_ledger(ports)
    if entry.phase is P.INTENT:  # DEBIT never went out
        ledger.record_purchase(entry.at(P.NOT_DEBITED))
        return None
    if entry.phase is P.DEBITING:
        if _sequence_reused(ledger, entry):
            # A later INITIALIZE FOR PURCHASE on this card was answered with the same
            # offline sequence: the card's counter had not moved, so this debit never
            # happened (and the card's proof for that sequence is the later one's).
            log.info("purchase %s: the card never debited it (its sequence was used again)",
                     entry.key)
            ledger.record_purchase(entry.at(P.NOT_DEBITED))
            return None
        card = ports.card_purse
        if card is None:
            raise UserFacingError("error.device.unavailable")
        serial, proof = await_(card.purchase_proof(entry.offline_seq))
        if serial.upper() != entry.card_serial.upper():
            raise UserFacingError("purse.other_card")
        if proof is None:
            log.info("purchase %s: the card never debited it", entry.key)
            ledger.record_purchase(entry.at(P.NOT_DEBITED))
            return None
        entry = entry.at(P.DEBITED, tac=proof[:4].hex().upper(), mac2=proof[4:8].hex().upper())
        ledger.record_purchase(entry)
        log.info("purchase %s: the card did debit it (TAC from GET TRANSACTION PROOF)",
                 entry.key)
    if upload:
        return upload_tac(ports, entry, await_, recovered=True)
    return entry


def current_purchase(ledger: PurchaseLedgerPort, entry: PurchaseEntry) -> PurchaseEntry | None:
    """The ledger's latest word on ``entry`` (another pass may have settled it since)."""
    return next((e for e in ledger.purchases() if e.key == entry.key), None)


def _sequence_reused(ledger: PurchaseLedgerPort, entry: PurchaseEntry) -> bool:
    """Whether a purchase begun after ``entry`` got the same card and offline sequence."""
    later = False
    for other in ledger.purchases():
        if other.key == entry.key:
            later = True
        elif later and other.phase is not P.INTENT and other.offline_seq == entry.offline_seq \
                and other.card_serial.upper() == entry.card_serial.upper():
            return True
    return False


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"

"""Refunds back to the citizen card (退款圈存): a purse-paid order refunded is owed to the
card that paid it (the backend keeps it by card serial and refund id) until a load puts
the money back. With the card in the reader (at once, or on its next insert at any
kiosk, in any session) each owed refund is loaded:

INITIALIZE FOR LOAD -> the backend's MAC2 for this refund and this load session (one at
a time per refund) -> CREDIT FOR LOAD (TAC) -> the TAC confirmed. Each phase
(:class:`~kiosk.flow.purse_ports.RefundPhase`) is committed to the journal before the
action after it, so a load cut off anywhere (card pulled, kiosk killed) is resolved on
the next pass, never credited twice:

* ``refund_intent``: nothing was asked of anyone: voided, loaded anew.
* ``refund_requested``: a MAC2 may exist, CREDIT FOR LOAD never went out (the card's
  load session died with its power): the MAC2 is voided at the backend, loaded anew.
* ``refund_crediting``: only the card knows. With that card in the reader, GET
  TRANSACTION PROOF for the load's online sequence answers: the TAC (credited: the TAC
  confirmed) or nothing (never credited: voided, loaded anew).
* ``refund_credited``: the card holds the money; the TAC is confirmed (no card needed).

See docs/purse_refund_states.md.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any

from kiosk.flow.ports import BackendUnreachableError, FlowPorts, ReceiptContent
from kiosk.flow.purse_ports import (
    REFUND_FINAL,
    LoadInitialisation,
    OwedRefund,
    RefundCredited,
    RefundLedgerPort,
    RefundLoadEntry,
    RefundPhase,
)
from kiosk_base.errors import DeviceError, UserFacingError
from kiosk_base.masking import mask_id_number

log = logging.getLogger(__name__)
R = RefundPhase


class MemoryRefundLedger:
    """A ledger in memory, for ports built without one (unit tests)."""

    def __init__(self) -> None:
        self.entries: dict[str, RefundLoadEntry] = {}

    def record_refund(self, entry: RefundLoadEntry) -> None:
        self.entries[entry.key] = entry

    def open_refunds(self) -> list[RefundLoadEntry]:
        return [e for e in self.entries.values() if e.phase not in REFUND_FINAL]


_MEMORY: dict[int, MemoryRefundLedger] = {}


def refund_ledger(ports: FlowPorts) -> RefundLedgerPort:
    if ports.refund_ledger is not None:
        return ports.refund_ledger
    return _MEMORY.setdefault(id(ports), MemoryRefundLedger())


def load_json(load: LoadInitialisation) -> str:
    return json.dumps({
        "card_serial": load.card_serial, "old_balance_fen": load.old_balance_fen,
        "online_seq": load.online_seq.hex(), "key_version": load.key_version,
        "algorithm_id": load.algorithm_id, "card_random": load.card_random.hex(),
        "mac1": load.mac1.hex(), "terminal_id": load.terminal_id.hex()}, sort_keys=True)


class RefundUnresolved(UserFacingError):
    """CREDIT FOR LOAD went out and its answer was lost: the card decides, next insert."""

    def __init__(self, cause: BaseException | None = None) -> None:
        super().__init__("refund.card_unsure", cause=cause)


class RefundLoader:
    """Loads the refunds owed to the card in the reader; settles loads left open.

    ``on_credited`` is told of each refund put back on the card (the resident is shown
    and told the amount); a receipt is printed for it."""

    def __init__(self, ports: FlowPorts, await_: Callable[..., Any], *,
                 on_credited: Callable[[RefundCredited], None] | None = None) -> None:
        self.ports = ports
        self._await = await_
        self.on_credited = on_credited

    @property
    def usable(self) -> bool:
        p = self.ports
        return p.citizen_card is not None and p.refund_card is not None \
            and p.card_refunds is not None

    def run(self, *, read_card: bool = True) -> list[RefundCredited]:
        """One pass: loads left open first (any card: those that need no card; this
        card's: from its record), then every refund the backend owes this card. Without
        ``read_card`` only loads left open are settled, and only when the card in the
        reader is needed for none of them that it is not read. Raises
        (UserFacingError, DeviceError) when the card or the backend cannot answer now."""
        if not self.usable:
            return []
        card = self.ports.citizen_card
        assert card is not None and self.ports.refund_card is not None
        open_loads = refund_ledger(self.ports).open_refunds()
        needs_card = read_card or any(e.phase is R.CREDITING for e in open_loads)
        if not open_loads and not read_card:
            return []
        serial = ""
        if needs_card and card.card_present:
            serial, _balance = self._await(self.ports.refund_card.purse_status())
            serial = serial.upper()
        done: list[RefundCredited] = []
        for entry in open_loads:
            if entry.phase is R.CREDITING and entry.card_serial.upper() != serial:
                continue  # only that card can tell: wait for it
            credited = self.resolve(entry)
            if credited is not None:
                done.append(self._told(credited, entry.card_serial.upper() == serial))
        if not serial or not read_card:
            return done
        assert self.ports.card_refunds is not None
        owed: list[OwedRefund] = self._await(self.ports.card_refunds.owed_refunds(serial),
                                             backend=True)
        for refund in owed:
            if refund.status != "owed":
                log.info("refund %s: a load is under way elsewhere; left to it",
                         refund.refund_id)
                continue
            done.append(self._told(self.load(refund, serial), True))
        return done

    def _told(self, credited: RefundCredited, here: bool) -> RefundCredited:
        log.info("refund %s: %d fen back on the card (TAC confirmed)", credited.refund_id,
                 credited.amount_fen)
        if here:
            self._print_receipt(credited)
            if self.on_credited is not None:
                self.on_credited(credited)
        return credited

    # -- one load ------------------------------------------------------------------------

    def load(self, refund: OwedRefund, serial: str) -> RefundCredited:
        card, backend = self.ports.citizen_card, self.ports.card_refunds
        assert card is not None and backend is not None
        ledger = refund_ledger(self.ports)
        entry = RefundLoadEntry(key=f"{refund.refund_id}/{uuid.uuid4().hex[:8]}",
                                refund_id=refund.refund_id, phase=R.INTENT,
                                amount_fen=refund.amount_fen, card_serial=serial)
        ledger.record_refund(entry)
        try:
            load: LoadInitialisation = self._await(card.initialize_for_load(refund.amount_fen))
        except (DeviceError, UserFacingError):
            ledger.record_refund(entry.at(R.VOIDED))
            raise
        if load.card_serial.upper() != serial:
            ledger.record_refund(entry.at(R.VOIDED))
            raise UserFacingError("topup.other_card")
        entry = entry.at(R.REQUESTED, old_balance_fen=load.old_balance_fen,
                         online_seq=int.from_bytes(load.online_seq, "big"),
                         load_json=load_json(load))
        ledger.record_refund(entry)
        try:
            auth = self._await(backend.load_refund(refund.refund_id, refund.amount_fen, load),
                               backend=True)
        except UserFacingError:
            self._void(entry)
            raise
        entry = entry.at(R.CREDITING, mac2=auth.mac2.hex().upper(),
                         host_datetime=f"{auth.when:%Y%m%d%H%M%S}")
        ledger.record_refund(entry)
        try:
            tac: bytes = self._await(card.credit_for_load(auth.mac2, auth.when))
        except (DeviceError, UserFacingError) as exc:
            if getattr(exc, "code", "") == "NO_LOAD":  # the session was gone: never sent
                self._void(entry)
                raise
            log.warning("refund %s: no answer to CREDIT FOR LOAD; the card's record decides",
                        refund.refund_id)
            raise RefundUnresolved(exc) from exc
        entry = entry.at(R.CREDITED, tac=tac.hex().upper())
        ledger.record_refund(entry)
        return self._confirm(entry, refund.order_id)

    def _void(self, entry: RefundLoadEntry) -> None:
        """This load never reached the card: its MAC2 (if any) void, the refund owed."""
        backend = self.ports.card_refunds
        assert backend is not None
        if entry.phase is not R.INTENT:
            try:
                self._await(backend.cancel_refund_load(entry.refund_id, entry.online_seq),
                            backend=True)
            except UserFacingError as exc:
                log.warning("refund %s: the load could not be voided yet (%s)",
                            entry.refund_id, exc.message_key)
                return
        refund_ledger(self.ports).record_refund(entry.at(R.VOIDED))
        log.info("refund %s: load voided; the refund stays owed", entry.refund_id)

    def _confirm(self, entry: RefundLoadEntry, order_id: str = "") -> RefundCredited:
        backend = self.ports.card_refunds
        assert backend is not None
        new_balance = entry.old_balance_fen + entry.amount_fen
        credited = RefundCredited(entry.refund_id, order_id, entry.card_serial,
                                  entry.amount_fen, new_balance, entry.tac)
        try:
            self._await(backend.confirm_refund(entry.refund_id, bytes.fromhex(entry.tac),
                                               new_balance), backend=True)
        except BackendUnreachableError:
            # The card holds the money; the TAC stays journaled, confirmed on a later pass.
            log.warning("refund %s: confirm got no answer; confirmed later", entry.refund_id)
            return credited
        except UserFacingError as exc:
            log.warning("refund %s: the backend refused the card's TAC (%s); staff",
                        entry.refund_id, exc.message_key)
            refund_ledger(self.ports).record_refund(entry.at(R.NEEDS_STAFF))
            return credited
        refund_ledger(self.ports).record_refund(entry.at(R.CONFIRMED))
        return credited

    def resolve(self, entry: RefundLoadEntry) -> RefundCredited | None:
        """Settle a load left open (see the module's list): the refund when the card was
        credited, None when this load never reached it (voided: loaded anew)."""
        if entry.phase in (R.INTENT, R.REQUESTED):
            self._void(entry)
            return None
        if entry.phase is R.CREDITING:
            card = self.ports.citizen_card
            assert card is not None
            serial, tac = self._await(card.load_proof(entry.online_seq))
            if serial.upper() != entry.card_serial.upper():
                raise UserFacingError("topup.other_card")
            if tac is None:
                log.info("refund %s: the card was never credited", entry.refund_id)
                self._void(entry)
                return None
            entry = entry.at(R.CREDITED, tac=bytes(tac).hex().upper())
            refund_ledger(self.ports).record_refund(entry)
            log.info("refund %s: the card was credited (TAC from GET TRANSACTION PROOF)",
                     entry.refund_id)
        return self._confirm(entry)

    def _print_receipt(self, credited: RefundCredited) -> None:
        printer = self.ports.receipt_printer
        if printer is None:
            return
        lang = "zh"
        words = RECEIPT_WORDS[lang]
        content = ReceiptContent(
            service_title=words[0], language=lang, amount_fen=credited.amount_fen,
            reference=credited.refund_id, order_id=credited.order_id,
            lines=receipt_lines(credited, "zh") + receipt_lines(credited, "en")[:1])
        def printed(f: Future[None]) -> None:
            if f.exception() is not None:  # it stays in the print journal, printed later
                log.warning("refund: receipt not printed: %s", type(f.exception()).__name__)

        printer.print_receipt(content, lambda _f: None).add_done_callback(printed)


RECEIPT_WORDS = {
    "zh": ("退款已退回市民卡 Refund to card", "退回金额", "卡号", "交易认证码(TAC)", "卡内余额",
           "时间"),
    "en": ("Refund to card", "Returned to the card", "Card", "TAC", "Card balance", "Time"),
}


def receipt_lines(credited: RefundCredited, lang: str) -> tuple[tuple[str, str], ...]:
    w = RECEIPT_WORDS[lang]
    return ((w[1], _yuan(credited.amount_fen)), (w[2], mask_id_number(credited.card_serial)),
            (w[3], credited.tac), (w[4], _yuan(credited.new_balance_fen)),
            (w[5], f"{datetime.now():%Y-%m-%d %H:%M}"))


def _yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"

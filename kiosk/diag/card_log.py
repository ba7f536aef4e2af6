"""``kiosk-diag payments --card-log``: a live read of the citizen card's own transaction
log (the purse's detail records, SFI 0x18, newest first) beside what this kiosk's payment
journal holds about each record (a load, a purchase, a refund loaded back), so staff can
see what the card says rather than only what the kiosk wrote down."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from backend_client.journal import PaymentJournal
from backend_client.payment_staff import mask_card_number
from card import pboc
from card.citizen import PurseInfo
from drivers.pcsc.reader import PcscCardReader
from drivers.status import DeviceState
from kiosk.diag import exitcodes
from kiosk.diag.common import print_json
from kiosk_base.errors import DeviceError, MediaError

TYPES = {pboc.TX_EP_LOAD: "load", pboc.TX_EP_PURCHASE: "purchase",
         pboc.TX_ED_LOAD: "ed_load", pboc.TX_ED_PURCHASE: "ed_purchase"}


def _journaled(journal: PaymentJournal, serial: str) -> list[dict[str, Any]]:
    """What the journal holds about this card's purse operations (kind, seq, amount)."""
    out: list[dict[str, Any]] = []
    for key, _ref, phase, raw in journal.purchase_rows(open_only=False):
        body = json.loads(raw)
        if str(body.get("card_serial", "")).upper() == serial:
            out.append({"kind": "purchase", "entry": f"purchase:{key}", "phase": phase,
                        "seq": int(body.get("offline_seq", -1)),
                        "amount_fen": int(body.get("amount_fen", 0))})
    for key, refund_id, phase, raw in journal.refund_load_rows(open_only=False):
        body = json.loads(raw)
        if str(body.get("card_serial", "")).upper() == serial:
            out.append({"kind": "refund_load", "entry": f"refund:{key}", "phase": phase,
                        "refund_id": refund_id, "seq": int(body.get("online_seq", -1)),
                        "amount_fen": int(body.get("amount_fen", 0))})
    for key, topup_id, phase, body in journal.loads() + _all_loads(journal):
        if str(body.get("card_serial", "")).upper() == serial:
            out.append({"kind": "topup", "entry": f"topup:{key}", "phase": phase,
                        "topup_id": topup_id, "seq": int(body.get("online_seq", -1)),
                        "amount_fen": int(body.get("amount_fen", 0))})
    return out


def _all_loads(journal: PaymentJournal) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    """The settled loads too (journal.loads() without arguments lists the open ones)."""
    seen: list[tuple[str, str | None, str, dict[str, Any]]] = []
    for entry in journal.entries(kind="topup"):
        seen += journal.loads(row_key=entry.order_id.removeprefix("topup:"))
    return [r for r in seen if r[2] in ("confirmed", "cancelled", "refunded")]


def card_log(purse: PurseInfo, journal: PaymentJournal) -> dict[str, Any]:
    serial = purse.serial.upper()
    known = _journaled(journal, serial)
    records = []
    for t in purse.transactions:
        kind = TYPES.get(t.tx_type, f"type_{t.tx_type:02x}")
        loads = ("topup", "refund_load") if kind == "load" else ("purchase",)
        # A record carries the sequence number after the transaction (or the one it used).
        match = [k for k in known if k["kind"] in loads and k["amount_fen"] == t.amount
                 and t.seq in (k["seq"], k["seq"] + 1)]
        records.append({"seq": t.seq, "type": kind, "amount_fen": t.amount,
                        "terminal": t.terminal_id,
                        "when": t.when.isoformat() if t.when else None,
                        "journal": match[0] if match else None})
    return {"ok": True, "card_number": mask_card_number(serial), "balance_fen": purse.balance,
            "records": records,
            "journal_only": [k for k in known if k["phase"] in (
                "purchase_debiting", "refund_crediting", "crediting")]}


def run(args: argparse.Namespace, journal: PaymentJournal) -> int:
    reader = PcscCardReader("card_reader", PcscCardReader.Settings(
        reader=args.reader, poll_interval_s=0.3))
    try:
        status = reader.open(timeout=30)
        if status.state not in (DeviceState.ONLINE, DeviceState.BUSY):
            print_json({"ok": False, "error": status.reason or str(status.state)})
            return exitcodes.DEVICE_ERROR
        deadline = time.monotonic() + args.timeout
        while True:
            try:
                purse = reader.read_purse().result(60)
                break
            except MediaError as exc:
                if time.monotonic() >= deadline:
                    print_json({"ok": False, "error": "no card", "message_key": exc.message_key})
                    return exitcodes.NO_MEDIA
                time.sleep(0.3)
            except DeviceError as exc:
                print_json({"ok": False, "error": str(exc), "message_key": exc.message_key})
                return exitcodes.DEVICE_ERROR
        print_json(card_log(purse, journal))
        return exitcodes.OK
    finally:
        reader.close()

"""The purse ledger over the payment journal (backend_client/journal.py).

All the kiosk's journal-touching code of the purse operations is here: each top-up is a
row of the journal's ``topups`` table, keyed by order and card load session (a voided
load of an order and its new load are two rows), its phase in ``state``. Ids, amounts
and MACs only; no personal data.
"""

from __future__ import annotations

import json
import sqlite3

from backend_client.journal import PaymentJournal
from kiosk.flow.purse_ports import LOAD_FINAL, LoadEntry, LoadPhase


def _row_key(entry: LoadEntry) -> str:
    return f"{entry.order_id}/{entry.online_seq}/{json.loads(entry.request_json)['card_random']}"


class JournalPurseLedger:
    """Implements the flow's PurseLedgerPort."""

    def __init__(self, journal: PaymentJournal) -> None:
        self.journal = journal

    def record_load(self, entry: LoadEntry) -> None:
        body = json.dumps({"order_id": entry.order_id, "card_serial": entry.card_serial,
                           "amount_fen": entry.amount_fen,
                           "old_balance_fen": entry.old_balance_fen,
                           "online_seq": entry.online_seq, "request": entry.request_json})
        self.journal.record_topup(_row_key(entry), entry.phase.value, body,
                                  entry.topup_id or None)

    def open_loads(self) -> list[LoadEntry]:
        final = tuple(p.value for p in LOAD_FINAL)
        marks = ",".join("?" for _ in final)
        # The journal's own reader lists no request bodies; read them alongside.
        with sqlite3.connect(self.journal.path) as conn:
            rows = conn.execute(
                "SELECT topup_id, state, request_json FROM topups"
                f" WHERE state NOT IN ({marks}) ORDER BY rowid", final).fetchall()
        out = []
        for topup_id, state, raw in rows:
            d = json.loads(raw)
            out.append(LoadEntry(order_id=d["order_id"], phase=LoadPhase(state),
                                 card_serial=d["card_serial"], amount_fen=d["amount_fen"],
                                 old_balance_fen=d["old_balance_fen"],
                                 online_seq=d["online_seq"], topup_id=topup_id or "",
                                 request_json=d["request"]))
        return out

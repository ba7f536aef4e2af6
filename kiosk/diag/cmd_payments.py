"""``kiosk-diag payments``: payment journal entries that need a person, and actions.

    kiosk-diag payments                       # entries needing a person (JSON), backend's view
    kiosk-diag payments --stuck-after 0       # ... counting every unfinished entry as stuck
    kiosk-diag payments --all                 # every journal entry
    kiosk-diag payments --retry ORDER --staff ID
    kiosk-diag payments --refund ORDER --staff ID [--note TEXT]
    kiosk-diag payments --resolve ORDER --staff ID --note TEXT
    kiosk-diag payments --card-log [--reader NAME]  # the card's own transaction log, live

Actions are journaled with the actor ``staff:ID`` (kept in the journal's transitions) and
appended to the staff audit file (``<state_dir>/audit/staff-audit.jsonl``). A purse
operation (a card load, the order paying it) is listed with the card's facts: its number
masked, the balance before, the load's online sequence and what the card's record says.
Exits 0 on success, 1 when an action was refused, 2 on bad arguments, 4 when the
backend cannot be reached.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from backend_client.client import BackendClient
from backend_client.errors import BackendError
from backend_client.journal import PaymentJournal
from backend_client.payment_staff import STUCK_AFTER, Action, act, describe, needing_person
from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json
from kiosk.staff_access import StaffGate


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("payments", help="payments that need a person; retry, refund, resolve",
                       description=__doc__)
    p.add_argument("--all", action="store_true", help="list every journal entry")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--retry", metavar="ORDER", help="settle the entry with the backend again")
    what.add_argument("--refund", metavar="ORDER", help="refund a paid, undelivered order")
    what.add_argument("--resolve", metavar="ORDER", help="mark settled outside the kiosk")
    p.add_argument("--staff", metavar="ID", help="who acts (required for an action)")
    p.add_argument("--note", default="", help="why (required for --resolve)")
    p.add_argument("--offline", action="store_true", help="do not ask the backend")
    p.add_argument("--card-log", action="store_true",
                   help="read the card's transaction log (PC/SC) beside the journal")
    p.add_argument("--reader", default="", help="--card-log: reader name (substring)")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="--card-log: seconds to wait for a card")
    p.add_argument("--stuck-after", type=float, default=STUCK_AFTER.total_seconds() / 60,
                   metavar="MINUTES", help="list unfinished entries untouched this long "
                   "(default %(default)g)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    journal = PaymentJournal(config.state_dir / "payments.sqlite")
    action: tuple[Action, str] | None = None
    for name in ("retry", "refund", "resolve"):
        if getattr(args, name):
            action = (name, getattr(args, name))
    if action is not None and (not args.staff or (action[0] == "resolve" and not args.note)):
        print_json({"ok": False, "error": "an action needs --staff (and --resolve a --note)"})
        return exitcodes.USAGE
    stuck = timedelta(minutes=max(0.0, args.stuck_after))
    if args.card_log:
        from kiosk.diag import card_log

        try:
            return card_log.run(args, journal)
        finally:
            journal.close()
    try:
        if args.offline and action is None:
            entries = journal.entries() if args.all else needing_person(journal, stuck_after=stuck)
            print_json({"ok": True, "entries": [describe(e, journal, None) for e in entries]})
            return exitcodes.OK
        settings = config.backend
        with BackendClient(settings, config.terminal_id, config.state_dir) as client:
            if action is not None:
                result = act(client, journal, action[1], action[0], args.staff, args.note)
                StaffGate(config.ui.staff_pin_hash, config.state_dir).audit(
                    "payment_action", via="kiosk-diag", staff=args.staff, action=action[0],
                    entry=action[1], ok=bool(result["ok"]),
                    outcome=result.get("state") or result.get("error", ""))
                print_json(result)
                return exitcodes.OK if result["ok"] else exitcodes.FAILED
            entries = journal.entries() if args.all else needing_person(journal, stuck_after=stuck)
            print_json({"ok": True, "entries": [describe(e, journal, client) for e in entries]})
            return exitcodes.OK
    except BackendError as exc:
        print_json({"ok": False, "error": str(exc), "message_key": exc.message_key})
        return exitcodes.DEVICE_ERROR
    finally:
        journal.close()

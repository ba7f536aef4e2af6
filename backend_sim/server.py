"""``kiosk-backend-sim``: the reference backend on its own, and its operator commands.

    kiosk-backend-sim --port 8600 --db /var/lib/govkiosk/backend.sqlite
    kiosk-backend-sim --database-url postgresql+psycopg://...   # a fleet's database
    kiosk-backend-sim --simulation ...       # also mount /sim (phone payments, faults)

    kiosk-backend-sim enrol-code --terminal SZ-NS-0007 [--ttl 86400] --db ...
    kiosk-backend-sim revoke --terminal SZ-NS-0007 --db ...
    kiosk-backend-sim audit [--terminal SZ-NS-0007] --db ...

Serves the contract under /v1 (its OpenAPI at /v1/openapi.json); the simulation API
under /sim only with --simulation. A kiosk enrols with a one-time code issued for its
terminal id: ``kiosk-diag backend enroll --code CODE``. An enrolled terminal cannot
enrol again until it is revoked; every issue, enrolment and revocation is audited.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from backend_sim import enrolment
from backend_sim.embedded import BackendServer, load_state

OPERATOR_COMMANDS = ("enrol-code", "revoke", "audit")


def _add_database(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, default=Path("backend-sim.sqlite"),
                       help="SQLite file (created and seeded if missing)")
    where.add_argument("--database-url", help="SQLAlchemy URL instead of --db")


def _url(args: argparse.Namespace) -> str:
    return str(args.database_url or f"sqlite:///{args.db}")


def operator(argv: Sequence[str]) -> int:
    """The operator commands: issue an enrolment code, revoke a terminal, read the audit."""
    parser = argparse.ArgumentParser(prog="kiosk-backend-sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    issue = sub.add_parser("enrol-code", help="issue a one-time enrolment code for a terminal")
    issue.add_argument("--terminal", required=True, help="the terminal id the code is for")
    issue.add_argument("--ttl", type=float, default=enrolment.DEFAULT_CODE_TTL_S,
                       help="seconds the code stays valid (default one day)")
    revoke = sub.add_parser("revoke", help="remove a terminal's key (it may enrol again)")
    revoke.add_argument("--terminal", required=True)
    trail = sub.add_parser("audit", help="print the enrolment audit trail")
    trail.add_argument("--terminal", default=None)
    for p in (issue, revoke, trail):
        _add_database(p)
    args = parser.parse_args(argv)
    state = load_state(_url(args))
    try:
        if args.command == "enrol-code":
            if args.ttl <= 0:
                parser.error("--ttl must be positive")
            code, expires = enrolment.issue_code(state, args.terminal, args.ttl)
            print(f"enrolment code for {args.terminal}: {code} (valid until {expires.isoformat()})")
            return 0
        if args.command == "revoke":
            if enrolment.revoke(state, args.terminal):
                print(f"terminal {args.terminal} revoked")
                return 0
            print(f"terminal {args.terminal} is not enrolled", file=sys.stderr)
            return 1
        for row in enrolment.audit_trail(state, args.terminal):
            print(f"{row.at}  {row.terminal_id:<20} {row.action:<18} {row.detail}")
        return 0
    finally:
        state.engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in OPERATOR_COMMANDS:
        return operator(argv)
    parser = argparse.ArgumentParser(prog="kiosk-backend-sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8600, help="port (0: any free port)")
    _add_database(parser)
    parser.add_argument("--auto-pay-after", type=float, default=None, metavar="S",
                        help="demo: treat payment orders as paid S seconds after creation")
    parser.add_argument("--simulation", action="store_true",
                        help="mount the /sim routes (simulated phone, fault injection): "
                        "demos and tests only, never in service")
    parser.add_argument("--start-on-stdin", action="store_true",
                        help="imported, wait for a line on stdin before opening the database "
                        "(the kiosk spawns its embedded backend before it has read its "
                        "config); end of input: exit")
    args = parser.parse_args(argv)
    if args.start_on_stdin and not sys.stdin.readline():
        return 0
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    state = load_state(_url(args), auto_pay_after_s=args.auto_pay_after,
                       simulation=args.simulation)
    server = BackendServer(state, args.host, args.port)
    server.start()
    mode = " (simulation mode: /sim mounted)" if args.simulation else ""
    print(f"kiosk-backend-sim listening on {server.base_url}{mode}", flush=True)
    try:
        server._thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``kiosk-backend-sim``: the reference backend on its own.

    kiosk-backend-sim --port 8600 --db /var/lib/govkiosk/backend.sqlite
    kiosk-backend-sim --database-url postgresql+psycopg://...   # a fleet's database

Serves the contract under /v1 (its OpenAPI at /v1/openapi.json) and the simulation API
under /sim. Kiosks enrol with ``kiosk-diag backend enroll --code REFERENCE-ENROL``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from backend_sim.embedded import BackendServer, load_state


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk-backend-sim", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8600, help="port (0: any free port)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", type=Path, default=Path("backend-sim.sqlite"),
                       help="SQLite file (created and seeded if missing)")
    where.add_argument("--database-url", help="SQLAlchemy URL instead of --db")
    parser.add_argument("--auto-pay-after", type=float, default=None, metavar="S",
                        help="demo: treat payment orders as paid S seconds after creation")
    parser.add_argument("--enrollment-code", default=None, help="code terminals enrol with")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    url = args.database_url or f"sqlite:///{args.db}"
    state = load_state(url, auto_pay_after_s=args.auto_pay_after)
    if args.enrollment_code:
        state.enrollment_code = args.enrollment_code
    server = BackendServer(state, args.host, args.port)
    server.start()
    print(f"kiosk-backend-sim listening on {server.base_url}", flush=True)
    try:
        server._thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

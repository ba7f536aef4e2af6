"""``kiosk-diag backend``: check and enrol the connection to the service platform.

    kiosk-diag backend ping                 # health + a signed call (catalog)
    kiosk-diag backend enroll --code CODE   # make and register this terminal's key
    kiosk-diag backend outbox [--flush]     # submissions waiting for the backend
    kiosk-diag backend ping --embedded      # start the reference backend and ping it
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from backend_client.client import CREDENTIALS_FILE, BackendClient
from backend_client.enrollment import enroll_terminal
from backend_client.errors import BackendError
from backend_client.outbox import Outbox
from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "backend", help="ping, enrol with, or flush the outbox of the backend",
        description=(
            "Talk to the configured backend. Exits 0 on success, 1 when the backend "
            "answered but a check failed, 4 when it cannot be reached or refused the call."
        ),
    )
    p.add_argument("action", choices=("ping", "enroll", "outbox"))
    p.add_argument("--url", help="backend base URL (default: from the config)")
    p.add_argument("--code", help="enroll: the enrolment code from the platform")
    p.add_argument("--embedded", action="store_true",
                   help="start the reference backend in-process (on loopback) and use it")
    p.add_argument("--flush", action="store_true", help="outbox: send what is waiting")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    state_dir = config.state_dir
    settings = config.backend
    embedded = None
    url: str | None = args.url
    if args.embedded or (url is None and settings.url == "embedded"):
        from backend_sim.embedded import start_embedded

        tmp = Path(tempfile.mkdtemp(prefix="kiosk-diag-backend-"))
        embedded = start_embedded(tmp / "backend.sqlite", tmp, terminal_id=config.terminal_id)
        url, state_dir = embedded.url, tmp
    url = url or settings.url
    result: dict[str, object] = {"url": url, "terminal_id": config.terminal_id}
    try:
        if args.action == "enroll":
            if not args.code:
                print("enroll needs --code")
                return exitcodes.USAGE
            path = settings.credentials or state_dir / CREDENTIALS_FILE
            enroll_terminal(settings, url, config.terminal_id, args.code, path)
            result["credentials"] = str(path)
            code = exitcodes.OK
        else:
            with BackendClient(settings, config.terminal_id, state_dir, base_url=url) as client:
                if args.action == "ping":
                    health = client.health()
                    catalog = client.catalog()
                    result.update(api_version=health.api_version, services=len(catalog.services))
                    code = exitcodes.OK if catalog.services else exitcodes.FAILED
                else:
                    outbox = Outbox(settings.outbox or state_dir / "outbox.sqlite")
                    if args.flush:
                        result["delivered"] = outbox.flush(client)
                    result["pending"] = outbox.pending_count()
                    result["dead"] = len(outbox.entries("dead"))
                    outbox.close()
                    code = exitcodes.OK
        result["ok"] = code == exitcodes.OK
    except BackendError as exc:
        result.update(ok=False, error=str(exc), message_key=exc.message_key)
        code = exitcodes.DEVICE_ERROR
    finally:
        if embedded is not None:
            embedded.stop()
    if args.json:
        print_json(result)
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return code

"""``kiosk-diag selftest``: health checks of one device or all of them."""

from __future__ import annotations

import argparse

from drivers.health import HealthLevel
from kiosk.devices import build_registry
from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "selftest",
        help="run device health checks",
        description=(
            "Run health checks: 'internal' talks to the device without physical action; "
            "'external' makes one (a test print, a card read, a frame grab). Exits 0 "
            "when every check passes, 1 when one fails."
        ),
    )
    p.add_argument("device", nargs="?", help="device role (default: every device)")
    p.add_argument(
        "--level", choices=[lvl.value for lvl in HealthLevel], default="internal"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    roles = [args.device] if args.device else None
    registry = build_registry(config, roles)
    if args.device and args.device not in registry:
        print(f"kiosk-diag: no device {args.device!r}; configured: "
              f"{', '.join(build_registry(config).roles())}")
        return exitcodes.USAGE
    level = HealthLevel(args.level)
    try:
        registry.open_all()
        results = [device.check_health(level) for device in registry]
    finally:
        registry.close_all()
    ok = all(r.ok for r in results)
    if args.json:
        print_json({"level": level.value, "ok": ok, "results": [r.to_dict() for r in results]})
    else:
        for r in results:
            print(f"{'PASS' if r.ok else 'FAIL'}  {r.device:<16} {r.summary}")
            for name, check_ok, detail in r.checks:
                print(f"      {'ok ' if check_ok else 'BAD'} {name}: {detail}")
    return exitcodes.OK if ok else exitcodes.FAILED

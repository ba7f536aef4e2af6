"""``kiosk-diag devices``: the configured devices with their state and status."""

from __future__ import annotations

import argparse

from drivers.health import HealthLevel
from kiosk.devices import build_registry
from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "devices",
        help="list the configured devices with their state and status",
        description=(
            "Open every configured device (simulators included), print its state, family "
            "status, statistics and active simulator faults, then close it. Exits 0 when "
            "every device is online, 1 otherwise."
        ),
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--inject",
        action="append",
        default=[],
        metavar="ROLE:FAULT",
        help="inject a fault into a simulated device before reporting (repeatable)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    registry = build_registry(config)
    try:
        registry.open_all()
        for item in args.inject:
            role, _, fault = item.partition(":")
            device = registry.get(role)
            sim = device.simulator if device is not None else None
            if device is None or sim is None:
                print(f"kiosk-diag: {role} is not a simulated device")
                return exitcodes.USAGE
            sim.inject(fault)
            # Some devices learn their status only when asked (a printer's paper sensor):
            # an internal health check asks, without any physical action.
            device.check_health(HealthLevel.INTERNAL)
        rows = [device.describe() for device in registry]
    finally:
        registry.close_all()
    ok = all(r["status"]["state"] == "online" for r in rows)  # type: ignore[index]
    if args.json:
        print_json({"terminal_id": config.terminal_id, "devices": rows, "all_online": ok})
    else:
        print(f"terminal {config.terminal_id}")
        for r in rows:
            status = r["status"]
            assert isinstance(status, dict)
            detail = ", ".join(f"{k}={v}" for k, v in status["detail"].items())
            faults = ", ".join(r["faults"]) if r["faults"] else ""  # type: ignore[arg-type]
            line = f"  {r['name']:<16} {status['state']:<15} {r['implementation']}"
            if detail:
                line += f"  [{detail}]"
            if status["reason"]:
                line += f"  ({status['reason']})"
            if faults:
                line += f"  faults: {faults}"
            print(line)
    return exitcodes.OK if ok else exitcodes.FAILED

"""``kiosk-diag commission``: the technician's acceptance check of an installed terminal.

    kiosk-diag --config /etc/govkiosk/kiosk.toml commission [--json] [--out report.txt]

Checks that each configured device is present and answers, the printer queues exist, the
clock is synchronised, the backend is reachable and this terminal enrolled. Prints a
report (JSON with --json, else a printable text form; --out also writes it to a file)
and exits 1 on any failed check ("unknown" is shown, not counted as a failure).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from kiosk.diag import exitcodes
from kiosk.diag.cmd_version import build_info, config_checksum, package_version
from kiosk.diag.commission import (
    FAIL,
    check_backend,
    check_clock,
    check_devices,
    check_printer_queues,
)
from kiosk.diag.common import config_from_args

MARK = {"pass": "PASS", "fail": "FAIL", "unknown": "????"}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("commission", help="acceptance check of an installed terminal",
                       description="Check devices, printer queues, clock, backend and "
                       "enrolment; print a report; exit 1 on any failure.")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--out", metavar="FILE", help="also write the report to FILE")
    p.set_defaults(func=run)


def build_report(args: argparse.Namespace) -> dict[str, Any]:
    config = config_from_args(args)
    checks = [*check_devices(config), *check_printer_queues(config), check_clock(),
              *check_backend(config)]
    failed = [c.name for c in checks if c.status == FAIL]
    return {
        "terminal_id": config.terminal_id,
        "version": package_version(),
        "build": build_info().get("build", "?"),
        "config": args.config,
        "config_checksum": config_checksum(Path(args.config) if args.config else None),
        "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "ok": not failed,
        "failed": failed,
        "checks": [c.to_dict() for c in checks],
    }


def render_text(report: dict[str, Any]) -> str:
    lines = [
        "政务服务自助终端 调试验收报告 / Terminal commissioning report",
        "=" * 64,
        f"Terminal   {report['terminal_id']}",
        f"Software   {report['version']} (build {report['build']})",
        f"Config     {report['config'] or '(defaults)'}  {report['config_checksum']}",
        f"Date       {report['at']}",
        "-" * 64,
    ]
    for check in report["checks"]:
        lines.append(f"[{MARK.get(check['status'], '?')}] {check['name']:<34} {check['detail']}")
    lines += [
        "-" * 64,
        "RESULT     " + ("PASS: ready for service" if report["ok"]
                         else f"FAIL: {len(report['failed'])} check(s) failed: "
                         + ", ".join(report["failed"])),
        "",
        "Technician ____________________   Signature ____________   Date __________",
    ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    report = build_report(args)
    text = (json.dumps(report, ensure_ascii=False, indent=2) + "\n" if args.json
            else render_text(report))
    print(text, end="")
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return exitcodes.OK if report["ok"] else exitcodes.FAILED

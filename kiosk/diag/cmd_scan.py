"""``kiosk-diag scan``: scan one page into a PNG file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drivers.scanner.base import Scanner
from kiosk.devices import build_registry
from kiosk.diag import exitcodes
from kiosk.diag.common import config_from_args, print_json
from kiosk_base.errors import DeviceError, MediaError

ROLE = "scanner"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scan",
        help="scan one page (PNG)",
        description=(
            "Open the scanner, scan one page and write it as PNG. Exits 0 when the page "
            "was written, 3 on a media problem (jam, cover open, feeder empty), 4 on a "
            "device error. A blank page is written but reported."
        ),
    )
    p.add_argument("--out", required=True, metavar="FILE.png", help="where to write the PNG")
    p.add_argument("--dpi", type=int, default=200, help="resolution (50-1200, default 200)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 50 <= args.dpi <= 1200:
        print("kiosk-diag: --dpi must be between 50 and 1200", file=sys.stderr)
        return exitcodes.USAGE
    config = config_from_args(args)
    if ROLE not in [s.role for s in config.device_specs()]:
        print("kiosk-diag: no scanner is configured (disabled?)", file=sys.stderr)
        return exitcodes.USAGE
    registry = build_registry(config, roles=[ROLE])
    scanner = registry[ROLE]
    assert isinstance(scanner, Scanner)
    try:
        status = scanner.open()
        if not status.state.usable:
            return _fail(args, exitcodes.DEVICE_ERROR, status.error_code, status.reason)
        page = scanner.scan(args.dpi).result(timeout=600)
    except MediaError as exc:
        return _fail(args, exitcodes.NO_MEDIA, exc.code, str(exc))
    except DeviceError as exc:
        return _fail(args, exitcodes.DEVICE_ERROR, exc.code, str(exc))
    finally:
        registry.close_all()
    out = Path(args.out)
    out.write_bytes(page.data)
    result = {
        "file": str(out),
        "format": page.format,
        "width": page.width,
        "height": page.height,
        "dpi": page.dpi,
        "blank": page.blank,
    }
    if args.json:
        print_json(result)
    else:
        print(", ".join(f"{k}={v}" for k, v in result.items()))
    return exitcodes.OK


def _fail(args: argparse.Namespace, code: int, error_code: str, reason: str) -> int:
    if args.json:
        print_json({"role": ROLE, "error": {"code": error_code, "reason": reason}})
    else:
        print(f"kiosk-diag: scanner: {reason}", file=sys.stderr)
    return code

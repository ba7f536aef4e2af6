"""``kiosk-diag``: the technician's command line.

Subcommands live in ``kiosk/diag/cmd_*.py``; each module defines
``add_parser(subparsers)`` that adds its parser with ``set_defaults(func=run)``, where
``run(args) -> int`` returns the exit code. They are discovered at start, so adding a
command is adding a file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from kiosk.diag import exitcodes

EPILOG = f"""exit codes:
  {exitcodes.OK}  success (for a read: the card was read)
  {exitcodes.FAILED}  a health check or test failed
  {exitcodes.USAGE}  bad arguments or configuration
  {exitcodes.NO_MEDIA}  no card / no media within the timeout
  {exitcodes.DEVICE_ERROR}  device or protocol error (a JSON error object with --json)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk-diag",
        description="Diagnostics for the self-service kiosk's devices and backend.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config", metavar="PATH", help="kiosk config file (default: simulators everywhere)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    import kiosk.diag as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"kiosk.diag.{info.name}")
            module.add_parser(sub)
    for action in sub.choices.values():
        action.epilog = action.epilog or EPILOG
        action.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

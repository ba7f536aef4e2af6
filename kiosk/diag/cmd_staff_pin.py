"""``kiosk-diag staff-pin``: make the ``ui.staff_pin_hash`` value for a staff PIN.

    kiosk-diag staff-pin              # asks twice, without echo
    echo 123456 | kiosk-diag staff-pin --stdin

Prints the TOML line to put under ``[ui]``; the PIN itself is never printed or stored.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from kiosk.diag import exitcodes
from kiosk.staff_access import hash_pin


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "staff-pin", help="hash a staff PIN for the config (ui.staff_pin_hash)",
        description="Ask for a staff PIN (4 to 8 digits) and print the ui.staff_pin_hash "
        "line for the config. The kiosk has no default PIN: staff mode stays closed "
        "until this value is configured.",
    )
    p.add_argument("--stdin", action="store_true", help="read the PIN from standard input")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("staff PIN: ")
        if getpass.getpass("again: ") != pin:
            print("kiosk-diag: the PINs differ", file=sys.stderr)
            return exitcodes.USAGE
    try:
        value = hash_pin(pin)
    except ValueError as exc:
        print(f"kiosk-diag: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    print("# under [ui] in the kiosk config:")
    print(f'staff_pin_hash = "{value}"')
    return exitcodes.OK

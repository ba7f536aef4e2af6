"""``kiosk-diag card``: read the citizen / social-security card in a PC/SC reader."""

from __future__ import annotations

import argparse
import time

from drivers.pcsc.reader import PcscCardReader
from drivers.status import DeviceState
from kiosk.diag import exitcodes
from kiosk.diag.common import print_error, print_record
from kiosk_base.errors import DeviceError, MediaError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("card", help="read a citizen / social-security card (PC/SC)")
    p.add_argument("--reader", default="", help="reader name (substring); default: first")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a card")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--unmask", action="store_true", help="show personal data unmasked")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    reader = PcscCardReader("card_reader",
                            PcscCardReader.Settings(reader=args.reader, poll_interval_s=0.3))
    try:
        status = reader.open(timeout=30)
        if status.state not in (DeviceState.ONLINE, DeviceState.BUSY):
            return print_error(args, exitcodes.DEVICE_ERROR, "device", DeviceError(
                status.reason or str(status.state), code=status.error_code,
                message_key="error.device.unavailable"))
        deadline = time.monotonic() + args.timeout
        while True:
            try:
                card = reader.read().result(60)
                break
            except MediaError as exc:
                if exc.message_key not in ("error.card.no_card",
                                           "error.card.removed_during_read"):
                    return print_error(args, exitcodes.DEVICE_ERROR, "card", exc)
                if time.monotonic() >= deadline:
                    return print_error(args, exitcodes.NO_MEDIA, "no_card", exc)
                time.sleep(0.3)
            except DeviceError as exc:
                return print_error(args, exitcodes.DEVICE_ERROR, "device", exc)
        print_record(args, card.to_dict(unmask=args.unmask))
        return exitcodes.OK
    finally:
        reader.close()

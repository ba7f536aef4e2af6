"""``kiosk-diag idcard``: read one ID card from a GA/T 467 reader and print it."""

from __future__ import annotations

import argparse
import sys
import time

from drivers.idcard.serial_reader import SerialIdCardReader
from drivers.status import DeviceState, MediaStatus
from kiosk.diag import exitcodes
from kiosk.diag.common import print_error, print_record
from kiosk_base.errors import DeviceError, MediaError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("idcard", help="read one ID card from a serial reader")
    p.add_argument("--port", required=True, help="serial port of the reader")
    p.add_argument("--baud", type=int, default=115200)
    p.add_argument("--fingerprint", action="store_true", help="also read the fingerprints")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a card")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--unmask", action="store_true", help="show personal data unmasked")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = SerialIdCardReader.Settings(port=args.port, baud=args.baud,
                                               poll_interval_s=0.3, timeout_s=2.0)
    except ValueError as exc:
        print(f"bad arguments: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    reader = SerialIdCardReader("id_card_reader", settings)
    try:
        status = reader.open(timeout=args.timeout + 10)
        if status.state not in (DeviceState.ONLINE, DeviceState.BUSY):
            return print_error(args, exitcodes.DEVICE_ERROR, "device", DeviceError(
                status.reason or str(status.state), code=status.error_code,
                message_key="error.device.unavailable"))
        deadline = time.monotonic() + args.timeout
        while True:
            try:
                card = reader.read(fingerprint=args.fingerprint).result(args.timeout + 30)
                break
            except MediaError as exc:
                if time.monotonic() >= deadline:
                    return print_error(args, exitcodes.NO_MEDIA, "no_card", exc)
                if reader.status.detail.get("media") != MediaStatus.PRESENT.value:
                    time.sleep(0.3)
            except DeviceError as exc:
                return print_error(args, exitcodes.DEVICE_ERROR, "device", exc)
        print_record(args, card.to_dict(unmask=args.unmask))
        return exitcodes.OK
    finally:
        reader.close()

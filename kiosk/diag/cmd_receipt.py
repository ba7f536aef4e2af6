"""``kiosk-diag receipt-test``: print a test receipt on a serial ESC/POS printer."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from drivers.errors import DeviceError
from drivers.escpos.family import ReceiptPrinter
from drivers.escpos.serial_printer import SerialReceiptPrinter, SerialReceiptSettings
from drivers.escpos.sim import SimulatedReceiptPrinter, SimulatedReceiptSettings
from kiosk.diag import exitcodes
from printers.receipt import Receipt, ReceiptLine

TEST_RECEIPT = Receipt(
    title="打印测试",
    subtitle="自助服务终端 Self-service kiosk",
    lines=(
        ReceiptLine(label="中文 Chinese", value="自助服务终端"),
        ReceiptLine(label="编码 Encoding", value="GB18030"),
    ),
    qr_payload="https://kiosk.example.cn/receipt-test",
    qr_caption="扫码测试 Scan test",
    footer=("打印正常 Print OK",),
)


_MODES = {
    "process_id": "process_id (the printer answers GS ( H after the cut)",
    "status": "status (no GS ( H: confirmed by the real-time status DLE EOT after the cut)",
    "unknown": "unknown (printer offline at open; probed once it is online)",
}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("receipt-test", help="print a test receipt (text and QR code)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--port", help="serial port of the printer, e.g. /dev/ttyUSB0")
    target.add_argument("--sim", action="store_true", help="print on the simulator")
    p.add_argument("--baud", type=int, default=9600,
                   choices=(9600, 19200, 38400, 57600, 115200))  # fmt: skip
    p.add_argument("--encoding", default="gb18030", help="the model's Chinese encoding")
    p.add_argument("--raster-qr", action="store_true", help="QR as an image (no GS ( k)")
    p.add_argument("--png", type=Path, help="with --sim: save the printed receipt here")
    p.add_argument("--completion", choices=("auto", "process_id", "status"), default="auto",
                   help="how a receipt is confirmed: auto probes GS ( H at open")
    p.add_argument("--sim-model", choices=("answers_gs_h", "ignores_gs_h"),
                   default="answers_gs_h", help="with --sim: the simulated printer model")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    printer: ReceiptPrinter
    common = {"encoding": args.encoding, "native_qr": not args.raster_qr,
              "completion": args.completion}
    if args.sim:
        printer = SimulatedReceiptPrinter("receipt_printer", SimulatedReceiptSettings(
            printer_model=args.sim_model, **common))
    else:
        printer = SerialReceiptPrinter(
            "receipt_printer", SerialReceiptSettings(port=args.port, baud=args.baud, **common)
        )
    status = printer.open()
    try:
        print(f"completion mode: {_MODES.get(status.detail.get('completion', ''), 'unknown')}")
        if not status.state.usable:
            print(f"receipt-test: printer {status.state}: {status.reason}", file=sys.stderr)
            return exitcodes.DEVICE_ERROR
        receipt = TEST_RECEIPT.model_copy(update={"printed_at": datetime.now()})
        outcome = printer.print_receipt(receipt).result(60)
        print(f"printed (job {outcome.job_id}); paper {printer.status.detail.get('paper')}")
        if args.sim and args.png and isinstance(printer, SimulatedReceiptPrinter):
            png = printer.printer_simulator.last_receipt_png()
            if png:
                args.png.write_bytes(png)
                print(f"wrote {args.png}")
        return exitcodes.OK
    except DeviceError as exc:
        print(f"receipt-test: {exc}", file=sys.stderr)
        return exitcodes.DEVICE_ERROR
    finally:
        printer.close()

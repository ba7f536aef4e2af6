"""``kiosk-diag certificate-sample``: render the sample certificate to a PDF file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.diag import exitcodes
from printers.certificate import CertificateRenderer
from printers.certificate.sample import sample_certificate
from printers.errors import PrintingError


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "certificate-sample",
        help="render a sample certificate (A4 PDF) to check fonts, QR and layout",
    )
    p.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--months", type=int, default=36, help="rows in the contribution table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        pdf = CertificateRenderer().render(sample_certificate(args.lang, months=args.months))
        args.out.write_bytes(pdf)
    except PrintingError as exc:
        print(f"certificate-sample: {exc}", file=sys.stderr)
        return exitcodes.FAILED
    except OSError as exc:
        print(f"certificate-sample: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return exitcodes.USAGE
    print(f"wrote {args.out} ({len(pdf)} bytes)")
    return exitcodes.OK

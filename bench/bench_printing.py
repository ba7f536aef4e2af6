"""Certificate render time and size, cold (first render in a fresh process: font loading
and subsetting included) and warm, reported as ratios to a baseline measured in the same
run (rendering a one-page reportlab PDF with the same fonts), so shared, noisy machines
still give comparable numbers.

    .venv/bin/python bench/bench_printing.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from io import BytesIO

_COLD = """
import time, sys
t = time.perf_counter()
from printers.certificate import CertificateRenderer
from printers.certificate.sample import sample_certificate
data = sample_certificate("zh", months=int(sys.argv[1]), seal=True)
pdf = CertificateRenderer().render(data)
print(time.perf_counter() - t, len(pdf))
"""


def _baseline() -> float:
    from reportlab.pdfgen.canvas import Canvas

    from printers.fonts import register_font

    font = register_font("serif")
    t = time.perf_counter()
    c = Canvas(BytesIO(), initialFontName=font)
    c.setFont(font, 12)
    c.drawString(72, 720, "社会保险参保缴费证明 baseline")
    c.showPage()
    c.save()
    return time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from printers.certificate import CertificateRenderer
    from printers.certificate.sample import sample_certificate

    renderer = CertificateRenderer()
    results = {}
    for months in (12, 120):
        cold = subprocess.run([sys.executable, "-c", _COLD, str(months)], check=True,
                              capture_output=True, text=True).stdout.split()  # fmt: skip
        data = sample_certificate("zh", months=months)
        renderer.render(data)
        warm, base = [], []
        for _ in range(args.repeat):
            base.append(_baseline())
            t = time.perf_counter()
            pdf = renderer.render(data)
            warm.append(time.perf_counter() - t)
        b = statistics.median(base)
        results[f"certificate_{months}_rows"] = {
            "pages": pdf.count(b"/Type /Page\n") or None,
            "bytes": len(pdf),
            "cold_bytes": int(cold[1]),
            "cold_s": round(float(cold[0]), 4),
            "warm_s": round(statistics.median(warm), 4),
            "baseline_s": round(b, 5),
            "warm_ratio_to_baseline": round(statistics.median(warm) / b, 1),
            "cold_ratio_to_baseline": round(float(cold[0]) / b, 1),
        }
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

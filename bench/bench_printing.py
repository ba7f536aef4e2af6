"""Certificate render time and size, as ratios to a baseline measured the same way in
the same run (interleaved): a one-page reportlab PDF with the same font.

* cold: a fresh process imports, registers the fonts and renders once, vs a fresh
  process that imports reportlab, registers the same font and renders the one page;
* warm: the kiosk's renderer rendering again (fonts, templates, seal cached), vs the
  one-page document rendered again in the same process.

Certificates carry the seal and the QR code, as the backend's do. The issue's target is
a warm 12-row certificate within 100 ms (``warm_s``).

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


_COLD_BASE = """
import time
t = time.perf_counter()
from io import BytesIO
from reportlab.pdfgen.canvas import Canvas
from printers.fonts import register_font
font = register_font("serif")
c = Canvas(BytesIO(), initialFontName=font)
c.setFont(font, 12)
c.drawString(72, 720, "社会保险参保缴费证明 baseline")
c.showPage()
c.save()
print(time.perf_counter() - t)
"""


def _cold(script: str, *argv: str) -> list[str]:
    return subprocess.run([sys.executable, "-c", script, *argv], check=True,
                          capture_output=True, text=True).stdout.split()


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
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    from printers.certificate import CertificateRenderer
    from printers.certificate.sample import sample_certificate

    renderer = CertificateRenderer()
    results = {}
    for months in (12, 120):
        cold, cold_base = [], []
        for _ in range(3):  # interleaved fresh processes
            cold_base.append(float(_cold(_COLD_BASE)[0]))
            out = _cold(_COLD, str(months))
            cold.append(float(out[0]))
            cold_bytes = int(out[1])
        data = sample_certificate("zh", months=months, seal=True)
        renderer.render(data)
        warm, base = [], []
        for _ in range(args.repeat):
            base.append(_baseline())
            t = time.perf_counter()
            pdf = renderer.render(data)
            warm.append(time.perf_counter() - t)
        warm_r = [w / b for w, b in zip(warm, base, strict=True)]
        cold_r = [c / b for c, b in zip(cold, cold_base, strict=True)]
        results[f"certificate_{months}_rows"] = {
            "pages": pdf.count(b"/Type /Page\n") or None,
            "bytes": len(pdf),
            "cold_bytes": cold_bytes,
            "warm_s": round(statistics.median(warm), 4),
            "warm_target_s": 0.1 if months == 12 else None,
            "warm_baseline_s": round(statistics.median(base), 5),
            "warm_ratio_median": round(statistics.median(warm_r), 1),
            "warm_ratio_min": round(min(warm_r), 1), "warm_ratio_max": round(max(warm_r), 1),
            "cold_s": round(statistics.median(cold), 4),
            "cold_baseline_s": round(statistics.median(cold_base), 4),
            "cold_ratio_median": round(statistics.median(cold_r), 2),
            "cold_ratio_min": round(min(cold_r), 2), "cold_ratio_max": round(max(cold_r), 2),
        }
    for name, figures in results.items():  # JSON lines, like every bench (results.jsonl)
        print(json.dumps({"bench": f"printing.{name}", **figures}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

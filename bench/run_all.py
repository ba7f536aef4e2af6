"""``make bench``: every bench in one pass, in bounded time, then a summary table.

Each ``bench/bench_*.py`` runs as its own process (a time limit each), one after the
other, so no bench competes with another for the two cores; their JSON is appended to
``bench-out/results.jsonl`` as it comes. The table gives, for each figure the issue sets
a target for, the median (a ratio to the baseline measured in the same run, or a time),
the spread (min-max over the runs), the target and met / missed; then the other figures.

The project's modules are byte-compiled first (``compileall``), as an installed kiosk's
are: the machinery that runs sessions sets PYTHONDONTWRITEBYTECODE, with which every
start of the kiosk would compile its ~100 modules from source, a cost no installed kiosk
pays and the bare baseline (a one-line script, PyQt6 already compiled) does not have.

    .venv/bin/python bench/run_all.py [--quick] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kiosk_base", "card", "printers", "drivers", "backend_client", "kiosk",
            "kiosk_sim", "backend_sim")
#: (bench, arguments, arguments with --quick, time limit in seconds)
BENCHES: tuple[tuple[str, list[str], list[str], int], ...] = (
    ("bench_ui", [], ["--runs", "3", "--stall-runs", "1"], 420),
    ("bench_printing", [], ["--repeat", "3"], 180),
    ("bench_backend", [], ["--batches", "3"], 240),
    ("bench_cards", [], ["--rounds", "3"], 300),
    ("bench_camera", [], ["--repeat", "2"], 240),
    ("bench_documents", [], [], 240),
)

Record = dict[str, Any]


def _json_objects(text: str) -> Iterator[Record]:
    """Every JSON object in a bench's output (one a line, or indented over several)."""
    decoder = json.JSONDecoder()
    i = 0
    while True:
        i = text.find("{", i)
        if i < 0:
            return
        try:
            obj, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        if isinstance(obj, dict):
            yield obj
        i = end


def run_bench(name: str, argv: list[str], limit: int, out: Path) -> tuple[list[Record], str]:
    """Runs one bench; its records, and "" or why it gave none."""
    started = time.perf_counter()
    print(f"== bench/{name}.py {' '.join(argv)}", flush=True)
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), *argv],
                              cwd=ROOT, capture_output=True, text=True, timeout=limit,
                              check=False)
    except subprocess.TimeoutExpired:
        return [], f"over its {limit} s limit"
    records = list(_json_objects(proc.stdout))
    with out.open("a", encoding="utf-8") as f:
        for record in records:
            record.setdefault("bench", name)
            line = json.dumps(record, ensure_ascii=False)
            print(line, flush=True)
            f.write(line + "\n")
    took = time.perf_counter() - started
    print(f"   ({took:.0f} s)", flush=True)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["?"]
        return records, f"exit {proc.returncode}: {tail[0][:120]}"
    return records, ""


def _find(records: list[Record], bench: str, **match: object) -> Record | None:
    for r in records:
        if r.get("bench") == bench and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


Row = tuple[str, str, str, str, str]  # figure, median, spread, target, verdict


def _ratio_row(figure: str, r: Record | None, target: float | None) -> Row:
    if r is None or "ratio_median" not in r:
        return (figure, "-", "-", f"<= {target}x" if target else "", "no result")
    med = float(r["ratio_median"])
    spread = f"{r.get('ratio_min', '?')}-{r.get('ratio_max', '?')}x"
    if target is None:
        return (figure, f"{med}x", spread, "", "")
    return (figure, f"{med}x", spread, f"<= {target}x", "met" if med <= target else "MISSED")


def _value_row(figure: str, value: float | None, spread: str, target: str,
               ok: Callable[[float], bool] | None, unit: str) -> Row:
    if value is None:
        return (figure, "-", "-", target, "no result")
    verdict = "" if ok is None else ("met" if ok(value) else "MISSED")
    return (figure, f"{value:g}{unit}", spread, target, verdict)


def summary(records: list[Record]) -> list[Row]:
    rows: list[Row] = [
        _ratio_row("first frame / bare window", _find(records, "ui_startup_first_frame"), 2.0),
        _ratio_row("ready / bare window", _find(records, "ui_startup_ready"), 4.0),
        _ratio_row("  ready, backend already up", _find(records, "ui_startup_ready_deployed"),
                   None),
        _ratio_row("  libraries alone (ready's floor)",
                   _find(records, "ui_startup_library_floor"), None),
        _ratio_row("  bare window after the prescribed libraries",
                   _find(records, "ui_startup_prescribed_window"), None),
    ]
    st = _find(records, "ui_event_loop_stalls")
    each = st.get("max_stall_ms_each", []) if st else []
    rows.append(_value_row("longest UI stall, full certificate",
                           float(st["max_stall_ms_median"]) if st else None,
                           f"{min(each, default=0):g}-{max(each, default=0):g} ms",
                           "<= 50 ms", lambda v: v <= 50, " ms"))
    if st:
        p99 = st.get("p99_stall_ms_each", [])
        rows.append(_value_row("  99th percentile stall", float(st["p99_stall_ms_median"]),
                               f"{min(p99, default=0):g}-{max(p99, default=0):g} ms", "",
                               None, " ms"))
    cit = _find(records, "citizen_read_pcscd")
    apdus = cit.get("apdus") if cit else None
    rows.append(_value_row("citizen card holder+balance APDUs",
                           float(apdus) if isinstance(apdus, int) else None, "", "<= 11",
                           lambda v: v <= 11, ""))
    rows.append(_ratio_row("citizen card / raw pyscard", cit, 1.1))
    per = _find(records, "pcscd_vpcd_per_apdu")
    rows.append(_value_row("per APDU through pcscd + vpcd",
                           float(per["ms_per_apdu_median"]) if per else None,
                           f"max {per['ms_per_apdu_max']} ms" if per else "", "< 2 ms",
                           lambda v: v < 2, " ms"))
    cert = _find(records, "printing.certificate_12_rows")
    rows.append(_value_row("certificate warm, 12 rows",
                           round(float(cert["warm_s"]) * 1000, 1) if cert else None,
                           (f"{cert.get('warm_ratio_min')}-{cert.get('warm_ratio_max')}x a page"
                            if cert else ""), "<= 100 ms", lambda v: v <= 100, " ms"))
    rows.append(_ratio_row("payment POST / bare, c=8",
                           _find(records, "backend.payment_post", concurrency=8), 2.0))
    cam = _find(records, "camera")
    fps = cam.get("preview_fps") if cam else None
    rows.append(_value_row("preview fps with detection (camera13)",
                           float(fps["median"]) if isinstance(fps, dict) else None,
                           f"{fps.get('min')}-{fps.get('max')} fps" if isinstance(fps, dict)
                           else "", ">= 25 fps", lambda v: v >= 25, " fps"))
    live = cam.get("challenge_fps") if cam else None
    rows.append(_value_row("  same, liveness phase (every frame)",
                           float(live["median"]) if isinstance(live, dict) else None,
                           f"{live.get('min')}-{live.get('max')} fps" if isinstance(live, dict)
                           else "", ">= 25 fps", lambda v: v >= 25, " fps"))
    doc = _find(records, "documents")
    rect = doc.get("rectify_s_per_frame") if doc else None
    ratio = doc.get("ratio_rectify_to_baseline") if doc else None
    rows.append(_value_row("page rectification 3264x2448 (camera13)",
                           round(float(rect["median"]) * 1000) if isinstance(rect, dict)
                           else None,
                           f"{ratio.get('median')}x read+resize ({ratio.get('min')}-"
                           f"{ratio.get('max')}x)" if isinstance(ratio, dict) else "",
                           "", None, " ms"))
    # Figures without a target of their own.
    for c in (1, 32):
        rows.append(_ratio_row(f"payment POST / bare, c={c}",
                               _find(records, "backend.payment_post", concurrency=c), None))
    for c in (1, 8, 32):
        rows.append(_ratio_row(f"catalog GET / bare, c={c}",
                               _find(records, "backend.catalog", concurrency=c), None))
    for baud in (115200, 9600):
        rows.append(_ratio_row(f"ID card read / wire time, {baud} baud",
                               _find(records, "idcard_read", baud=baud), None))
    if cert:
        rows.append(_ratio_row("certificate cold / one page cold", {
            "ratio_median": cert.get("cold_ratio_median"),
            "ratio_min": cert.get("cold_ratio_min"),
            "ratio_max": cert.get("cold_ratio_max")}, None))
    return rows


def print_table(rows: list[Row], failures: list[str]) -> None:
    head: Row = ("figure", "median", "spread", "target", "")
    widths = [max(len(r[i]) for r in (head, *rows)) for i in range(5)]
    print("\n== summary (ratios are to a baseline measured in the same run, interleaved)")
    for row in (head, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for failure in failures:
        print(f"!! {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--only", nargs="*", default=None, help="e.g. bench_ui bench_printing")
    args = parser.parse_args()
    out_dir = ROOT / "bench-out"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / "results.jsonl"
    started = time.perf_counter()
    load = os.getloadavg()
    print(f"load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j0",
                    *(str(ROOT / p) for p in PACKAGES)], check=True, cwd=ROOT)
    records: list[Record] = []
    failures: list[str] = []
    for name, full, quick, limit in BENCHES:
        if args.only is not None and name not in args.only:
            continue
        got, why = run_bench(name, quick if args.quick else full, limit, out)
        records.extend(got)
        if why:
            failures.append(f"bench/{name}.py: {why}")
    print_table(summary(records), failures)
    load = os.getloadavg()
    print(f"took {time.perf_counter() - started:.0f} s; load average at the end: "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

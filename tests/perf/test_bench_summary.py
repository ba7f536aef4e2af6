"""bench/run_all.py's table: the records each bench prints become rows with the
target and met / missed (no bench is run here; timings are never asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _run_all() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run_all", ROOT / "bench/run_all.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_records_in_any_layout_become_rows_with_verdicts() -> None:
    run_all = _run_all()
    out = ('== noise\n{"bench": "ui_startup_first_frame", "ratio_median": 1.9, '
           '"ratio_min": 1.5, "ratio_max": 2.4}\n'
           '{"bench": "backend.payment_post", "concurrency": 8, "ratio_median": 3.1, '
           '"ratio_min": 2.9, "ratio_max": 3.3}\n{\n  "page": {"ratio_median": 3}\n}\n')
    records = list(run_all._json_objects(out))
    assert len(records) == 3
    rows = {row[0]: row for row in run_all.summary(records)}
    assert rows["first frame / bare window"][1:] == ("1.9x", "1.5-2.4x", "<= 2.0x", "met")
    assert rows["payment POST / bare, c=8"][4] == "MISSED"
    assert rows["ready / bare window"][4] == "no result"

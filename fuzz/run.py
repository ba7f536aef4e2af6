"""``make fuzz``: every target with at least 100,000 cases, derandomized, bounded in time.

    python -m fuzz.run [--cases N] [--time-limit S] [TARGET ...]

Hypothesis generates bytes (random, and mutations of each target's valid seeds) with a
fixed seed, so a run is repeatable; no example database is kept. Prints one line per
target: cases, seconds, findings (an undeclared exception, shrunk to a minimal input).
Exit 1 when any target has a finding. Not part of ``make test`` (the found cases live in
the unit tests).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzz.targets import Target, targets


class _TimeUp(Exception):
    pass


def inputs(target: Target) -> st.SearchStrategy[bytes]:
    def mutate(seed: bytes, edits: list[tuple[int, int]], cut: int) -> bytes:
        data = bytearray(seed)
        for pos, value in edits:
            if data:
                data[pos % len(data)] = value
        return bytes(data[: max(0, len(data) - cut)] if cut else data)

    mutated = st.builds(mutate, st.sampled_from(target.seeds),
                        st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)),
                                 max_size=8),
                        st.integers(0, 8))
    return st.one_of(st.binary(max_size=target.max_size), mutated)


def fuzz(target: Target, cases: int, time_limit: float) -> tuple[int, float, list[str]]:
    count = 0
    deadline = time.monotonic() + time_limit
    started = time.monotonic()

    @settings(max_examples=cases, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
    @given(inputs(target))
    def case(data: bytes) -> None:
        nonlocal count
        count += 1
        if time.monotonic() > deadline:
            raise _TimeUp
        target.run(data)

    findings: list[str] = []
    try:
        case()
    except _TimeUp:
        pass  # reported by the caller as cases < asked
    except Exception as exc:  # noqa: BLE001 - every undeclared exception is a finding
        findings.append(f"{type(exc).__name__}: {exc}"[:300])
    return count, time.monotonic() - started, findings


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="fuzz", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--time-limit", type=float, default=240.0, help="seconds per target")
    p.add_argument("--list", action="store_true", help="print the target names")
    p.add_argument("names", nargs="*", help="targets to run (default: all)")
    args = p.parse_args(argv)
    if args.list:
        print("\n".join(t.name for t in targets()))
        return 0
    chosen = [t for t in targets() if not args.names or t.name in args.names]
    failed = False
    for target in chosen:
        count, seconds, findings = fuzz(target, args.cases, args.time_limit)
        status = "ok" if not findings else "FINDING " + "; ".join(findings)
        short = " (time limit)" if count < args.cases and not findings else ""
        print(f"fuzz {target.name:<18} cases={count:>7} time={seconds:7.1f}s{short} {status}",
              flush=True)
        failed = failed or bool(findings) or bool(short)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Backend client overhead, printed as JSON lines of ratios measured in the same run.

Against the embedded reference backend on loopback, the same endpoint is called:

* bare: one requests.Session GET of /v1/health (no signing, no validation);
* client: BackendClient.health() (request id, timeouts, response cap, validation);
* signed: BackendClient.catalog() vs a bare GET of /v1/catalog with the signature
  headers made by hand (so the ratio isolates parsing and validation of a big answer).

Run: .venv/bin/python bench/bench_backend.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from backend_client.client import BackendClient
from backend_client.settings import BackendSettings
from backend_client.signing import TerminalCredentials
from backend_sim.embedded import start_embedded


def _median_s(fn: Callable[[], object], rounds: int) -> float:
    for _ in range(5):
        fn()  # warm the connection pool and caches
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-backend-"))
    backend = start_embedded(tmp / "backend.sqlite", tmp)
    try:
        client = BackendClient(BackendSettings(), "KIOSK-SIM-0001", tmp, base_url=backend.url)
        creds = TerminalCredentials.load(backend.credentials_path)
        bare = requests.Session()
        health_url = f"{backend.url}/health"
        catalog_url = f"{backend.url}/catalog"

        def bare_health() -> object:
            return bare.get(health_url, timeout=(3, 10)).json()

        def bare_catalog() -> object:
            headers = creds.headers("GET", "/v1/catalog", b"")
            return bare.get(catalog_url, headers=headers, timeout=(3, 10)).json()

        for name, ours, baseline in (
            ("health", client.health, bare_health),
            ("catalog", client.catalog, bare_catalog),
        ):
            base_s = _median_s(baseline, args.rounds)
            ours_s = _median_s(ours, args.rounds)
            print(json.dumps({
                "bench": f"backend_client.{name}", "rounds": args.rounds,
                "baseline": "bare requests call to the same endpoint",
                "overhead_ratio": round(ours_s / base_s, 3),
            }))
        client.close()
        bare.close()
    finally:
        backend.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

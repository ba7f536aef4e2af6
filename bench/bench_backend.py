"""Backend request time under concurrency, as ratios to a bare endpoint in the same run.

The reference backend runs as the kiosk embeds it (uvicorn on loopback), with two extra
routes added for this bench only: a bare GET and a bare POST that answer ``{"ok": true}``
(no signature check, no database). At concurrency 1, 8 and 32 (one thread and one
connection each, as many threads as the concurrency), batches alternate:

* bare GET (a requests.Session) vs ``BackendClient.catalog()`` (signed, validated);
* bare POST of the same JSON body vs ``BackendClient.create_payment()`` (signed,
  idempotency key, a database write, validated).

Each line gives the per-request latency medians and the ratio (median over batches, with
min and max). The bare call pays the same loopback, HTTP and uvicorn costs, so the ratio
is what the client and the backend's work add; the delayed-ACK floor (~40 ms, see
backend_sim/embedded.py) would show as both figures far above a millisecond.

Run: .venv/bin/python bench/bench_backend.py [--batches N] [--per-thread N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from backend_client.client import CREDENTIALS_FILE, BackendClient
from backend_client.enrollment import enroll_terminal
from backend_client.models import PaymentCreate
from backend_client.settings import BackendSettings
from backend_sim import enrolment
from backend_sim.embedded import BackendServer, load_state

CONCURRENCY = (1, 8, 32)
if os.environ.get("BENCH_CONCURRENCY"):  # profiling one level: BENCH_CONCURRENCY=8
    CONCURRENCY = tuple(int(c) for c in os.environ["BENCH_CONCURRENCY"].split(","))


def _start(tmp: Path) -> tuple[BackendServer, Path]:
    state = load_state(f"sqlite:///{tmp / 'backend.sqlite'}")
    server = BackendServer(state)
    app: Any = server._server.config.app  # bench-only routes, added before start

    def bare_get() -> dict[str, bool]:
        return {"ok": True}

    def bare_post(body: dict[str, object]) -> dict[str, bool]:
        return {"ok": bool(body)}

    app.add_api_route("/bench/bare", bare_get, methods=["GET"])
    app.add_api_route("/bench/bare", bare_post, methods=["POST"])
    server.start()
    creds = tmp / CREDENTIALS_FILE
    code, _ = enrolment.issue_code(state, "KIOSK-BENCH-0001", 300)
    enroll_terminal(BackendSettings(url=server.base_url), server.base_url, "KIOSK-BENCH-0001",
                    code, creds, location="bench")
    return server, creds


def _batch(concurrency: int, per_thread: int,
           make: Callable[[], Callable[[], object]]) -> float:
    """Median latency of one request, ``concurrency`` threads at once."""
    calls = [make() for _ in range(concurrency)]
    for call in calls:
        call()  # connect and warm each thread's connection
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(concurrency)

    def worker(call: Callable[[], object]) -> None:
        mine = []
        start.wait()
        for _ in range(per_thread):
            t = time.perf_counter()
            call()
            mine.append(time.perf_counter() - t)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=worker, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--per-thread", type=int, default=0,
                        help="requests per thread per batch (default: 160 / concurrency, >= 5)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="bench-backend-"))
    server, creds = _start(tmp)
    root = server.base_url.rsplit("/v1", 1)[0]
    settings = BackendSettings(url=server.base_url, credentials=creds)
    clients: list[BackendClient] = []
    sessions: list[requests.Session] = []

    def client() -> BackendClient:
        c = BackendClient(settings, "KIOSK-BENCH-0001", tmp, base_url=server.base_url)
        clients.append(c)
        return c

    def session() -> requests.Session:
        s = requests.Session()
        sessions.append(s)
        return s

    body = {"order_id": "ORD-BENCH-00000000", "amount_fen": 500, "description": "证明工本费",
            "service_id": "household_certificate", "purpose": "service_fee"}

    def bare_get() -> Callable[[], object]:
        s = session()
        return lambda: s.get(f"{root}/bench/bare", timeout=10).json()

    def bare_post() -> Callable[[], object]:
        s = session()
        return lambda: s.post(f"{root}/bench/bare", json=body, timeout=10).json()

    def catalog() -> Callable[[], object]:
        return client().catalog

    def payment() -> Callable[[], object]:
        c = client()

        def pay() -> object:
            order = f"ORD-BENCH-{uuid.uuid4().hex[:16]}"
            return c.create_payment(PaymentCreate(**{**body, "order_id": order}),
                                    f"key-{order}")
        return pay

    try:
        for concurrency in CONCURRENCY:
            per_thread = args.per_thread or max(5, 160 // concurrency)
            for name, ours, bare in (("catalog", catalog, bare_get),
                                     ("payment_post", payment, bare_post)):
                o: list[float] = []
                b: list[float] = []
                for _ in range(args.batches):  # interleaved batches
                    b.append(_batch(concurrency, per_thread, bare))
                    o.append(_batch(concurrency, per_thread, ours))
                r = [x / y for x, y in zip(o, b, strict=True)]
                print(json.dumps({
                    "bench": f"backend.{name}", "concurrency": concurrency,
                    "batches": args.batches, "requests_per_batch": per_thread * concurrency,
                    "baseline": "bare endpoint in the same uvicorn, same client threads",
                    "ours_ms_median": round(statistics.median(o) * 1000, 2),
                    "bare_ms_median": round(statistics.median(b) * 1000, 2),
                    "ratio_median": round(statistics.median(r), 2),
                    "ratio_min": round(min(r), 2), "ratio_max": round(max(r), 2),
                }), flush=True)
    finally:
        for c in clients:
            c.close()
        for s in sessions:
            s.close()
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

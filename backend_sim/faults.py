"""Fault injection of the reference backend, as ASGI middleware.

Faults (the same :class:`kiosk_base.faults.FaultInjectable` interface every simulator
has; also reachable over HTTP at /sim/faults):

* ``latency`` (``delay_s``): wait before handling each call.
* ``http_5xx`` (``status``, default 503): answer with an error without handling the call.
* ``drop_connection`` (``after_commit``: handle the call first, so its effect is stored
  but the answer is lost): close the connection in the middle of the answer.
* ``malformed_body`` (``mode``: "garbage", "truncated", "wrong_shape"): handle the call,
  then send a body that breaks the contract.

Every fault takes ``count`` (affect only the next N calls) and ``path`` (only paths
starting with it). /sim/ and /health are never affected.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from kiosk_base.faults import FaultSet

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

SUPPORTED = {
    "latency": "wait delay_s seconds before handling each call",
    "http_5xx": "answer status (default 503) without handling the call",
    "drop_connection": "close the connection mid-answer (after_commit=True: after handling)",
    "malformed_body": "answer a body that breaks the contract (mode garbage/truncated/wrong_shape)",
}


class InjectedConnectionDrop(Exception):
    """Raised inside the server to make it close a connection on purpose."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, InjectedConnectionDrop)


def silence_injected_drops() -> None:
    """uvicorn logs an ERROR when an app aborts a response; injected drops are not errors."""
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())


class BackendFaults:
    """The fault set plus per-call bookkeeping (counts, path filters)."""

    def __init__(self) -> None:
        self._set = FaultSet(SUPPORTED, owner="backend")
        self._lock = threading.Lock()
        self._used: dict[str, int] = {}

    def faults(self) -> dict[str, str]:
        return dict(self._set.faults())

    def inject(self, fault: str, **params: object) -> None:
        self._set.inject(fault, **params)
        with self._lock:
            self._used[fault] = 0
        log.info("backend fault on: %s %s", fault, params)

    def clear(self, fault: str | None = None) -> None:
        self._set.clear(fault)
        log.info("backend fault off: %s", fault or "all")

    def active_faults(self) -> dict[str, dict[str, object]]:
        return {k: dict(v) for k, v in self._set.active_faults().items()}

    def hit(self, fault: str, path: str) -> dict[str, object] | None:
        """The fault's parameters if it applies to this call (and counts the use)."""
        params = self._set.active_faults().get(fault)
        if params is None:
            return None
        prefix = params.get("path")
        if isinstance(prefix, str) and not path.startswith(prefix):
            return None
        count = params.get("count")
        with self._lock:
            used = self._used.get(fault, 0)
            if isinstance(count, int) and used >= count:
                return None
            self._used[fault] = used + 1
            if isinstance(count, int) and used + 1 >= count:
                self._set.clear(fault)
        return dict(params)


def _mangle(body: bytes, mode: str) -> bytes:
    if mode == "truncated":
        return body[: max(1, len(body) // 2)]
    if mode == "wrong_shape":
        return json.dumps({"unexpected": True, "items": [1, 2, 3]}).encode()
    return b"<html><body>502 Bad Gateway</body></html>\x00\xff"


class FaultMiddleware:
    def __init__(self, app: App, faults: BackendFaults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or path.startswith("/sim") or path.endswith("/health"):
            await self.app(scope, receive, send)
            return
        latency = self.faults.hit("latency", path)
        if latency is not None:
            await asyncio.sleep(float(str(latency.get("delay_s", 1.0))))
        error = self.faults.hit("http_5xx", path)
        if error is not None:
            status = int(str(error.get("status", 503)))
            body = json.dumps({"code": "injected", "message": "injected server error"}).encode()
            await _send_whole(send, status, body)
            return
        drop = self.faults.hit("drop_connection", path)
        if drop is not None and not drop.get("after_commit"):
            await _drop(send)
        malformed = self.faults.hit("malformed_body", path)
        if drop is None and malformed is None:
            await self.app(scope, receive, send)
            return
        status, body = await _capture(self.app, scope, receive)
        if drop is not None:
            await _drop(send)
        mode = str(malformed.get("mode", "garbage")) if malformed else "garbage"
        await _send_whole(send, status, _mangle(body, mode))


async def _capture(app: App, scope: Scope, receive: Receive) -> tuple[int, bytes]:
    status = 500
    parts: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            parts.append(bytes(message.get("body", b"")))

    await app(scope, receive, keep)
    return status, b"".join(parts)


async def _send_whole(send: Send, status: int, body: bytes) -> None:
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


async def _drop(send: Send) -> None:
    """Start an answer, send part of it, then abort: the server closes the connection."""
    await send({
        "type": "http.response.start", "status": 200,
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
    })
    await send({"type": "http.response.body", "body": b'{"order', "more_body": True})
    raise InjectedConnectionDrop("connection dropped by fault injection")

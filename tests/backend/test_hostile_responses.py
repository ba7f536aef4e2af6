"""The client against a raw loopback server that answers garbage, truncation, huge or
slow bodies: always a typed BackendError, never a KeyError or a hang."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_client.client import BackendClient
from backend_client.errors import (
    BackendError,
    BackendMalformedError,
    BackendTimeoutError,
    BackendUnavailableError,
)
from backend_client.settings import BackendSettings
from backend_client.signing import TerminalCredentials
from backend_client.transport import Transport
from backend_sim.embedded import EmbeddedBackend


class RawServer:
    """Answers every connection with ``self.reply`` (the body optionally dripped slowly)."""

    def __init__(self) -> None:
        self.reply = b""
        self.drip_delay: float | None = None
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    if self.drip_delay is None:
                        conn.sendall(self.reply)
                    else:
                        head, _, body = self.reply.partition(b"\r\n\r\n")
                        conn.sendall(head + b"\r\n\r\n")
                        for i in range(len(body)):
                            if self._stop.wait(self.drip_delay):
                                return
                            conn.sendall(body[i : i + 1])
                except OSError:
                    continue

    def close(self) -> None:
        self._stop.set()
        self._sock.close()


@pytest.fixture(scope="module")
def raw_server() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


def _client(port: int, state_dir: Path, read_timeout: float = 1.0) -> BackendClient:
    TerminalCredentials.generate("KIOSK-HOSTILE").save(state_dir / "terminal-credentials.json")
    settings = BackendSettings(url=f"http://127.0.0.1:{port}/v1", retries=0,
                               connect_timeout_s=1, read_timeout_s=read_timeout)
    return BackendClient(settings, "KIOSK-HOSTILE", state_dir)


def _http(status: int, body: bytes, length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\nConnection: close\r\n\r\n").encode() + body


_FIXTURES = [HealthCheck.function_scoped_fixture]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURES)
@given(body=st.binary(max_size=300), status=st.sampled_from([200, 201, 400, 404, 409, 500, 503]),
       truncate=st.booleans())
def test_garbage_bodies_are_typed_errors(
    raw_server: RawServer, tmp_path: Path, body: bytes, status: int, truncate: bool
) -> None:
    raw_server.drip_delay = None
    raw_server.reply = _http(status, body, len(body) + 10 if truncate else None)
    with _client(raw_server.port, tmp_path) as client, pytest.raises(BackendError) as err:
        client.catalog()
    assert err.value.message_key.startswith("error.")


@settings(max_examples=40, deadline=None, suppress_health_check=_FIXTURES)
@given(value=json_values)
def test_json_of_the_wrong_shape_is_malformed(
    raw_server: RawServer, tmp_path: Path, value: object
) -> None:
    import json

    raw_server.drip_delay = None
    raw_server.reply = _http(200, json.dumps(value).encode())
    with _client(raw_server.port, tmp_path) as client, pytest.raises(BackendMalformedError):
        client.payment("ORD-0000-0001")


def test_oversized_answer_is_refused(raw_server: RawServer, state_dir: Path) -> None:
    raw_server.drip_delay = None
    raw_server.reply = _http(200, b"[" + b"1," * 600_000 + b"1]")
    settings_ = BackendSettings(url=f"http://127.0.0.1:{raw_server.port}/v1", retries=0)
    transport = Transport(settings_, None, max_response_bytes=100_000)
    with pytest.raises(BackendMalformedError, match="over"):
        transport.call("GET", "/catalog", BackendSettings)
    transport.close()


def test_a_dripping_answer_hits_the_overall_deadline(
    raw_server: RawServer, state_dir: Path
) -> None:
    raw_server.drip_delay = 0.1  # each byte well within the per-read timeout
    raw_server.reply = _http(200, b"{" + b" " * 200 + b"}")
    with _client(raw_server.port, state_dir, read_timeout=1.0) as client, pytest.raises(
        BackendTimeoutError
    ):
        client.catalog()
    raw_server.drip_delay = None


@pytest.mark.parametrize("mode", ["garbage", "truncated", "wrong_shape"])
def test_backend_fault_malformed_body(
    client: BackendClient, backend: EmbeddedBackend, mode: str
) -> None:
    backend.faults.inject("malformed_body", mode=mode)
    with pytest.raises(BackendMalformedError) as err:
        client.catalog()
    assert err.value.message_key == "error.backend.malformed"
    backend.faults.clear()
    assert client.catalog().services


def test_backend_fault_5xx_then_recovery(client: BackendClient, backend: EmbeddedBackend) -> None:
    backend.faults.inject("http_5xx", status=503)
    with pytest.raises(BackendUnavailableError):
        client.catalog()
    backend.faults.inject("http_5xx", status=503, count=2)
    assert client.catalog().services  # retried past the two failures

"""The client never follows a redirect: a 3xx is an error and the target receives nothing
(no signature, no person token). Also: a hostile Content-Length is a typed error."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_client.client import BackendClient
from backend_client.errors import BackendError, BackendRedirectError
from backend_client.settings import BackendSettings
from backend_client.signing import TerminalCredentials
from backend_client.transport import declared_length

TERMINAL = "KIOSK-REDIRECT-1"


class _Server:
    """A loopback HTTP server that answers ``status`` with ``headers`` and counts requests."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes = b"{}") -> None:
        self.requests: list[dict[str, str]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.requests.append(dict(self.headers))
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def target() -> Iterator[_Server]:
    server = _Server(200, {"Content-Type": "application/json"})
    yield server
    server.close()


def _client(port: int, state_dir: Path) -> BackendClient:
    TerminalCredentials.generate(TERMINAL).save(state_dir / "terminal-credentials.json")
    settings = BackendSettings(url=f"http://127.0.0.1:{port}/v1", retries=3,
                               connect_timeout_s=2, read_timeout_s=5)
    return BackendClient(settings, TERMINAL, state_dir, backoff_s=0.01)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_loopback_port_is_not_followed(
    status: int, target: _Server, state_dir: Path
) -> None:
    redirector = _Server(status, {
        "Location": f"http://127.0.0.1:{target.port}/v1/person/insurance-records"})
    try:
        with _client(redirector.port, state_dir) as client, \
                pytest.raises(BackendRedirectError) as err:
            client.insurance_records("person-token-of-a-resident")
        assert err.value.status == status
        assert err.value.message_key == "error.backend.malformed"
        # The configured origin got the call once (a redirect is final, not retried) and
        # the redirect target got nothing at all.
        assert len(redirector.requests) == 1
        assert target.requests == []
    finally:
        redirector.close()


def test_keyed_post_redirect_is_not_followed_either(target: _Server, state_dir: Path) -> None:
    redirector = _Server(307, {"Location": f"http://127.0.0.1:{target.port}/v1/payments"})
    try:
        with _client(redirector.port, state_dir) as client, pytest.raises(BackendRedirectError):
            client.submit_application("app-1", "idem-key-123456")
        assert target.requests == []
    finally:
        redirector.close()


@pytest.mark.parametrize("value", ["²", "①", "١٢", "12x", "", " 5", "-1"])
def test_content_length_that_is_not_ascii_digits_is_ignored(value: str) -> None:
    assert declared_length(value) is None


def test_content_length_unicode_digit_answer_is_a_typed_error(state_dir: Path) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    port = sock.getsockname()[1]

    def serve() -> None:
        for _ in range(4):
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: \xc2\xb2\r\nConnection: close\r\n\r\n{}")

    threading.Thread(target=serve, daemon=True).start()
    try:
        with _client(port, state_dir) as client:
            client.transport._settings = client.transport._settings.model_copy(
                update={"retries": 0})
            with contextlib.suppress(BackendError):  # typed is fine; ValueError fails
                client.health()
    finally:
        sock.close()

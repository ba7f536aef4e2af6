"""Signed requests against running reference backends: the signature covers the
idempotency key and the person token, and a captured request replayed after a backend
restart, or to a second backend process on the same database, is refused."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backend_client.client import BackendClient
from backend_client.enrollment import enroll_terminal
from backend_client.models import IdentityCheckRequest
from backend_client.settings import BackendSettings
from backend_client.signing import (
    HEADER_IDEMPOTENCY,
    HEADER_PERSON,
    TerminalCredentials,
    canonical_request,
)
from tests.trust.backend_process import BackendProcess, issue_code

TERMINAL = "KIOSK-SIGN-01"
ZHANG_WEI = IdentityCheckRequest(
    document_type="resident_id", name="张伟", id_number="110101195803070230",
    valid_from="2016-03-07", valid_until=None,
)


@pytest.fixture
def enrolled(tmp_path: Path) -> Iterator[tuple[BackendProcess, TerminalCredentials, Path]]:
    proc = BackendProcess(tmp_path / "backend.sqlite")
    proc.start()
    creds_path = tmp_path / "state" / "terminal-credentials.json"
    settings = BackendSettings(url=proc.url, retries=0)
    creds = enroll_terminal(settings, proc.url, TERMINAL, issue_code(proc.db, TERMINAL),
                            creds_path)
    yield proc, creds, creds_path
    proc.stop()


def _signed(creds: TerminalCredentials, method: str, url: str, path: str, body: bytes = b"",
            extra: dict[str, str] | None = None,
            signed_extra: dict[str, str] | None = None) -> requests.PreparedRequest:
    """A request signed over ``signed_extra`` (default: the headers it carries)."""
    extra = extra or {}
    covered = extra if signed_extra is None else signed_extra
    headers = {**extra, "Content-Type": "application/json", **creds.headers(
        method, path, body, idempotency_key=covered.get(HEADER_IDEMPOTENCY),
        person_token=covered.get(HEADER_PERSON))}
    return requests.Request(method, url, data=body or None, headers=headers).prepare()


def _send(req: requests.PreparedRequest, base: str) -> requests.Response:
    root = base.removesuffix("/v1")
    req.url = root + requests.utils.urlparse(req.url).path  # type: ignore[arg-type]
    with requests.Session() as s:
        return s.send(req, timeout=10, allow_redirects=False)


def test_canonical_request_covers_every_meaningful_header() -> None:
    base = canonical_request("POST", "/v1/payments", "1", "n", b"{}",
                             idempotency_key="k1", person_token="t1")
    assert base != canonical_request("POST", "/v1/payments", "1", "n", b"{}",
                                     idempotency_key="k2", person_token="t1")
    assert base != canonical_request("POST", "/v1/payments", "1", "n", b"{}",
                                     idempotency_key="k1", person_token="t2")
    assert base != canonical_request("POST", "/v1/payments", "1", "n", b"{}",
                                     idempotency_key="k1")
    assert b"t1" not in base  # the token itself is only hashed in


def test_replay_after_a_backend_restart_is_refused(
    enrolled: tuple[BackendProcess, TerminalCredentials, Path]
) -> None:
    proc, creds, _ = enrolled
    req = _signed(creds, "GET", f"{proc.url}/catalog", "/v1/catalog")
    assert _send(req, proc.url).status_code == 200
    assert _send(req, proc.url).json()["message"] == "nonce was used before"
    proc.stop(signal.SIGKILL)
    proc.start()
    replay = _send(req, proc.url)
    assert replay.status_code == 401
    assert replay.json()["code"] == "auth_failed"
    assert replay.json()["message"] == "nonce was used before"
    # A freshly signed request still goes through after the restart.
    assert _send(_signed(creds, "GET", f"{proc.url}/catalog", "/v1/catalog"),
                 proc.url).status_code == 200


def test_replay_to_a_second_backend_on_the_same_database_is_refused(
    enrolled: tuple[BackendProcess, TerminalCredentials, Path]
) -> None:
    first, creds, _ = enrolled
    second = BackendProcess(first.db)
    second.start()
    try:
        req = _signed(creds, "GET", f"{first.url}/catalog", "/v1/catalog")
        assert _send(req, first.url).status_code == 200
        replay = _send(req, second.url)
        assert (replay.status_code, replay.json()["message"]) == (401, "nonce was used before")
    finally:
        second.stop()


def _person_token(proc: BackendProcess, creds_path: Path) -> str:
    settings = BackendSettings(url=proc.url, retries=0, credentials=creds_path)
    with BackendClient(settings, TERMINAL, creds_path.parent) as client:
        token = client.check_identity(ZHANG_WEI).person_token
    assert token
    return token


def test_changed_idempotency_key_is_refused(
    enrolled: tuple[BackendProcess, TerminalCredentials, Path]
) -> None:
    proc, creds, _creds_path = enrolled
    body = b'{"events": [{"seq": 1, "at": "2026-01-01T00:00:00+08:00", "kind": "test"}]}'
    path = "/v1/audit/events"
    sent = {HEADER_IDEMPOTENCY: "key-changed-by-attacker"}
    signed = {HEADER_IDEMPOTENCY: "key-the-kiosk-signed"}
    tampered = _send(_signed(creds, "POST", proc.url + path[3:], path, body, sent, signed),
                     proc.url)
    assert (tampered.status_code, tampered.json()["message"]) == (
        401, "signature does not verify")
    honest = _send(_signed(creds, "POST", proc.url + path[3:], path, body, signed), proc.url)
    assert honest.status_code == 200, honest.text


def test_changed_person_token_is_refused(
    enrolled: tuple[BackendProcess, TerminalCredentials, Path]
) -> None:
    proc, creds, creds_path = enrolled
    token = _person_token(proc, creds_path)
    path = "/v1/person/insurance-records"
    other = _person_token(proc, creds_path)
    tampered = _send(_signed(creds, "GET", proc.url + path[3:], path,
                             extra={HEADER_PERSON: other},
                             signed_extra={HEADER_PERSON: token}), proc.url)
    assert (tampered.status_code, tampered.json()["message"]) == (
        401, "signature does not verify")
    # Leaving the token out of the signature is refused too.
    unsigned = _send(_signed(creds, "GET", proc.url + path[3:], path,
                             extra={HEADER_PERSON: token}, signed_extra={}), proc.url)
    assert unsigned.status_code == 401
    honest = _send(_signed(creds, "GET", proc.url + path[3:], path,
                           extra={HEADER_PERSON: token}), proc.url)
    assert honest.status_code == 200, honest.text


def test_timestamp_outside_the_window_is_refused(
    enrolled: tuple[BackendProcess, TerminalCredentials, Path]
) -> None:
    proc, creds, _ = enrolled
    req = _signed(creds, "GET", f"{proc.url}/catalog", "/v1/catalog")
    req.headers["X-Timestamp"] = str(int(req.headers["X-Timestamp"]) - 301)
    resp = _send(req, proc.url)
    assert resp.status_code == 401 and "skew" in resp.json()["message"]

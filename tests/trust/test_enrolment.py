"""Enrolment against a running reference backend: one-time codes bound to a terminal,
no re-enrolment until revoked, everything audited (operator commands as a subprocess)."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backend_client.client import BackendClient
from backend_client.enrollment import enroll_terminal
from backend_client.errors import BackendAuthError, CredentialsError
from backend_client.settings import BackendSettings
from backend_client.signing import TerminalCredentials
from tests.trust.backend_process import BackendProcess, issue_code, operator

TERMINAL = "KIOSK-ENROL-01"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[BackendProcess]:
    proc = BackendProcess(tmp_path / "backend.sqlite")
    proc.start()
    yield proc
    proc.stop()


def _settings(server: BackendProcess) -> BackendSettings:
    return BackendSettings(url=server.url, retries=0, connect_timeout_s=2, read_timeout_s=10)


def test_enrol_with_a_code_then_signed_calls_work(server: BackendProcess, tmp_path: Path) -> None:
    creds = tmp_path / "kiosk" / "terminal-credentials.json"
    enroll_terminal(_settings(server), server.url, TERMINAL, issue_code(server.db, TERMINAL), creds)
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
    with BackendClient(_settings(server), TERMINAL, creds.parent) as client:
        assert client.catalog().services


def test_re_enrolment_of_an_enrolled_terminal_is_refused(
    server: BackendProcess, tmp_path: Path
) -> None:
    enroll_terminal(_settings(server), server.url, TERMINAL, issue_code(server.db, TERMINAL),
                    tmp_path / "real" / "creds.json")
    # An impostor with a fresh, valid code for the same id still cannot take it over.
    with pytest.raises(BackendAuthError) as refused:
        enroll_terminal(_settings(server), server.url, TERMINAL,
                        issue_code(server.db, TERMINAL), tmp_path / "impostor" / "creds.json")
    assert refused.value.status == 409 and refused.value.code == "terminal_enrolled"
    assert not (tmp_path / "impostor" / "creds.json").exists()
    # The real kiosk keeps working.
    real = _settings(server).model_copy(update={"credentials": tmp_path / "real" / "creds.json"})
    with BackendClient(real, TERMINAL, tmp_path / "real") as client:
        assert client.catalog().services
    # Revoked by the operator, it may enrol again (with a new code).
    assert operator(server.db, "revoke", "--terminal", TERMINAL).returncode == 0
    enroll_terminal(_settings(server), server.url, TERMINAL, issue_code(server.db, TERMINAL),
                    tmp_path / "new" / "creds.json")
    trail = operator(server.db, "audit", "--terminal", TERMINAL).stdout
    actions = [line.split()[2] for line in trail.splitlines()]
    assert actions == ["code_issued", "enrolled", "code_issued", "enrolment_refused",
                       "revoked", "code_issued", "enrolled"]


def test_a_code_used_twice_is_refused(server: BackendProcess, tmp_path: Path) -> None:
    code = issue_code(server.db, TERMINAL)
    enroll_terminal(_settings(server), server.url, TERMINAL, code, tmp_path / "a" / "c.json")
    assert operator(server.db, "revoke", "--terminal", TERMINAL).returncode == 0
    with pytest.raises(BackendAuthError) as refused:
        enroll_terminal(_settings(server), server.url, TERMINAL, code, tmp_path / "b" / "c.json")
    assert refused.value.code == "enrollment_refused"
    assert "code already used" in operator(server.db, "audit").stdout


def test_a_code_is_bound_to_its_terminal_and_expires(
    server: BackendProcess, tmp_path: Path
) -> None:
    other = issue_code(server.db, "KIOSK-OTHER-02")
    with pytest.raises(BackendAuthError):
        enroll_terminal(_settings(server), server.url, TERMINAL, other, tmp_path / "c.json")
    expired = issue_code(server.db, TERMINAL, ttl="0.001")
    time.sleep(1.1)  # the backend's clock has whole seconds
    with pytest.raises(BackendAuthError):
        enroll_terminal(_settings(server), server.url, TERMINAL, expired, tmp_path / "c.json")
    trail = operator(server.db, "audit", "--terminal", TERMINAL).stdout
    assert "code expired" in trail and "for another terminal" in trail


def test_no_shipped_code_enrols(server: BackendProcess, tmp_path: Path) -> None:
    with pytest.raises(BackendAuthError):
        enroll_terminal(_settings(server), server.url, TERMINAL, "REFERENCE-ENROL",
                        tmp_path / "c.json")


def test_credentials_readable_by_others_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    TerminalCredentials.generate(TERMINAL).save(path)
    path.chmod(0o644)
    with pytest.raises(CredentialsError, match="chmod 600"):
        TerminalCredentials.load(path)


def test_sim_routes_absent_without_simulation_mode(server: BackendProcess) -> None:
    root = server.url.removesuffix("/v1")
    assert requests.get(f"{root}/sim/faults", timeout=5).status_code == 404
    assert requests.post(f"{root}/sim/payments/x/pay", timeout=5).status_code == 404
    assert requests.post(f"{root}/sim/faults", json={"fault": "http_5xx"},
                         timeout=5).status_code == 404
    assert requests.get(f"{server.url}/health", timeout=5).status_code == 200


def test_sim_routes_present_in_simulation_mode(tmp_path: Path) -> None:
    proc = BackendProcess(tmp_path / "sim.sqlite", "--simulation")
    proc.start()
    try:
        root = proc.url.removesuffix("/v1")
        assert requests.get(f"{root}/sim/faults", timeout=5).status_code == 200
    finally:
        proc.stop()

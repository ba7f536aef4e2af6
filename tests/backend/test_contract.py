"""The served OpenAPI equals api/openapi.yaml, and the app honours it (schemathesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings

from backend_sim.app import create_app
from backend_sim.contract import CONTRACT_PATH, render, served_contract
from backend_sim.embedded import EmbeddedBackend, load_state


def test_committed_contract_matches_the_served_one() -> None:
    committed = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    assert committed == served_contract(), "run: python -m backend_sim.contract"
    assert CONTRACT_PATH.read_text(encoding="utf-8") == render(served_contract())


def test_running_backend_serves_the_committed_contract(
    backend: EmbeddedBackend, client: object
) -> None:
    import requests

    served = requests.get(f"{backend.url}/openapi.json", timeout=5).json()
    assert served == yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    assert "/sim/faults" not in str(served["paths"])


def _schema() -> schemathesis.BaseSchema:
    # Signing is tested elsewhere; here the app runs with authentication off so generated
    # requests reach the handlers and every answer is checked against the contract.
    import tempfile

    state = load_state(f"sqlite:///{Path(tempfile.mkdtemp()) / 'schema.sqlite'}")
    state.require_auth = False
    return schemathesis.openapi.from_asgi("/v1/openapi.json", create_app(state))


schema = _schema()


@schema.parametrize()
@settings(max_examples=8, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_contract(case: schemathesis.Case) -> None:
    # Every default check except "schema-violating request accepted": request models
    # ignore unknown fields on purpose (an old backend survives a newer kiosk).
    from schemathesis.specs.openapi import checks

    case.call_and_validate(excluded_checks=[checks.negative_data_rejection])


@pytest.mark.parametrize("path", sorted(p for p in served_contract()["paths"]))
def test_every_path_is_versioned(path: str) -> None:
    assert path.startswith("/v1/")

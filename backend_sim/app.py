"""The reference backend as an ASGI app: the contract under /v1; /sim in simulation mode only."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend_client.models import API_VERSION
from backend_sim.faults import FaultMiddleware
from backend_sim.http import (
    ApiError,
    api_error_handler,
    http_error_handler,
    validation_error_handler,
)
from backend_sim.routes import (
    cards,
    feedback,
    identity,
    materials,
    payments,
    person,
    services,
    sim,
    terminal,
)
from backend_sim.state import BackendState

API_PREFIX = "/v1"

DESCRIPTION = """\
The API between self-service kiosks and the city's service platform.

Enrolment: POST /v1/terminals/register with a one-time code an operator issued for that
terminal id (expiring); an enrolled terminal is refused (409 terminal_enrolled) until an
operator revokes it.

Authentication: every call except /v1/health and /v1/terminals/register is signed with
the terminal's Ed25519 key. Headers X-Terminal-Id, X-Timestamp (Unix seconds), X-Nonce
and X-Signature: base64 Ed25519 over the lines "govkiosk-sig-v2", METHOD, path?query,
timestamp, nonce, hex SHA-256 of the body, the Idempotency-Key header (or empty) and the
hex SHA-256 of the X-Person-Token header (or empty). The timestamp must be within 300 s
of the backend's clock; a nonce is accepted once (stored in the database until its
timestamp leaves that window). Every call carries X-Request-Id.

Idempotency: calls that change state take an Idempotency-Key header. The same key with
the same body returns the stored answer; with another body, 409 idempotency_conflict.

Errors: every 4xx/5xx answer is an ErrorBody with a machine-readable code.
"""


def create_app(state: BackendState) -> FastAPI:
    app = FastAPI(
        title="Government kiosk service platform API",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.backend = state
    for module in (terminal, identity, person, services, payments, cards, feedback,
                   materials):
        app.include_router(module.router, prefix=API_PREFIX)
    # The receipt's QR code: a page for a phone (unsigned, no personal data).
    app.include_router(feedback.public, prefix=API_PREFIX)
    if state.simulation:
        # Never by default: these routes pay orders and inject faults without credentials.
        app.include_router(sim.router)
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_middleware(FaultMiddleware, faults=state.faults)
    return app


def contract(state: BackendState) -> dict[str, Any]:
    """The OpenAPI document the app serves (what api/openapi.yaml must equal)."""
    return create_app(state).openapi()

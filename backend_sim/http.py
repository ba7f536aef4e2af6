"""Request plumbing of the reference backend: errors, terminal auth, idempotency, persons."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend_client.models.base import ErrorBody
from backend_client.signing import (
    HEADER_IDEMPOTENCY,
    HEADER_NONCE,
    HEADER_PERSON,
    HEADER_REQUEST_ID,
    HEADER_SIGNATURE,
    HEADER_TERMINAL,
    HEADER_TIMESTAMP,
    MAX_CLOCK_SKEW_S,
    canonical_request,
    verify_signature,
)
from backend_sim import db
from backend_sim.state import BackendState

log = logging.getLogger(__name__)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422, 503)
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def _error(
    request: Request, status: int, code: str, message: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(
        code=code, message=message, request_id=request.headers.get(HEADER_REQUEST_ID, "")
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _error(request, exc.status, exc.code, exc.message)


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return _error(request, exc.status_code, "validation_error", str(exc.detail), exc.headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Field locations only: a request's values may be personal data.
    where = "; ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors()[:5])
    return _error(request, 422, "validation_error", f"invalid request: {where}")


def state_of(request: Request) -> BackendState:
    state: BackendState = request.app.state.backend
    return state


#: A route's ``state`` parameter: the backend's state, from the app.
State = Annotated[BackendState, Depends(state_of)]


def api_router(tag: str) -> APIRouter:
    """The router of one API area (its tag in the OpenAPI document), with the error
    answers every route may give."""
    return APIRouter(responses=ERROR_RESPONSES, tags=[tag])


# The statements every signed request runs, built once with bound parameters: building
# a statement per call (and SQLAlchemy's cache key of it) cost more than running it
# (a request's key lookup and nonce: 0.25-0.42 ms -> 0.12 ms, timeit on SQLite).
_TERMINAL_KEY = sa.select(db.terminals.c.public_key).where(
    db.terminals.c.terminal_id == sa.bindparam("terminal"))
_INSERT_NONCE = sa.insert(db.auth_nonces)
_STORED_ANSWER = sa.select(db.idempotency.c.body_sha256, db.idempotency.c.response).where(
    db.idempotency.c.terminal_id == sa.bindparam("terminal"),
    db.idempotency.c.key == sa.bindparam("key"))
_STORE_ANSWER = sa.insert(db.idempotency)


def _remember_nonce(conn: sa.Connection, state: BackendState, terminal: str, nonce: str,
                    timestamp: int) -> None:
    """Store (terminal, nonce) in the database; IntegrityError when it was stored before
    (a replay). The row lives until the request's timestamp has left the clock window,
    after which the timestamp check refuses a replay by itself. Being in the database, the
    refusal holds across restarts and for every backend process sharing the database (the
    primary key decides, atomically, whichever process sees the nonce first).
    """
    now = int(state.unix_time())
    t = db.auth_nonces
    if secrets.randbelow(64) == 0:
        conn.execute(sa.delete(t).where(t.c.expires_at < now))
    conn.execute(_INSERT_NONCE, {"terminal_id": terminal, "nonce": nonce,
                                 "expires_at": max(now, timestamp) + MAX_CLOCK_SKEW_S + 1})


def remember_nonce(state: BackendState, terminal: str, nonce: str, timestamp: int) -> bool:
    """:func:`_remember_nonce` in a transaction of its own; False for a replay."""
    try:
        with state.engine.begin() as conn:
            _remember_nonce(conn, state, terminal, nonce, timestamp)
    except sa.exc.IntegrityError:
        return False
    return True


async def authenticated_terminal(request: Request) -> str:
    """The terminal id of a correctly signed request, else 401.

    The key lookup and the nonce are one transaction (one connection, one commit): a
    request that fails the signature writes nothing, a replayed nonce rolls back."""
    state = state_of(request)
    h = request.headers
    terminal = h.get(HEADER_TERMINAL, "")
    if not state.require_auth:
        return terminal or "UNAUTHENTICATED"
    timestamp, nonce, signature = h.get(HEADER_TIMESTAMP, ""), h.get(HEADER_NONCE, ""), h.get(
        HEADER_SIGNATURE, ""
    )
    if not (terminal and timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 16
            and 8 <= len(nonce) <= 64 and signature):
        raise ApiError(401, "auth_failed", "request is not signed")
    if abs(state.unix_time() - int(timestamp)) > MAX_CLOCK_SKEW_S:
        raise ApiError(401, "auth_failed", "request timestamp is outside the allowed skew")
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    message = canonical_request(
        request.method, path, timestamp, nonce, await request.body(),
        idempotency_key=h.get(HEADER_IDEMPOTENCY), person_token=h.get(HEADER_PERSON),
    )
    try:
        with state.engine.begin() as conn:
            key = conn.execute(_TERMINAL_KEY, {"terminal": terminal}).scalar()
            if key is None:
                raise ApiError(401, "auth_failed", "terminal is not registered")
            if not verify_signature(key, message, signature):
                raise ApiError(401, "auth_failed", "signature does not verify")
            _remember_nonce(conn, state, terminal, nonce, int(timestamp))
    except sa.exc.IntegrityError:
        raise ApiError(401, "auth_failed", "nonce was used before") from None
    return terminal


Terminal = Annotated[str, Depends(authenticated_terminal)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key", min_length=8, max_length=128, pattern=r"^[A-Za-z0-9:_-]+$",
        description="Same key + same body = the stored answer; same key + other body = 409.",
    ),
]
PersonToken = Annotated[
    str,
    Header(alias="X-Person-Token", min_length=8, max_length=128,
           description="Token from an identity check or a confirmed QR login."),
]


def idempotent(
    state: BackendState,
    terminal: str,
    key: str,
    operation: str,
    body: BaseModel | None,
    handler: Callable[[], BaseModel],
) -> dict[str, Any]:
    """Run ``handler`` once per (terminal, key); repeats get the stored answer."""
    digest = _digest(operation, body)
    with state.lock:
        with state.engine.connect() as conn:
            stored = _stored_answer(conn, terminal, key, digest)
        if stored is not None:
            return stored
        # Errors are not stored: the call may succeed when retried after the cause is gone.
        result = handler().model_dump(mode="json")
        with state.engine.begin() as conn:
            _store_answer(conn, state, terminal, key, operation, digest, result)
        return result


def idempotent_tx(
    state: BackendState,
    terminal: str,
    key: str,
    operation: str,
    body: BaseModel | None,
    handler: Callable[[sa.Connection], BaseModel],
) -> dict[str, Any]:
    """:func:`idempotent` in one transaction: the stored-answer lookup, ``handler``'s
    writes (on the connection it is given) and the stored answer commit together, or
    nothing does. A crash can no longer leave the writes without their answer (whose
    retry with the same key would then be refused as a reused id), and it is one commit
    and one connection instead of three."""
    digest = _digest(operation, body)
    with state.lock, state.engine.begin() as conn:
        stored = _stored_answer(conn, terminal, key, digest)
        if stored is not None:
            return stored
        result = handler(conn).model_dump(mode="json")
        _store_answer(conn, state, terminal, key, operation, digest, result)
        return result


def _digest(operation: str, body: BaseModel | None) -> str:
    canonical = json.dumps(
        {"op": operation, "body": body.model_dump(mode="json") if body else None},
        sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_answer(conn: sa.Connection, terminal: str, key: str,
                   digest: str) -> dict[str, Any] | None:
    row = conn.execute(_STORED_ANSWER, {"terminal": terminal, "key": key}).first()
    if row is None:
        return None
    if row.body_sha256 != digest:
        raise ApiError(409, "idempotency_conflict",
                       "idempotency key was used with a different request")
    stored: dict[str, Any] = json.loads(row.response)
    return stored


def _store_answer(conn: sa.Connection, state: BackendState, terminal: str, key: str,
                  operation: str, digest: str, result: dict[str, Any]) -> None:
    conn.execute(_STORE_ANSWER, {
        "terminal_id": terminal, "key": key, "operation": operation, "body_sha256": digest,
        "status_code": 200, "response": json.dumps(result, ensure_ascii=False),
        "created_at": state.now().isoformat(),
    })


def issue_person_token(state: BackendState, id_number: str, terminal: str) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(24)
    expires = state.now() + timedelta(seconds=state.person_token_ttl_s)
    with state.engine.begin() as conn:
        conn.execute(sa.insert(db.person_tokens).values(
            token=token, id_number=id_number, terminal_id=terminal,
            expires_at=expires.isoformat(), face_attempts=0,
        ))
    return token, expires


def person_for_token(state: BackendState, token: str) -> str:
    """The ID number behind a valid person token, else 401 person_token_invalid."""
    with state.engine.connect() as conn:
        row = conn.execute(
            sa.select(db.person_tokens.c.id_number, db.person_tokens.c.expires_at)
            .where(db.person_tokens.c.token == token)
        ).first()
    if row is None or datetime.fromisoformat(row.expires_at) < state.now():
        raise ApiError(401, "person_token_invalid", "person token is unknown or expired")
    return str(row.id_number)


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"

"""HTTP transport of the backend client: one pooled session, timeouts, retries, signing.

Every call gets a request id (``X-Request-Id``, the same on each retry of the call) and
the terminal's signature headers (a fresh nonce per attempt). Only safe calls are
retried, with exponential backoff and jitter: GETs, and POSTs that carry an idempotency
key (the backend answers a repeat with the stored result). A non-keyed POST is sent
once, since a lost answer may mean it was done.

Answers are read with a size cap and an overall deadline (``requests``' read timeout is
per socket read; a backend that drips bytes would otherwise hold a kiosk forever), then
validated against the typed model. (The header section is bounded by the per-read
timeout and http.client's header limits only.) Logs carry method, path, status, duration and the
request id; never a body, a header value or a query string.

Redirects are never followed: a 3xx is an error (:class:`BackendRedirectError`), so the
signed headers and the resident's person token go to the configured origin only, and
every URL is built from the configured base URL, never from an answer.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from collections.abc import Mapping
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter

from backend_client.errors import (
    BackendError,
    BackendMalformedError,
    BackendRedirectError,
    BackendTimeoutError,
    BackendTlsError,
    BackendUnavailableError,
    BackendUnreachableError,
    rejected_for,
)
from backend_client.models.base import ErrorBody
from backend_client.settings import BackendSettings
from backend_client.signing import (
    HEADER_IDEMPOTENCY,
    HEADER_PERSON,
    HEADER_REQUEST_ID,
    TerminalCredentials,
)

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

#: Largest answer accepted (a certificate with 100+ table rows and a seal is ~300 kB).
MAX_RESPONSE_BYTES = 8_000_000
_RETRY_STATUSES = frozenset({500, 502, 503, 504})


def declared_length(value: str) -> int | None:
    """The Content-Length header as a number, or None when it is absent or not ASCII
    digits (``str.isdigit`` accepts "²", which ``int`` refuses)."""
    if value and value.isascii() and value.isdigit():
        return int(value)
    return None


def describe_validation(exc: ValidationError) -> str:
    """Where and how an answer failed validation, without the offending values."""
    parts = [
        ".".join(str(p) for p in err["loc"]) + f" ({err['type']})" for err in exc.errors()[:5]
    ]
    return "; ".join(parts)


class Transport:
    """Sends signed JSON requests to one backend and returns validated models."""

    def __init__(
        self,
        settings: BackendSettings,
        credentials: TerminalCredentials | None,
        *,
        base_url: str | None = None,
        backoff_s: float = 0.25,
        max_backoff_s: float = 2.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = (base_url or settings.url).rstrip("/")
        scheme = urlsplit(self.base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"backend URL must be http(s), got {scheme!r}")
        self._settings = settings
        self._credentials = credentials
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._max_bytes = max_response_bytes
        self._prefix = urlsplit(self.base_url).path
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=8, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Verification is never switched off; a CA bundle only changes what it trusts.
        self.session.verify = str(settings.ca_bundle) if settings.ca_bundle else True
        self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def call(
        self,
        method: str,
        path: str,
        response_model: type[M],
        *,
        body: BaseModel | None = None,
        params: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool | None = None,
    ) -> M:
        """One API call; raises a :class:`BackendError` subclass on any failure."""
        method = method.upper()
        payload = body.model_dump_json().encode() if body is not None else b""
        query = f"?{urlencode(sorted(params.items()))}" if params else ""
        path_and_query = f"{self._prefix}{path}{query}"
        safe = method == "GET" or idempotency_key is not None
        attempts = 1 + (self._settings.retries if (safe if retry is None else retry) else 0)
        request_id = uuid.uuid4().hex
        last: BackendError | None = None
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self._sleep_before(attempt)
            try:
                return self._attempt(
                    method, path_and_query, payload, response_model,
                    request_id, idempotency_key, headers, attempt,
                )
            except (BackendUnreachableError, BackendUnavailableError) as exc:
                last = exc
                if attempt < attempts:
                    log.warning(
                        "backend %s %s: %s; retrying (%d/%d)",
                        method, path, type(exc).__name__, attempt, attempts - 1,
                    )
            except BackendRedirectError:
                raise
            except BackendMalformedError as exc:
                # A garbled answer to a safe call is worth one more try; the rest is final.
                last = exc
                if attempt >= attempts:
                    break
                log.warning("backend %s %s: malformed answer; retrying", method, path)
        assert last is not None
        raise last

    def _sleep_before(self, attempt: int) -> None:
        delay = min(self._max_backoff_s, self._backoff_s * 2 ** (attempt - 2))
        time.sleep(delay * (0.5 + random.random() / 2))

    def _attempt(
        self,
        method: str,
        path_and_query: str,
        payload: bytes,
        response_model: type[M],
        request_id: str,
        idempotency_key: str | None,
        extra_headers: Mapping[str, str] | None,
        attempt: int,
    ) -> M:
        headers = {
            HEADER_REQUEST_ID: request_id,
            "Accept": "application/json",
            "X-Attempt": str(attempt),
        }
        if payload:
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers[HEADER_IDEMPOTENCY] = idempotency_key
        if extra_headers:
            headers.update(extra_headers)
        if self._credentials is not None:
            headers.update(self._credentials.headers(
                method, path_and_query, payload,
                idempotency_key=headers.get(HEADER_IDEMPOTENCY),
                person_token=headers.get(HEADER_PERSON),
            ))
        url = self.base_url[: len(self.base_url) - len(self._prefix)] + path_and_query
        timeout = (self._settings.connect_timeout_s, self._settings.read_timeout_s)
        deadline = time.monotonic() + self._settings.connect_timeout_s + (
            self._settings.read_timeout_s
        )
        started = time.monotonic()
        path = path_and_query.split("?", 1)[0]
        try:
            with self.session.request(
                method, url, data=payload or None, headers=headers, timeout=timeout,
                stream=True, allow_redirects=False,
            ) as resp:
                status = resp.status_code
                if 300 <= status < 400:
                    # Never followed: the target would get the signature and person token.
                    raise BackendRedirectError(
                        f"{method} {path}: backend answered a redirect (HTTP {status}); "
                        "not followed", status=status, request_id=request_id,
                    )
                raw = self._read_body(resp, deadline, request_id)
        except requests.exceptions.SSLError:
            raise BackendTlsError(
                f"{method} {path}: TLS verification failed", request_id=request_id
            ) from None
        except requests.exceptions.ConnectTimeout:
            raise BackendUnreachableError(
                f"{method} {path}: connect timed out", request_id=request_id
            ) from None
        except (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError):
            raise BackendTimeoutError(
                f"{method} {path}: no answer in time", request_id=request_id
            ) from None
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise BackendUnreachableError(
                f"{method} {path}: {type(exc).__name__}", request_id=request_id
            ) from None
        log.info(
            "backend %s %s -> %d in %.0f ms (request %s, attempt %d)",
            method, path, status, (time.monotonic() - started) * 1000, request_id, attempt,
        )
        if 200 <= status < 300:
            return self._parse(raw, response_model, f"{method} {path}", status, request_id)
        error = self._error_body(raw)
        message = f"{method} {path}: {error.message if error else f'HTTP {status}'}"
        code = error.code if error else ""
        if status >= 500 or status in _RETRY_STATUSES:
            raise BackendUnavailableError(
                message, code=code, status=status, request_id=request_id
            )
        if 400 <= status < 500:
            raise rejected_for(status, code, message, request_id)
        raise BackendMalformedError(
            f"{method} {path}: unexpected HTTP {status}", status=status, request_id=request_id
        )

    def _read_body(self, resp: requests.Response, deadline: float, request_id: str) -> bytes:
        declared = declared_length(resp.headers.get("Content-Length", ""))
        if declared is not None and declared > self._max_bytes:
            raise BackendMalformedError(
                f"answer of {declared} bytes is over {self._max_bytes}",
                status=resp.status_code, request_id=request_id,
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            # read1 returns what has arrived, so the deadline is checked as bytes trickle in.
            chunk = resp.raw.read1(65536, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > self._max_bytes:
                raise BackendMalformedError(
                    f"answer is over {self._max_bytes} bytes",
                    status=resp.status_code, request_id=request_id,
                )
            if time.monotonic() > deadline:
                raise BackendTimeoutError(
                    "answer did not complete in time", request_id=request_id
                )
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _parse(raw: bytes, model: type[M], what: str, status: int, request_id: str) -> M:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise BackendMalformedError(
                f"{what}: answer is not JSON ({len(raw)} bytes)",
                status=status, request_id=request_id,
            ) from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise BackendMalformedError(
                f"{what}: answer does not match {model.__name__}: {describe_validation(exc)}",
                status=status, request_id=request_id,
            ) from None

    @staticmethod
    def _error_body(raw: bytes) -> ErrorBody | None:
        try:
            return ErrorBody.model_validate(json.loads(raw))
        except (ValueError, RecursionError, ValidationError):
            return None

"""Terminal authentication: every request is signed with the terminal's Ed25519 key.

Why signed requests rather than mutual TLS:

* The city platform terminates TLS at its gateway; a signature travels with the request
  to the service that checks it, a client certificate does not.
* The embedded reference backend runs plain HTTP on loopback and still authenticates
  the terminal exactly as the real platform does, so the code under test is the code
  that ships.
* Enrolling or rotating a kiosk is one public key in the platform's database, no PKI to
  run. Ed25519 comes from ``cryptography`` (OpenSSL): verify 0.14 ms and sign 0.04 ms,
  against pycryptodome's pure-Python curve arithmetic at 0.30 and 0.14 ms, on every
  signed request at both ends. pycryptodome stays for the PBOC DES MACs.
* The signature covers method, path, query, a timestamp, a nonce, the body's hash and
  every header that carries meaning (the idempotency key, the resident's person token),
  so a captured request can be neither replayed nor altered, nor its token swapped.

TLS stays on for every https URL (verification with the configured CA bundle), so the
signature adds authentication; it does not replace transport encryption.

Canonical string (UTF-8), fields joined by newlines::

    govkiosk-sig-v2
    METHOD
    /path?query
    <timestamp, Unix seconds>
    <nonce>
    <hex SHA-256 of the body>
    <Idempotency-Key, or empty>
    <hex SHA-256 of X-Person-Token, or empty when the header is absent>

Clock window and replay: the backend accepts a timestamp at most ``MAX_CLOCK_SKEW_S``
(300 s) before or after its own clock, and stores every accepted (terminal, nonce) in
its database until that timestamp has left the window, so a replay is refused across
backend restarts and by every replica sharing the database. The kiosk compares its
clock with the backend's on every health check: a warning past ``CLOCK_WARN_S``, out of
service past ``MAX_CLOCK_SKEW_S`` (its signed calls would be refused anyway).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend_client.errors import CredentialsError

HEADER_TERMINAL = "X-Terminal-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
HEADER_REQUEST_ID = "X-Request-Id"
HEADER_IDEMPOTENCY = "Idempotency-Key"
HEADER_PERSON = "X-Person-Token"
SIGNATURE_VERSION = "govkiosk-sig-v2"

#: How far a request's timestamp may be from the backend's clock (either way).
MAX_CLOCK_SKEW_S = 300
#: A kiosk clock this far off the backend's is logged as a warning.
CLOCK_WARN_S = 60


def canonical_request(
    method: str,
    path_and_query: str,
    timestamp: str,
    nonce: str,
    body: bytes,
    *,
    idempotency_key: str | None = None,
    person_token: str | None = None,
) -> bytes:
    """The bytes a request's signature covers (see the module docstring)."""
    digest = hashlib.sha256(body).hexdigest()
    person = hashlib.sha256(person_token.encode()).hexdigest() if person_token is not None else ""
    return "\n".join((
        SIGNATURE_VERSION, method.upper(), path_and_query, timestamp, nonce, digest,
        idempotency_key or "", person,
    )).encode()


@dataclass(frozen=True)
class TerminalCredentials:
    """A terminal's identity: its id and Ed25519 private key (the 32-byte seed)."""

    terminal_id: str
    seed: bytes

    @classmethod
    def generate(cls, terminal_id: str) -> TerminalCredentials:
        return cls(terminal_id, secrets.token_bytes(32))

    @property
    def public_key_base64(self) -> str:
        return public_key_of(self.seed)

    def sign(self, message: bytes) -> str:
        return sign_with_seed(self.seed, message)

    def headers(
        self,
        method: str,
        path_and_query: str,
        body: bytes,
        *,
        idempotency_key: str | None = None,
        person_token: str | None = None,
    ) -> dict[str, str]:
        """The authentication headers of one request (sign the headers you send)."""
        timestamp = str(int(time.time()))
        nonce = secrets.token_urlsafe(12)
        signature = self.sign(canonical_request(
            method, path_and_query, timestamp, nonce, body,
            idempotency_key=idempotency_key, person_token=person_token,
        ))
        return {
            HEADER_TERMINAL: self.terminal_id,
            HEADER_TIMESTAMP: timestamp,
            HEADER_NONCE: nonce,
            HEADER_SIGNATURE: signature,
        }

    def save(self, path: Path) -> None:
        """Write the file atomically, readable by its owner only."""
        data = {
            "terminal_id": self.terminal_id,
            "algorithm": "ed25519",
            "private_key_base64": base64.b64encode(self.seed).decode(),
            "public_key_base64": self.public_key_base64,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cred-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> TerminalCredentials:
        """Read the file; refused when anyone but its owner may read it (a private key)."""
        try:
            mode = path.stat().st_mode
            if mode & 0o077:
                raise CredentialsError(
                    f"{path}: readable by others (mode {mode & 0o777:o}); chmod 600 it"
                )
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CredentialsError(f"{path}: cannot read: {exc.strerror}") from None
        except ValueError:
            raise CredentialsError(f"{path}: not JSON") from None
        try:
            terminal_id = str(data["terminal_id"])
            seed = base64.b64decode(data["private_key_base64"], validate=True)
        except (KeyError, TypeError, binascii.Error):
            raise CredentialsError(
                f"{path}: needs terminal_id and private_key_base64"
            ) from None
        if len(seed) != 32:
            raise CredentialsError(f"{path}: private key must be 32 bytes")
        return cls(terminal_id, seed)


# Loading a key is a scalar multiplication (the private key's public point) or a point
# decompression (a public key), of the order of the signature itself. A key object holds
# no per-message state, so one per key is kept and shared by threads. Bounded: a signer
# per terminal identity, a verifier per enrolled public key seen recently.


@lru_cache(maxsize=8)
def _signer(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


@lru_cache(maxsize=1024)
def _verifier(public_key_base64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_base64, validate=True))


def sign_with_seed(seed: bytes, message: bytes) -> str:
    """The base64 Ed25519 signature of ``message`` by the key whose seed is ``seed``."""
    return base64.b64encode(_signer(seed).sign(message)).decode()


def public_key_of(seed: bytes) -> str:
    """The raw 32-byte public key of ``seed``'s Ed25519 key, base64."""
    raw = _signer(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def verify_signature(public_key_base64: str, message: bytes, signature_base64: str) -> bool:
    """True when ``signature_base64`` is the Ed25519 signature of ``message``."""
    try:
        signature = base64.b64decode(signature_base64, validate=True)
        _verifier(public_key_base64).verify(signature, message)
    except (ValueError, binascii.Error, InvalidSignature):
        return False
    return True


def generate_signing_key() -> tuple[bytes, str]:
    """A fresh Ed25519 (seed, public key base64) pair, e.g. for certificate signing."""
    seed = secrets.token_bytes(32)
    return seed, public_key_of(seed)


__all__ = [
    "CLOCK_WARN_S",
    "HEADER_PERSON",
    "MAX_CLOCK_SKEW_S",
    "TerminalCredentials",
    "canonical_request",
    "generate_signing_key",
    "public_key_of",
    "sign_with_seed",
    "verify_signature",
]

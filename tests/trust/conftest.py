"""Fixtures: the embedded reference backend over real loopback HTTP, and a client for it
(as in tests/backend)."""

from __future__ import annotations

from tests.backend.fixtures import TERMINAL, backend, client, settings

__all__ = ["TERMINAL", "backend", "client", "settings"]

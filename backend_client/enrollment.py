"""Enrol a terminal: make its Ed25519 key and register the public half with the backend."""

from __future__ import annotations

import logging
from pathlib import Path

from backend_client.models import TerminalRegistered, TerminalRegistration
from backend_client.settings import BackendSettings
from backend_client.signing import TerminalCredentials
from backend_client.transport import Transport

log = logging.getLogger(__name__)


def enroll_terminal(
    settings: BackendSettings,
    base_url: str,
    terminal_id: str,
    enrollment_code: str,
    credentials_path: Path,
    location: str = "",
) -> TerminalCredentials:
    """Register this terminal (reusing its key if the file exists) and save the credentials.

    The private key never leaves the kiosk; the backend stores only the public key.
    """
    credentials: TerminalCredentials | None = None
    if credentials_path.exists():
        credentials = TerminalCredentials.load(credentials_path)
        if credentials.terminal_id != terminal_id:
            credentials = None
    if credentials is None:
        credentials = TerminalCredentials.generate(terminal_id)
    transport = Transport(settings, None, base_url=base_url)
    try:
        transport.call(
            "POST", "/terminals/register", TerminalRegistered,
            body=TerminalRegistration(
                terminal_id=terminal_id,
                public_key_base64=credentials.public_key_base64,
                enrollment_code=enrollment_code,
                location=location,
            ),
            retry=True,
        )
    finally:
        transport.close()
    credentials.save(credentials_path)
    log.info("terminal %s enrolled; credentials in %s", terminal_id, credentials_path)
    return credentials

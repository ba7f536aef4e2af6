"""Run the reference backend in-process on a free loopback port (``kiosk --simulate``, tests)."""

from __future__ import annotations

import base64
import logging
import secrets
import socket
import threading
from pathlib import Path

import sqlalchemy as sa
import uvicorn

from backend_client.errors import CredentialsError
from backend_client.signing import TerminalCredentials
from backend_sim import db, enrolment
from backend_sim.app import API_PREFIX, create_app
from backend_sim.faults import BackendFaults, silence_injected_drops
from backend_sim.seed import seed
from backend_sim.state import BackendState

log = logging.getLogger(__name__)


def load_state(
    database_url: str, *, auto_pay_after_s: float | None = None, simulation: bool = False
) -> BackendState:
    """Open (creating and seeding if new) the database, with its persistent signing key."""
    engine = db.make_engine(database_url)
    if seed(engine):
        log.info("reference backend: seeded a new database")
    with engine.begin() as conn:
        stored = conn.execute(sa.select(db.backend_secrets.c.value).where(
            db.backend_secrets.c.name == "certificate_signing_seed")).scalar()
        if stored is None:
            stored = base64.b64encode(secrets.token_bytes(32)).decode()
            conn.execute(sa.insert(db.backend_secrets).values(
                name="certificate_signing_seed", value=stored))
    return BackendState(
        engine=engine, signing_seed=base64.b64decode(stored), auto_pay_after_s=auto_pay_after_s,
        simulation=simulation,
    )


class BackendServer:
    """uvicorn on a socket bound by us (so port 0 gives a known free port), in a thread."""

    def __init__(self, state: BackendState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only
        # when the socket says it is TCP. Without it uvicorn's body write waits behind
        # Nagle for the client's delayed ACK: ~40 ms on every request.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = int(self._sock.getsockname()[1])
        self.base_url = f"http://{host}:{self.port}{API_PREFIX}"
        config = uvicorn.Config(
            create_app(state), log_level="warning", lifespan="off", access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]},
            name="backend-sim", daemon=True,
        )
        silence_injected_drops()

    def start(self, timeout: float = 20.0) -> None:
        self._thread.start()
        ready = threading.Event()

        def wait() -> None:
            while not self._server.started and self._thread.is_alive():
                ready.wait(0.02)
            ready.set()

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        if not ready.wait(timeout) or not self._server.started:
            raise RuntimeError("reference backend did not start")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
        self.state.engine.dispose()


class EmbeddedBackend:
    """A running reference backend plus this kiosk's credentials for it."""

    def __init__(self, server: BackendServer, credentials_path: Path) -> None:
        self._server = server
        self.url = server.base_url
        self.credentials_path = credentials_path
        self.faults: BackendFaults = server.state.faults
        self.state = server.state

    @property
    def port(self) -> int:
        return self._server.port

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_embedded(
    db_path: Path,
    state_dir: Path,
    *,
    auto_pay_after_s: float | None = None,
    terminal_id: str = "KIOSK-SIM-0001",
) -> EmbeddedBackend:
    """Start the backend (simulation mode: /sim mounted) on a free loopback port and
    enrol ``terminal_id`` with it, unless it is enrolled with this kiosk's key already.

    The embedded backend is its own operator: it issues itself a one-time code through
    the same operator API ``kiosk-backend-sim enrol-code`` uses, and the kiosk enrols over
    HTTP like a real one. The credentials are written to
    ``<state_dir>/terminal-credentials.json`` (a file the BackendClient reads by default).
    """
    # The kiosk's client side, imported here: `kiosk-backend-sim` (the kiosk's backend
    # child) imports this module and needs none of it (requests alone is ~0.1 s).
    from backend_client.client import CREDENTIALS_FILE
    from backend_client.enrollment import enroll_terminal
    from backend_client.settings import BackendSettings

    db_path.parent.mkdir(parents=True, exist_ok=True)
    state = load_state(f"sqlite:///{db_path}", auto_pay_after_s=auto_pay_after_s,
                       simulation=True)
    server = BackendServer(state)
    server.start()
    credentials_path = state_dir / CREDENTIALS_FILE
    try:
        if not _enrolled_with(state, terminal_id, credentials_path):
            if enrolment.revoke(state, terminal_id, operator="embedded: new credentials"):
                log.info("embedded backend: terminal %s enrolled again", terminal_id)
            code, _ = enrolment.issue_code(state, terminal_id, ttl_s=300, operator="embedded")
            enroll_terminal(
                BackendSettings(url=server.base_url), server.base_url, terminal_id,
                code, credentials_path, location="embedded",
            )
    except Exception:
        server.stop()
        raise
    log.info("reference backend embedded at %s", server.base_url)
    return EmbeddedBackend(server, credentials_path)


def _enrolled_with(state: BackendState, terminal_id: str, credentials_path: Path) -> bool:
    """True when the database holds this terminal with the key of ``credentials_path``."""
    try:
        credentials = TerminalCredentials.load(credentials_path)
    except CredentialsError:
        return False
    if credentials.terminal_id != terminal_id:
        return False
    with state.engine.connect() as conn:
        key = conn.execute(sa.select(db.terminals.c.public_key).where(
            db.terminals.c.terminal_id == terminal_id)).scalar()
    return key == credentials.public_key_base64

"""The checks behind ``kiosk-diag commission`` (no Qt, no printing): each returns a
:class:`Check` with a status a technician can act on."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from backend_client.client import BackendClient
from backend_client.errors import BackendError, CredentialsError
from drivers.health import HealthLevel
from kiosk.config import KioskConfig
from kiosk.devices import build_registry

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # pass | fail | unknown (could not tell: not a failure, but shown)
    detail: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _run(argv: list[str], timeout: float = 10.0) -> tuple[int, str]:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return -1, str(exc)
    return out.returncode, (out.stdout + out.stderr).strip()


def check_devices(config: KioskConfig) -> list[Check]:
    """Each enabled device: opened (present) and an internal health check (answers)."""
    registry = build_registry(config)
    checks: list[Check] = []
    try:
        registry.open_all()
        for device in registry:
            impl = config.devices.get(device.name)
            name = f"device {device.name} [{impl.impl if impl is not None else 'sim'}]"
            if not device.is_open:  # not present: opening it failed
                status = device.status
                checks.append(Check(name, FAIL, f"not present ({status.state.value}): "
                                    f"{status.reason or status.error_code}"))
                continue
            try:
                result = device.check_health(HealthLevel.INTERNAL)
            except Exception as exc:  # noqa: BLE001 - a driver's failure is this check's result
                reason = device.status.reason
                checks.append(Check(name, FAIL, f"{reason or 'health check failed'} ({exc!r})"))
                continue
            bad = [f"{n}: {d}" for n, ok, d in result.checks if not ok]
            detail = result.summary + (f" ({'; '.join(bad)})" if bad else "")
            checks.append(Check(name, PASS if result.ok else FAIL, detail))
    finally:
        registry.close_all()
    return checks


def check_printer_queues(config: KioskConfig) -> list[Check]:
    """The CUPS queue of every cups-driven printer exists and accepts jobs."""
    checks = []
    for role, dev in config.devices.items():
        if dev.impl != "cups" or not dev.enabled:
            continue
        queue = str(dev.settings().get("queue", "kiosk-a4"))
        if shutil.which("lpstat") is None:
            checks.append(Check(f"queue {queue}", FAIL, "lpstat not installed (cups-client)"))
            continue
        code, text = _run(["lpstat", "-p", queue])
        accepting_code, accepting = _run(["lpstat", "-a", queue])
        ok = code == 0 and accepting_code == 0 and "not accepting" not in accepting
        checks.append(Check(f"queue {queue} ({role})", PASS if ok else FAIL,
                            (text or accepting or f"lpstat exit {code}").splitlines()[0]))
    if not checks:
        checks.append(Check("printer queues", PASS, "no CUPS printer configured"))
    return checks


def check_clock() -> Check:
    """Synchronised per systemd-timesyncd/timedatectl or chrony; UNKNOWN if neither tells."""
    if shutil.which("timedatectl"):
        code, text = _run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
        if code == 0 and text in ("yes", "no"):
            return Check("clock", PASS if text == "yes" else FAIL,
                         "synchronised (timedatectl)" if text == "yes"
                         else "NOT synchronised (timedatectl: NTPSynchronized=no)")
    if shutil.which("chronyc"):
        code, text = _run(["chronyc", "-n", "tracking"])
        if code == 0:
            leap = next((ln.split(":", 1)[1].strip() for ln in text.splitlines()
                         if ln.startswith("Leap status")), "")
            return Check("clock", PASS if leap == "Normal" else FAIL,
                         f"chrony leap status {leap or '?'}")
    return Check("clock", UNKNOWN, "cannot tell: neither timedatectl nor chronyc answered "
                 "(no systemd or chrony here); check the time by hand")


def check_backend(config: KioskConfig) -> list[Check]:
    """Reachable (health) and this terminal enrolled (a signed call is accepted)."""
    settings, state_dir, url, embedded = config.backend, config.state_dir, None, None
    if settings.url == "embedded":
        from backend_sim.embedded import start_embedded

        tmp = Path(tempfile.mkdtemp(prefix="kiosk-commission-"))
        embedded = start_embedded(tmp / "backend.sqlite", tmp, terminal_id=config.terminal_id)
        url, state_dir = embedded.url, tmp
        settings = settings.model_copy(update={"credentials": None})
    try:
        try:
            client = BackendClient(settings, config.terminal_id, state_dir, base_url=url)
        except CredentialsError as exc:
            return [_unsigned_health(url or settings.url, settings.connect_timeout_s),
                    Check("terminal enrolled", FAIL,
                          f"{exc}; run: kiosk-diag backend enroll --code CODE")]
        with client:
            try:
                health = client.health()
            except BackendError as exc:
                return [Check("backend reachable", FAIL, f"{url or settings.url}: {exc}"),
                        Check("terminal enrolled", UNKNOWN, "not tried: backend unreachable")]
            reach = Check("backend reachable", PASS,
                          f"{url or settings.url} (api {health.api_version})")
            try:
                catalog = client.catalog()
            except BackendError as exc:
                return [reach, Check("terminal enrolled", FAIL, f"signed call refused: {exc}")]
            return [reach, Check("terminal enrolled", PASS,
                                 f"{config.terminal_id}: signed calls accepted "
                                 f"({len(catalog.services)} services)")]
    finally:
        if embedded is not None:
            embedded.stop()


def _unsigned_health(url: str, timeout_s: float) -> Check:
    """Reachability without credentials (GET /health needs no signature)."""
    import requests

    try:
        response = requests.get(url.rstrip("/") + "/health", timeout=timeout_s)
    except requests.RequestException as exc:
        return Check("backend reachable", FAIL, f"{url}: {type(exc).__name__}: {exc}")
    status = PASS if response.status_code == 200 else FAIL
    return Check("backend reachable", status, f"{url}: /health answered {response.status_code}")

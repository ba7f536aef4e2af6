"""Everything the kiosk runs on, without Qt: backend, devices, worker pool.

The UI gets one :class:`KioskRuntime`; the scenario runner and tests get the same one.
Starting it never blocks: devices open on their own workers and report their state as
they come up, and the embedded reference backend starts in its own process while the
attract screen is already up (:attr:`backend` is set once it answers; see
:meth:`wait_backend`).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.health import HealthLevel
from drivers.registry import DeviceRegistry
from kiosk.config import KioskConfig
from kiosk.devices import build_registry

if TYPE_CHECKING:
    from backend_client.client import BackendClient
    from backend_client.service_definition import Catalog

log = logging.getLogger(__name__)

#: Devices whose status only a query reveals (a printer does not say it ran out of paper).
#: Devices asked for their status while idle (the card readers poll by themselves).
WATCHED_ROLES = ("receipt_printer", "a4_printer", "face_camera")


def spawn_backend(config: KioskConfig, auto_pay_after_s: float | None) -> Any:
    """Spawn the embedded reference backend's process (cheap; None if not embedded).
    Call it from a thread that lives as long as the kiosk: the child dies with it."""
    if config.backend.url != "embedded":
        return None
    from kiosk.backend_process import PendingBackendProcess

    config.state_dir.mkdir(parents=True, exist_ok=True)
    return PendingBackendProcess(config.state_dir / "reference-backend.sqlite",
                                 config.state_dir, terminal_id=config.terminal_id,
                                 auto_pay_after_s=auto_pay_after_s)


class KioskRuntime:
    def __init__(self, config: KioskConfig, *, auto_pay_after_s: float | None = None,
                 backend_process: Any = None) -> None:
        self.config = config
        #: The embedded backend's child, if already spawned (see :func:`spawn_backend`).
        self._pending_backend = backend_process
        self.devices: DeviceRegistry = build_registry(config)
        self.executor = ThreadPoolExecutor(max_workers=6, thread_name_prefix="kiosk-work")
        self.backend: BackendClient | None = None
        self.embedded: Any = None
        self._auto_pay_after_s = auto_pay_after_s
        self._opened = threading.Event()
        self._backend_ready = threading.Event()
        #: Why the backend client could not be made (the embedded backend did not start).
        self.backend_error: BaseException | None = None
        self._stopping = threading.Event()
        self.backend_online = False
        #: The last service catalog the UI loaded (the payment adapter reads fees from it).
        self.catalog: Catalog | None = None
        #: The backend ports, for forgetting person tokens when a session ends.
        self.backend_ports: Any = None
        #: The payments keeper (kiosk.adapters.payments): start-up and idle reconciliation.
        self.payments: Any = None
        #: Whether the status watch may ask ``role`` now: the UI says no for the cameras
        #: while a resident's service may be using them (kiosk/ui/controller.py).
        self.watch_allowed: Callable[[str], bool] = lambda role: True

    def start(self) -> None:
        """Open the devices and make the backend client, both in the background: the
        embedded backend is spawned now (cheap) and waited for on a thread."""
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        threading.Thread(target=self._open_devices, name="open-devices", daemon=True).start()
        pending = self._pending_backend
        if pending is None:
            pending = spawn_backend(self.config, self._auto_pay_after_s)
        threading.Thread(target=self._connect_backend, args=(pending,),
                         name="start-backend", daemon=True).start()

    def _connect_backend(self, pending: Any) -> None:
        try:
            settings = self.config.backend
            if pending is not None:
                self.embedded = pending.wait_ready()
                settings = settings.model_copy(update={
                    "url": self.embedded.url, "credentials": self.embedded.credentials_path})
                log.info("embedded reference backend at %s", self.embedded.url)
            from backend_client.client import BackendClient

            self.backend = BackendClient(settings, self.config.terminal_id,
                                         self.config.state_dir)
        except Exception as exc:  # noqa: BLE001 - reported to the UI, which goes out of service
            log.warning("backend client not started: %s", exc)
            self.backend_error = exc
        finally:
            self._backend_ready.set()

    def wait_backend(self, timeout: float) -> bool:
        """True once the backend client exists or could not be made (see backend_error)."""
        return self._backend_ready.wait(timeout)

    def _open_devices(self) -> None:
        self.devices.open_all()
        self._opened.set()
        self._watch_status()

    def _watch_status(self) -> None:
        """Ask the printers and the face camera for their status now and then (an internal
        health check: no paper moves), so paper out or an unplugged camera at 2 a.m. is
        known before anyone starts a service, not after."""
        interval = self.config.timeouts.status_poll_s
        while not self._stopping.wait(interval):
            for role in WATCHED_ROLES:
                device = self.devices.get(role)
                if device is None or not device.is_open or device.status.state.value == "busy" \
                        or not self.watch_allowed(role):
                    continue
                result = device.check_health(HealthLevel.INTERNAL, timeout=interval)
                if not result.ok:
                    log.debug("%s: %s", role, result.summary)

    def wait_devices_opened(self, timeout: float) -> bool:
        return self._opened.wait(timeout)

    def stop(self, grace_s: float = 10.0) -> None:
        """Let running work finish (closing an open order needs the backend), then stop."""
        self._stopping.set()
        if self.payments is not None:
            self.payments.stop()
        waiter = threading.Thread(target=self.executor.shutdown, kwargs={"wait": True},
                                  name="stop-work", daemon=True)
        waiter.start()
        waiter.join(grace_s)
        if waiter.is_alive():
            log.warning("work still running after %ss; stopping anyway", grace_s)
            self.executor.shutdown(wait=False, cancel_futures=True)
        self.devices.close_all()
        cache = sys.modules.get("printers.certificate.cache")  # not imported: no process
        if cache is not None:
            cache.shutdown()
        if self.backend is not None:
            self.backend.close()
        if self.embedded is not None:
            self.embedded.stop()

    @property
    def state_dir(self) -> Path:
        return self.config.state_dir

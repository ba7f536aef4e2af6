"""Everything the kiosk runs on, without Qt: backend, devices, worker pool.

The UI gets one :class:`KioskRuntime`; the scenario runner and tests get the same one.
Starting it never blocks on hardware: devices open on their own workers and report
their state as they come up.
"""

from __future__ import annotations

import logging
import threading
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
WATCHED_ROLES = ("receipt_printer", "a4_printer")


class KioskRuntime:
    def __init__(self, config: KioskConfig, *, auto_pay_after_s: float | None = None) -> None:
        self.config = config
        self.devices: DeviceRegistry = build_registry(config)
        self.executor = ThreadPoolExecutor(max_workers=6, thread_name_prefix="kiosk-work")
        self.backend: BackendClient | None = None
        self.embedded: Any = None
        self._auto_pay_after_s = auto_pay_after_s
        self._opened = threading.Event()
        self._stopping = threading.Event()
        self.backend_online = False
        #: The last service catalog the UI loaded (the payment adapter reads fees from it).
        self.catalog: Catalog | None = None
        #: The backend ports, for forgetting person tokens when a session ends.
        self.backend_ports: Any = None

    def start(self) -> None:
        """Start the backend (embedded when configured) and open the devices, async."""
        self.config.state_dir.mkdir(parents=True, exist_ok=True)
        settings = self.config.backend
        if settings.url == "embedded":
            from backend_sim.embedded import start_embedded

            self.embedded = start_embedded(
                self.config.state_dir / "reference-backend.sqlite",
                self.config.state_dir,
                auto_pay_after_s=self._auto_pay_after_s,
                terminal_id=self.config.terminal_id,
            )
            settings = settings.model_copy(
                update={"url": self.embedded.url, "credentials": self.embedded.credentials_path}
            )
            log.info("embedded reference backend at %s", self.embedded.url)
        from backend_client.client import BackendClient

        self.backend = BackendClient(settings, self.config.terminal_id, self.config.state_dir)
        threading.Thread(target=self._open_devices, name="open-devices", daemon=True).start()

    def _open_devices(self) -> None:
        self.devices.open_all()
        self._opened.set()
        self._watch_status()

    def _watch_status(self) -> None:
        """Ask the printers for their status now and then (an internal health check: no
        paper moves), so paper out at 2 a.m. is known before anyone pays, not after."""
        interval = self.config.timeouts.status_poll_s
        while not self._stopping.wait(interval):
            for role in WATCHED_ROLES:
                device = self.devices.get(role)
                if device is None or not device.is_open or device.status.state.value == "busy":
                    continue
                result = device.check_health(HealthLevel.INTERNAL, timeout=interval)
                if not result.ok:
                    log.debug("%s: %s", role, result.summary)

    def wait_devices_opened(self, timeout: float) -> bool:
        return self._opened.wait(timeout)

    def stop(self, grace_s: float = 10.0) -> None:
        """Let running work finish (closing an open order needs the backend), then stop."""
        self._stopping.set()
        waiter = threading.Thread(target=self.executor.shutdown, kwargs={"wait": True},
                                  name="stop-work", daemon=True)
        waiter.start()
        waiter.join(grace_s)
        if waiter.is_alive():
            log.warning("work still running after %ss; stopping anyway", grace_s)
            self.executor.shutdown(wait=False, cancel_futures=True)
        self.devices.close_all()
        if self.backend is not None:
            self.backend.close()
        if self.embedded is not None:
            self.embedded.stop()

    @property
    def state_dir(self) -> Path:
        return self.config.state_dir

"""The simulated scanner: the real SaneScanner against SANE's own ``test`` backend.

At open it writes a private SANE_CONFIG_DIR whose dll.conf loads only the ``test``
backend and points every ``scanimage`` run at it, so discovery, the subprocess, exit
codes, error parsing and PNG decoding are the shipping code. Faults are set at that
transport too: the test backend's ``--read-return-value`` makes ``sane_read`` itself
fail with SANE_STATUS_JAMMED / COVER_OPEN / NO_DOCS, ``--read-delay`` slows the
transfer down, and a test.conf that creates one device instead of two makes the
simulated scanner (the second one, ``test:1``) disappear from discovery and open.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from drivers.base import DeviceSettings
from drivers.scanner.sane import SaneScanner, SaneScannerSettings
from drivers.statistics import StatisticsStore
from kiosk_base.faults import FaultSet

log = logging.getLogger(__name__)

FAULTS: Mapping[str, str] = {
    "no_device": "the scanner is unplugged: SANE finds no device",
    "jam": "the page jams: sane_read fails with SANE_STATUS_JAMMED",
    "cover_open": "the lid is open: sane_read fails with SANE_STATUS_COVER_OPEN",
    "feeder_empty": "no page in the feeder: sane_read fails with SANE_STATUS_NO_DOCS",
    "slow": "the transfer crawls (param delay_ms per 1 KiB block, default 200)",
    "blank": "nothing on the glass: a plain white page",
}


class SimulatedScannerSettings(SaneScannerSettings):
    device: str = Field("test:1", description="The SANE test backend's second device.")
    area_mm: tuple[float, float] | None = Field(
        (148.0, 200.0), description="Scan area (width, height) in mm (test backend max 200)."
    )
    extra_options: tuple[str, ...] = Field(
        ("--test-picture", "Grid"), description="Test backend options: a black/white grid."
    )
    scan_timeout_s: float = Field(
        15, gt=0, description="The test backend answers in well under a second."
    )


class ScannerSimulator:
    """Fault injection for :class:`SimulatedScanner` (see FAULTS)."""

    def __init__(self, owner: str) -> None:
        self._faults = FaultSet(FAULTS, owner=owner)

    def faults(self) -> Mapping[str, str]:
        return self._faults.faults()

    def inject(self, fault: str, **params: object) -> None:
        self._faults.inject(fault, **params)

    def clear(self, fault: str | None = None) -> None:
        self._faults.clear(fault)

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        return self._faults.active_faults()

    def is_active(self, fault: str) -> bool:
        return self._faults.is_active(fault)

    def scanimage_options(self) -> list[str]:
        """The test backend options that produce the active faults."""
        options: list[str] = []
        for fault, status in (
            ("jam", "SANE_STATUS_JAMMED"),
            ("cover_open", "SANE_STATUS_COVER_OPEN"),
            ("feeder_empty", "SANE_STATUS_NO_DOCS"),
        ):
            if self._faults.is_active(fault):
                options += ["--read-return-value", status]
                break
        if self._faults.is_active("slow"):
            delay_ms = self._faults.param("slow", "delay_ms", 200)
            delay_us = min(200_000, max(1_000, int(float(str(delay_ms)) * 1000)))
            options += [
                "--read-limit=yes",
                "--read-limit-size",
                "1024",
                "--read-delay=yes",
                "--read-delay-duration",
                str(delay_us),
            ]
        if self._faults.is_active("blank"):
            options += ["--test-picture", "Solid white"]
        return options


class SimulatedScanner(SaneScanner):
    """SaneScanner on the SANE test backend, with fault injection."""

    Settings: ClassVar[type[DeviceSettings]] = SimulatedScannerSettings

    def __init__(
        self,
        name: str,
        settings: DeviceSettings | None = None,
        *,
        statistics: StatisticsStore | None = None,
    ) -> None:
        super().__init__(name, settings, statistics=statistics)
        self._sim = ScannerSimulator(name)
        self._config_root: Path | None = None

    @property
    def simulator(self) -> ScannerSimulator:
        return self._sim

    def _open(self) -> None:
        if self._config_root is None:
            root = Path(tempfile.mkdtemp(prefix="sim-sane-"))
            (root / "with-test").mkdir()
            (root / "with-test" / "dll.conf").write_text("test\n", encoding="ascii")
            (root / "unplugged").mkdir()
            (root / "unplugged" / "dll.conf").write_text("test\n", encoding="ascii")
            # (Zero devices crashes scanimage 1.1.1; one device hides test:1.)
            (root / "unplugged" / "test.conf").write_text("number_of_devices 1\n", encoding="ascii")
            self._config_root = root
        super()._open()

    def _close(self) -> None:
        super()._close()
        root, self._config_root = self._config_root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    def _environment(self) -> dict[str, str]:
        env = super()._environment()
        if self._config_root is not None:
            unplugged = self._sim.is_active("no_device")
            variant = "unplugged" if unplugged else "with-test"
            env["SANE_CONFIG_DIR"] = str(self._config_root / variant)
        return env

    def _scan_options(self) -> list[str]:
        # Later options win in scanimage, so the faults override the configured picture.
        return super()._scan_options() + self._sim.scanimage_options()

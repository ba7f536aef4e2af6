"""The real scanner driver: SANE through the ``scanimage`` command (sane-utils).

A subprocess rather than a binding: no C library in the kiosk process (a crashing
backend cannot take the UI down), and a stuck scanner is killed at the timeout. The
image comes back as PNG on stdout and is decoded before it is accepted, so a truncated
or garbled transfer is a ProtocolError rather than a broken attachment.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
from pydantic import Field

from drivers.base import DeviceSettings
from drivers.camera.jpeg import decode_image
from drivers.health import HealthLevel, HealthReport
from drivers.scanner.base import (
    CoverOpenError,
    NoDocumentError,
    PaperJamError,
    ScannedPage,
    Scanner,
)
from drivers.scanner.scanimage import (
    SaneDevice,
    error_for_exit,
    parse_device_list,
    status_in_stderr,
)
from drivers.status import CoverStatus, DeviceState, MediaStatus
from kiosk_base.errors import DeviceError, DeviceTimeoutError, NoDeviceError, ProtocolError

log = logging.getLogger(__name__)

#: Below this grey-level spread a page counts as blank.
BLANK_STDDEV = 3.0
#: How often a running scanimage's stderr is looked at for a reported failure.
_POLL_S = 0.2


class SaneScannerSettings(DeviceSettings):
    device: str = Field(
        "", description="SANE device name (scanimage -L); empty: the first one found."
    )
    mode: str = Field("Color", min_length=1, description="SANE scan mode: Color, Gray, Lineart.")
    source: str | None = Field(
        None, description="SANE source, e.g. 'Flatbed' or 'ADF' (backend specific)."
    )
    area_mm: tuple[float, float] | None = Field(
        None, description="Scan area (width, height) in mm; default: the whole glass."
    )
    scanimage: str = Field("scanimage", description="Path of the scanimage program.")
    sane_config_dir: Path | None = Field(
        None, description="SANE_CONFIG_DIR for scanimage (default: the system's)."
    )
    extra_options: tuple[str, ...] = Field(
        (), description="More scanimage arguments for this backend, passed as given."
    )
    scan_timeout_s: float = Field(120, gt=0, description="Longest time one scan may take.")
    list_timeout_s: float = Field(30, gt=0, description="Longest time device discovery may take.")
    failure_exit_s: float = Field(
        5, gt=0, description="How long scanimage may take to exit after it reports a failure."
    )


class SaneScanner(Scanner):
    """A scanner driven through ``scanimage``."""

    Settings: ClassVar[type[DeviceSettings]] = SaneScannerSettings

    _device_name: str = ""

    @property
    def sane_settings(self) -> SaneScannerSettings:
        assert isinstance(self.settings, SaneScannerSettings)
        return self.settings

    # -- hooks for the simulator (it changes only what scanimage is pointed at) ---------

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.sane_settings.sane_config_dir is not None:
            env["SANE_CONFIG_DIR"] = str(self.sane_settings.sane_config_dir)
        return env

    def _scan_options(self) -> list[str]:
        return list(self.sane_settings.extra_options)

    # -- device ----------------------------------------------------------------------

    def _open(self) -> None:
        self._set_status(
            detail={"media": MediaStatus.UNKNOWN.value, "cover": CoverStatus.UNKNOWN.value}
        )
        self._device_name = self._find_device().name

    def _close(self) -> None:
        self._device_name = ""

    def list_devices(self) -> list[SaneDevice]:
        """Ask SANE for the connected scanners (runs scanimage -L; blocking)."""
        result = self._run(["-L"], self.sane_settings.list_timeout_s)
        if result.returncode != 0:
            raise error_for_exit(result.returncode, _text(result.stderr), device=self.name)
        return parse_device_list(_text(result.stdout))

    def _find_device(self) -> SaneDevice:
        wanted = self.sane_settings.device
        devices = self.list_devices()
        for found in devices:
            if not wanted or found.name == wanted:
                log.info("%s: using SANE device %s (%s)", self.name, found.name, found.description)
                return found
        seen = ", ".join(d.name for d in devices) or "none"
        raise NoDeviceError(
            f"scanner {wanted or '(any)'} not found; SANE sees: {seen}",
            device=self.name,
            code="SANE_NO_DEVICE",
        )

    def _scan(self, resolution_dpi: int) -> ScannedPage:
        try:
            if not self._device_name:  # not found at open: perhaps plugged in since
                self._device_name = self._find_device().name
            page = self._scan_page(resolution_dpi)
        except DeviceError as exc:
            self._note_failure(exc)
            self._record_error(exc)
            raise
        self.statistics.increment("pages")
        self._set_status(
            DeviceState.ONLINE,
            detail={"media": MediaStatus.PRESENT.value, "cover": CoverStatus.CLOSED.value},
            error_code="",
            reason="",
        )
        return page

    def _scan_page(self, dpi: int) -> ScannedPage:
        s = self.sane_settings
        args = ["-d", self._device_name, "--format=png", "--mode", s.mode, "--resolution", str(dpi)]
        if s.source:
            args += ["--source", s.source]
        if s.area_mm:
            args += ["-x", f"{s.area_mm[0]:g}", "-y", f"{s.area_mm[1]:g}"]
        args += self._scan_options()
        try:
            result = self._run(args, s.scan_timeout_s)
        except DeviceTimeoutError:
            # A scanimage that hangs is killed; a scan changes nothing, so one more try
            # is safe and clears most stuck backends.
            log.warning("%s: scanimage hung; killed it, trying once more", self.name)
            result = self._run(args, s.scan_timeout_s)
        if result.returncode != 0:
            if "open of device" in _text(result.stderr):
                self._device_name = ""  # rediscover next time (unplugged, renumbered)
            raise error_for_exit(result.returncode, _text(result.stderr), device=self.name)
        try:
            image = decode_image(result.stdout)
        except ProtocolError:
            # Seen under load: scanimage prints the SANE failure, then exits 0 with a
            # truncated image. The status it printed is the truth.
            status = status_in_stderr(_text(result.stderr))
            if status is None:
                raise
            raise error_for_exit(status, _text(result.stderr), device=self.name) from None
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        blank = float(np.std(grey)) < BLANK_STDDEV
        height, width = grey.shape[:2]
        log.info(
            "%s: scanned %dx%d at %d dpi%s",
            self.name,
            width,
            height,
            dpi,
            " (blank)" if blank else "",
        )
        return ScannedPage(result.stdout, "png", width, height, dpi, blank)

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
        """Run scanimage; kill it at ``timeout``, or soon after it reports a SANE failure.

        A scanimage that has printed ``sane_read: Document feeder jammed`` has said all
        there is to say; some backends then hang in sane_cancel (the SANE test backend's
        reader thread deadlocks there now and then). Waiting out the whole scan timeout,
        twice, would keep a resident looking at a spinner for minutes over a jam.
        """
        program = shutil.which(self.sane_settings.scanimage)
        if program is None:
            raise NoDeviceError(
                f"{self.sane_settings.scanimage} not installed (Debian: sane-utils)",
                device=self.name,
                code="SCANIMAGE_MISSING",
            )
        try:
            process = subprocess.Popen(
                [program, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self._environment(),
            )
        except OSError as exc:
            raise NoDeviceError(
                f"cannot run scanimage: {exc.strerror}", device=self.name, code="SCANIMAGE_EXEC"
            ) from exc
        with process:
            deadline = time.monotonic() + timeout
            reported = False
            while True:
                try:
                    stdout, stderr = process.communicate(
                        timeout=max(0.0, min(_POLL_S, deadline - time.monotonic()))
                    )
                    return subprocess.CompletedProcess(
                        process.args, process.returncode, stdout, stderr
                    )
                except subprocess.TimeoutExpired as pending:
                    # (communicate keeps what it read; the exception carries it so far.)
                    if not reported and status_in_stderr(_text(pending.stderr or b"")):
                        reported = True
                        grace = self.sane_settings.failure_exit_s
                        deadline = min(deadline, time.monotonic() + grace)
                if time.monotonic() >= deadline:
                    break
            process.kill()
            stdout, stderr = process.communicate()
        status = status_in_stderr(_text(stderr))
        if status is not None:
            log.warning("%s: scanimage reported a failure, then did not exit; killed it", self.name)
            raise error_for_exit(status, _text(stderr), device=self.name)
        raise DeviceTimeoutError(
            f"scanimage {args[0]} gave no result within {timeout:g}s",
            device=self.name,
            code="SCAN_TIMEOUT",
        )

    def _note_failure(self, exc: DeviceError) -> None:
        """What a failed scan tells about the paper and the lid."""
        media, cover = MediaStatus.UNKNOWN, CoverStatus.UNKNOWN
        if isinstance(exc, PaperJamError):
            media, cover = MediaStatus.JAMMED, CoverStatus.CLOSED
        elif isinstance(exc, CoverOpenError):
            cover = CoverStatus.OPEN
        elif isinstance(exc, NoDocumentError):
            media, cover = MediaStatus.NOT_PRESENT, CoverStatus.CLOSED
        self._set_status(detail={"media": media.value, "cover": cover.value})

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        try:
            names = [d.name for d in self.list_devices()]
        except DeviceError as exc:
            report.check("sane", False, str(exc))
            return
        wanted = self._device_name or self.sane_settings.device
        present = bool(names) and (not wanted or wanted in names)
        report.check("device_listed", present, ", ".join(names) or "no scanner")
        report.check(
            "state", self.status.state != DeviceState.HARDWARE_ERROR, str(self.status.state)
        )
        if level != HealthLevel.EXTERNAL or not present:
            return
        try:
            page = self._scan(100)
        except DeviceError as exc:
            report.check("scan", False, str(exc))
            return
        report.check("scan", True, f"{page.width}x{page.height}")
        report.check("not_blank", not page.blank, "blank page" if page.blank else "content")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")

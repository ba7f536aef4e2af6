"""Builds devices from configuration: a plain table from implementation name to class.

Classes are named as "module:Class" strings and imported only when configured, so a
driver's optional hardware library (pyscard, pycups, cv2) is imported only by the
driver that needs it. Device roles are fixed: the kiosk knows what each role is for.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from drivers.base import Device, DeviceSettings
from drivers.statistics import StatisticsStore
from kiosk_base.errors import ConfigError

log = logging.getLogger(__name__)

#: role -> family. A role is a device slot in the kiosk; a family is a contract.
ROLES: Mapping[str, str] = {
    "id_card_reader": "id_card_reader",
    "card_reader": "card_reader",
    "face_camera": "camera",
    "document_camera": "camera",
    "scanner": "scanner",
    "a4_printer": "document_printer",
    "receipt_printer": "receipt_printer",
}

#: family -> implementation name -> "module:Class". "sim" is always the simulator.
IMPLEMENTATIONS: dict[str, dict[str, str]] = {
    "id_card_reader": {
        "sim": "drivers.idcard.sim:SimulatedIdCardReader",
        "serial": "drivers.idcard.serial_reader:SerialIdCardReader",
    },
    "card_reader": {
        "sim": "drivers.pcsc.sim:SimulatedCardReader",
        "pcsc": "drivers.pcsc.reader:PcscCardReader",
    },
    "camera": {
        "sim": "drivers.camera.sim:SimulatedCamera",
        "opencv": "drivers.camera.opencv_camera:OpenCvCamera",
    },
    "scanner": {
        "sim": "drivers.scanner.sim:SimulatedScanner",
        "sane": "drivers.scanner.sane:SaneScanner",
    },
    "document_printer": {
        "sim": "drivers.cups.sim:SimulatedDocumentPrinter",
        "cups": "drivers.cups.printer:CupsDocumentPrinter",
    },
    "receipt_printer": {
        "sim": "drivers.escpos.sim:SimulatedReceiptPrinter",
        "serial": "drivers.escpos.serial_printer:SerialReceiptPrinter",
    },
}


def implementation_class(family: str, impl: str) -> type[Device]:
    """The class for ``impl`` of ``family``; ConfigError if unknown or not importable."""
    impls = IMPLEMENTATIONS.get(family)
    if impls is None:
        raise ConfigError(f"unknown device family {family!r}", code="CONFIG")
    target = impls.get(impl)
    if target is None:
        known = ", ".join(sorted(impls))
        raise ConfigError(
            f"unknown implementation {impl!r} for {family}; choose one of: {known}",
            code="CONFIG",
        )
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"implementation {impl!r} of {family} is not available: {exc}", code="CONFIG"
        ) from exc
    cls = getattr(module, class_name)
    if not (isinstance(cls, type) and issubclass(cls, Device)):
        raise ConfigError(f"{target} is not a Device", code="CONFIG")
    return cls


def validate_settings(key: str, cls: type[Device], raw: Mapping[str, Any]) -> DeviceSettings:
    """Validate ``raw`` against the implementation's settings, naming the key on error."""
    try:
        return cls.Settings.model_validate(dict(raw))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            value = err.get("input")
            reason = "unknown setting" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{key}.{loc} = {value!r}: {reason}")
        raise ConfigError("; ".join(problems), code="CONFIG") from None


@dataclass(frozen=True)
class DeviceSpec:
    """One configured device: its role, the implementation and validated settings."""

    role: str
    family: str
    impl: str
    cls: type[Device]
    settings: DeviceSettings


def resolve(role: str, impl: str, raw_settings: Mapping[str, Any]) -> DeviceSpec:
    key = f"devices.{role}"
    family = ROLES.get(role)
    if family is None:
        raise ConfigError(
            f"{key}: unknown device role; known roles: {', '.join(ROLES)}", code="CONFIG"
        )
    try:
        cls = implementation_class(family, impl)
    except ConfigError as exc:
        raise ConfigError(f"{key}.impl = {impl!r}: {exc.args[0]}", code="CONFIG") from None
    return DeviceSpec(role, family, impl, cls, validate_settings(key, cls, raw_settings))


class DeviceRegistry:
    """The kiosk's devices, built from specs; owns their open/close."""

    def __init__(self, specs: list[DeviceSpec], statistics: StatisticsStore) -> None:
        self._devices: dict[str, Device] = {}
        for spec in specs:
            self._devices[spec.role] = spec.cls(spec.role, spec.settings, statistics=statistics)

    def __iter__(self) -> Iterator[Device]:
        return iter(self._devices.values())

    def __contains__(self, role: object) -> bool:
        return role in self._devices

    def get(self, role: str) -> Device | None:
        return self._devices.get(role)

    def __getitem__(self, role: str) -> Device:
        return self._devices[role]

    def roles(self) -> list[str]:
        return list(self._devices)

    def open_all(self) -> None:
        """Open every device concurrently (opening a serial port or pcscd can be slow)."""
        threads = [
            threading.Thread(target=d.open, name=f"open-{d.name}", daemon=True)
            for d in self._devices.values()
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def close_all(self) -> None:
        for device in self._devices.values():
            device.close()

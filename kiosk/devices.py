"""Builds the kiosk's device registry from its configuration (no Qt)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from drivers.registry import DeviceRegistry, DeviceSpec
from drivers.statistics import StatisticsStore
from kiosk.config import KioskConfig


def build_registry(config: KioskConfig, roles: list[str] | None = None) -> DeviceRegistry:
    """Every enabled device (or just ``roles``), with statistics in the state dir."""
    specs = config.device_specs()
    if roles is not None:
        specs = [s for s in specs if s.role in roles]
    specs = [_in_state_dir(s, config.state_dir) for s in specs]
    statistics = StatisticsStore(config.state_dir / "statistics.json")
    return DeviceRegistry(specs, statistics)


def _in_state_dir(spec: DeviceSpec, state_dir: Path) -> DeviceSpec:
    """A simulated card reader keeps its cards' purses under the state dir (a restart on
    the same state dir sees the same balances)."""
    if "purse_dir" in type(spec.settings).model_fields and \
            getattr(spec.settings, "purse_dir", None) is None:
        settings = spec.settings.model_copy(update={"purse_dir": state_dir / "card-sim"})
        return dataclasses.replace(spec, settings=settings)
    return spec

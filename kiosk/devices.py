"""Builds the kiosk's device registry from its configuration (no Qt)."""

from __future__ import annotations

from drivers.registry import DeviceRegistry
from drivers.statistics import StatisticsStore
from kiosk.config import KioskConfig


def build_registry(config: KioskConfig, roles: list[str] | None = None) -> DeviceRegistry:
    """Every enabled device (or just ``roles``), with statistics in the state dir."""
    specs = config.device_specs()
    if roles is not None:
        specs = [s for s in specs if s.role in roles]
    statistics = StatisticsStore(config.state_dir / "statistics.json")
    return DeviceRegistry(specs, statistics)

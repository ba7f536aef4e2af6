"""Health checks at two levels (UnifiedPOS ``checkHealth``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class HealthLevel(StrEnum):
    #: No physical action: talk to the device, read its status.
    INTERNAL = "internal"
    #: A physical action a technician can see: a test print, a card read, a frame grab.
    EXTERNAL = "external"


@dataclass(frozen=True)
class HealthResult:
    device: str
    level: HealthLevel
    ok: bool
    #: One line for a technician.
    summary: str
    #: Individual checks, in order: (name, ok, detail).
    checks: tuple[tuple[str, bool, str], ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "device": self.device,
            "level": self.level.value,
            "ok": self.ok,
            "summary": self.summary,
            "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in self.checks],
        }


class HealthReport:
    """Collects checks while a health check runs, then builds the result."""

    def __init__(self, device: str, level: HealthLevel) -> None:
        self.device = device
        self.level = level
        self._checks: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self._checks.append((name, ok, detail))
        return ok

    def result(self) -> HealthResult:
        failed = [n for n, ok, _ in self._checks if not ok]
        ok = not failed
        summary = "all checks passed" if ok else "failed: " + ", ".join(failed)
        return HealthResult(self.device, self.level, ok, summary, tuple(self._checks))

"""Attach the simulation tools to a running kiosk: the scenario runner or the sim panel.

``kiosk`` (kiosk.app) passes :func:`attach` to :func:`kiosk.ui.application.run` when it
runs with ``--scenario`` or ``--simulate``; the shipping UI package never imports this one.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from kiosk.runtime import KioskRuntime

log = logging.getLogger(__name__)


def attach(args: argparse.Namespace, window: Any, controller: Any, runtime: KioskRuntime,
           exit_code: dict[str, int], app: QApplication,
           is_ready: Callable[[], bool]) -> Callable[[], bool] | None:
    """Start what ``args`` asks for; returns a "did the scenario pass" check, or None."""
    if args.scenario:
        runner = _start_scenario(Path(args.scenario), Path(args.out), window, controller,
                                 runtime, exit_code, app, is_ready)
        return lambda: bool(runner.ok)
    if args.simulate and not args.headless:
        from kiosk_sim.scenario_actions import scenario_actions
        from kiosk_sim.sim_panel import SimulatorPanel

        panel = SimulatorPanel(runtime, scenario_actions(runtime, controller))
        panel.move(window.x() + window.width() + 10, window.y())
        panel.show()
        window.sim_panel = panel  # kept alive with the window
    return None


def _start_scenario(path: Path, out: Path, window: Any, controller: Any, runtime: KioskRuntime,
                    exit_code: dict[str, int], app: QApplication,
                    is_ready: Callable[[], bool]) -> Any:
    from kiosk_sim.scenario import ScenarioRunner, load_scenario
    from kiosk_sim.scenario_actions import scenario_actions

    steps = load_scenario(path)

    def finished(ok: bool) -> None:
        log.info("scenario %s: %s", path.name, "passed" if ok else "FAILED")
        if not ok:
            exit_code["code"] = 1
        lockdown = getattr(window, "lockdown", None)
        if lockdown is not None:  # the kiosk decides to quit (not an unexpected end)
            lockdown.quit(exit_code["code"])
        else:
            QTimer.singleShot(0, app.quit)

    actions = scenario_actions(runtime, controller)
    supervisor = getattr(window, "supervisor", None)
    if supervisor is not None:  # freeze_ui SECONDS: block the UI thread (watchdog tests)
        actions["freeze_ui"] = supervisor.freeze_ui
    runner = ScenarioRunner(steps, window, out, actions,
                            window.current_screen_id, lambda: window.spoken, finished)
    # Devices open and the catalog loads in the background; scenarios start once the
    # kiosk is ready (bounded wait).
    def begin() -> None:
        if is_ready() or begin.waited > 300:  # type: ignore[attr-defined]
            runner.start()
        else:
            begin.waited += 1  # type: ignore[attr-defined]
            QTimer.singleShot(100, begin)

    begin.waited = 0  # type: ignore[attr-defined]
    QTimer.singleShot(0, begin)
    return runner

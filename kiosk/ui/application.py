"""Starts the Qt application: runtime, window, controller, optional scenario."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from kiosk.config import KioskConfig
from kiosk.runtime import KioskRuntime

log = logging.getLogger(__name__)

EXIT_CRASH = 70


def run(config: KioskConfig, args: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("govkiosk")
    from kiosk.adapters import build_ports
    from kiosk.ui.controller import KioskController
    from kiosk.ui.dispatch import UiDispatcher
    from kiosk.ui.window import KioskWindow

    runtime = KioskRuntime(config, auto_pay_after_s=args.auto_pay_after)
    runtime.start()
    dispatcher = UiDispatcher()
    window = KioskWindow(config.terminal_id, config.language, large_text=config.ui.large_text,
                         high_contrast=config.ui.high_contrast, read_aloud=config.ui.read_aloud,
                         speech_engine=args.speech_engine)
    ports = build_ports(runtime)
    controller = KioskController(runtime, ports, window, dispatcher)
    from kiosk.ui.lockdown import Lockdown

    lockdown = Lockdown(app, window, allow_close=bool(args.simulate and args.windowed))
    window.lockdown = lockdown  # type: ignore[attr-defined]
    exit_code = {"code": 0}

    def crashed(exc_type: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
        logging.getLogger("kiosk.crash").critical("crash", exc_info=(exc_type, exc, tb))
        try:
            controller.oos.set_reasons(["oos.reason.crash"])
            window.show_screen("out_of_service")
        finally:
            exit_code["code"] = EXIT_CRASH
            lockdown.quit(EXIT_CRASH, delay_ms=3000)

    sys.excepthook = crashed
    if config.ui.fullscreen and not args.headless:
        lockdown.lock_window()
        window.showFullScreen()
    else:
        window.resize(1280, 900)
        window.show()
    controller.start()
    panel = None
    if args.simulate and not args.headless and not args.scenario:
        from kiosk.ui.scenario_actions import scenario_actions
        from kiosk.ui.sim_panel import SimulatorPanel

        panel = SimulatorPanel(runtime, scenario_actions(runtime, controller))
        panel.move(window.x() + window.width() + 10, window.y())
        panel.show()
    runner = None
    if args.scenario:
        runner = _start_scenario(Path(args.scenario), Path(args.out), window, controller,
                                 runtime, exit_code, lockdown)
    try:
        app.exec()
    finally:
        app.removeEventFilter(lockdown)  # no Python filter while Qt tears down
        controller.stop()
        runtime.stop()
    code = lockdown.result()
    if runner is not None and not runner.ok and code == 0:
        return 1
    return code


def _start_scenario(path: Path, out: Path, window: Any, controller: Any, runtime: KioskRuntime,
                    exit_code: dict[str, int], lockdown: Any) -> Any:
    from kiosk.ui.scenario import ScenarioRunner, load_scenario
    from kiosk.ui.scenario_actions import scenario_actions

    steps = load_scenario(path)

    def finished(ok: bool) -> None:
        log.info("scenario %s: %s", path.name, "passed" if ok else "FAILED")
        if not ok:
            exit_code["code"] = 1
        lockdown.quit(exit_code["code"])

    runner = ScenarioRunner(steps, window, out, scenario_actions(runtime, controller),
                            window.current_screen_id, lambda: window.spoken, finished)
    # Devices open in the background; scenarios start once they have (bounded wait).
    def begin() -> None:
        if runtime.wait_devices_opened(0) or begin.waited > 300:  # type: ignore[attr-defined]
            runner.start()
        else:
            begin.waited += 1  # type: ignore[attr-defined]
            QTimer.singleShot(100, begin)

    begin.waited = 0  # type: ignore[attr-defined]
    QTimer.singleShot(0, begin)
    return runner

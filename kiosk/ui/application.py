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

from backend_client.errors import CredentialsError
from kiosk.config import KioskConfig
from kiosk.runtime import KioskRuntime
from kiosk.ui.supervision import (
    SupervisorLink,
    record_crash,
    report_startup_crash,
    show_out_of_service,
)

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
EXIT_CRASH = 70


def run(config: KioskConfig, args: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("govkiosk")
    from kiosk.adapters import build_ports
    from kiosk.ui.controller import KioskController
    from kiosk.ui.dispatch import UiDispatcher
    from kiosk.ui.window import KioskWindow

    out_dir = Path(args.out) if args.out else None
    runtime = KioskRuntime(config, auto_pay_after_s=args.auto_pay_after)
    try:
        runtime.start()
        dispatcher = UiDispatcher()
        window = KioskWindow(config.terminal_id, config.language,
                             large_text=config.ui.large_text,
                             high_contrast=config.ui.high_contrast,
                             read_aloud=config.ui.read_aloud, speech_engine=args.speech_engine)
        ports = build_ports(runtime)
        controller = KioskController(runtime, ports, window, dispatcher)
    except CredentialsError as exc:
        _stop_quietly(runtime)
        print(f"kiosk: bad configuration: backend.credentials: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except Exception as exc:  # noqa: BLE001 - any start-up crash: out of service, exit 70
        report_startup_crash(exc, out_dir)
        _stop_quietly(runtime)
        show_out_of_service(app, out_dir, config.ui.fullscreen and not args.headless,
                            config.language, hold_ms=1000 if args.headless else 3000)
        return EXIT_CRASH
    supervisor = SupervisorLink(window)
    exit_code = {"code": 0}

    def crashed(exc_type: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
        logging.getLogger("kiosk.crash").critical("crash", exc_info=(exc_type, exc, tb))
        print(f"kiosk: crashed (exit 70): {exc_type.__name__}: {exc}", file=sys.stderr)
        if out_dir is not None:
            record_crash(out_dir, f"{exc_type.__name__}: {exc}", "running")
        try:
            controller.oos.set_reasons(["oos.reason.crash"])
            window.show_screen("out_of_service")
        finally:
            exit_code["code"] = EXIT_CRASH
            QTimer.singleShot(3000, app.quit)

    sys.excepthook = crashed
    if config.ui.fullscreen and not args.headless:
        window.showFullScreen()
    else:
        window.resize(1280, 900)
        window.show()
    controller.start()
    supervisor.start()
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
                                 runtime, exit_code, app, {"freeze_ui": supervisor.freeze_ui})
    try:
        app.exec()
    finally:
        supervisor.stop()
        controller.stop()
        runtime.stop()
    if runner is not None and not runner.ok and exit_code["code"] == 0:
        return 1
    return exit_code["code"]


def _stop_quietly(runtime: KioskRuntime) -> None:
    try:
        runtime.stop(grace_s=2.0)
    except Exception:  # already failing: the first error is the one reported
        log.warning("stopping after a failed start also failed", exc_info=True)


def _start_scenario(path: Path, out: Path, window: Any, controller: Any, runtime: KioskRuntime,
                    exit_code: dict[str, int], app: QApplication,
                    extra_actions: dict[str, Any]) -> Any:
    from kiosk.ui.scenario import ScenarioRunner, load_scenario
    from kiosk.ui.scenario_actions import scenario_actions

    steps = load_scenario(path)

    def finished(ok: bool) -> None:
        log.info("scenario %s: %s", path.name, "passed" if ok else "FAILED")
        if not ok:
            exit_code["code"] = 1
        QTimer.singleShot(0, app.quit)

    actions = {**scenario_actions(runtime, controller), **extra_actions}
    runner = ScenarioRunner(steps, window, out, actions,
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

"""Starts the Qt application: runtime, window, controller, optional scenario."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from kiosk.config import KioskConfig
from kiosk.runtime import KioskRuntime

log = logging.getLogger(__name__)

EXIT_CRASH = 70


#: Attaches the simulation tools: (args, window, controller, runtime, exit_code, app) ->
#: a "did the scenario pass" check, or None.
ToolsHook = Callable[
    [argparse.Namespace, Any, Any, KioskRuntime, dict[str, int], QApplication],
    Callable[[], bool] | None,
]


def run(config: KioskConfig, args: argparse.Namespace, tools: ToolsHook | None = None) -> int:
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
    exit_code = {"code": 0}

    def crashed(exc_type: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
        logging.getLogger("kiosk.crash").critical("crash", exc_info=(exc_type, exc, tb))
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
    # The simulation tools (scenario runner, simulator panel) live in kiosk_sim, above this
    # package; kiosk.app passes their hook in.
    passed = tools(args, window, controller, runtime, exit_code, app) if tools else None
    try:
        app.exec()
    finally:
        controller.stop()
        runtime.stop()
    if passed is not None and not passed() and exit_code["code"] == 0:
        return 1
    return exit_code["code"]


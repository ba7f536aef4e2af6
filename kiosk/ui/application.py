"""Starts the Qt application: the window and attract screen first, then the runtime.

Nothing a resident cannot see runs before the first frame: the window and the attract
screen (its start button disabled, "starting up") are shown, and only on the first
turns of the event loop are the devices resolved and opened (in the background), the
embedded backend spawned (its own process) and the controller built. The attract screen
is enabled once devices have opened and the service catalog is loaded ("ready"). Both
moments are logged (``start-up: first frame after N ms``, ``start-up: ready after N ms``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtWidgets import QApplication, QWidget

from backend_client.errors import CredentialsError
from kiosk.bootconfig import BootConfig
from kiosk.logs import console_line
from kiosk.privacy import mask_text
from kiosk.ui.supervision import SupervisorLink, record_crash

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

log = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_CRASH = 70
#: Started when the interpreter ran kiosk.app (set there), for the start-up figures.
STARTED = {"t": time.perf_counter()}


def _elapsed_ms() -> float:
    return (time.perf_counter() - STARTED["t"]) * 1000


class FirstFrame(QObject):
    """Calls ``then`` once, on the turn after ``screen`` (the attract screen) first paints.

    The filter is on that screen alone: a Python filter on the application would see
    every event of the first show and paint, each wrapped for Python."""

    def __init__(self, screen: QWidget, then: Any) -> None:
        super().__init__()
        self._screen = screen
        self._then = then
        self._done = False
        screen.installEventFilter(self)
        QTimer.singleShot(500, self._fire)  # a platform that never paints (fallback)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if not self._done and event is not None and event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._fire)
        return False

    def _fire(self) -> None:
        if self._done:
            return
        self._done = True
        self._screen.removeEventFilter(self)
        log.info("start-up: first frame after %.0f ms", _elapsed_ms())
        self._then()


#: Attaches the simulation tools once the controller exists: (args, window, controller,
#: runtime, exit_code, app, is_ready) -> a "did the scenario pass" check, or None.
ToolsHook = Callable[
    [argparse.Namespace, Any, Any, Any, dict[str, int], QApplication, Callable[[], bool]],
    Callable[[], bool] | None,
]


def run(boot: BootConfig, args: argparse.Namespace, tools: ToolsHook | None = None, *,
        load: Callable[[], KioskConfig], spawn_backend: Callable[[], Any]) -> int:
    """``boot``: what the first frame needs (stdlib-parsed); ``load``: the whole config,
    validated after the first frame (ConfigError: exit 2); ``spawn_backend``: spawns the
    embedded backend's child, held until the config is valid (None: not embedded)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("govkiosk")
    from kiosk.ui.screens.basic import AttractScreen
    from kiosk.ui.window import KioskWindow

    window = KioskWindow(boot.terminal_id, boot.language, large_text=boot.large_text,
                         high_contrast=boot.high_contrast, read_aloud=boot.read_aloud,
                         speech_engine=args.speech_engine)
    from kiosk.ui.lockdown import Lockdown

    # Its application-wide event filter goes in on the first frame (see FirstFrame).
    lockdown = Lockdown(app, window, allow_close=bool(args.simulate and args.windowed),
                        filter_now=False)
    window.lockdown = lockdown  # type: ignore[attr-defined]
    attract = AttractScreen()
    window.add_screen(attract)
    window.show_screen("attract")
    _starting(attract, True)
    if boot.fullscreen and not args.headless:
        lockdown.lock_window()
        window.showFullScreen()
    else:
        window.resize(1280, 900)
        window.show()
    exit_code = {"code": 0}
    parts: dict[str, Any] = {"tools": tools, "load": load, "spawn_backend": spawn_backend}

    out_dir = Path(args.out) if args.out else None
    supervisor = SupervisorLink(window, ready_when=lambda: bool(parts.get("ready")))
    parts["supervisor"] = supervisor
    window.supervisor = supervisor  # type: ignore[attr-defined]  # freeze_ui (kiosk_sim)
    supervisor.start()

    def crashed(exc_type: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
        logging.getLogger("kiosk.crash").critical("crash", exc_info=(exc_type, exc, tb))
        phase = "running" if parts.get("ready") else "start-up"
        console_line(mask_text(f"kiosk: crashed at {phase} (exit 70): "
                               f"{exc_type.__name__}: {exc}"))
        if out_dir is not None:
            record_crash(out_dir, f"{exc_type.__name__}: {exc}", phase)
        try:
            controller = parts.get("controller")
            if controller is not None:
                controller.oos.set_reasons(["oos.reason.crash"])
                window.show_screen("out_of_service")
            else:  # the kiosk never came up: an out-of-service screen of its own
                _show_oos_alone(window, out_dir)
        finally:
            exit_code["code"] = EXIT_CRASH
            lockdown.quit(EXIT_CRASH, delay_ms=3000)

    sys.excepthook = crashed
    from kiosk.ui.watchdog import StallWatchdog

    watchdog = StallWatchdog()
    watchdog.start()
    parts["watchdog"] = watchdog

    def first_frame() -> None:
        lockdown.install_filter()
        window.first_frame_shown()
        _bring_up(app, args, window, attract, parts, exit_code, lockdown)

    parts["first_frame"] = FirstFrame(attract, first_frame)
    try:
        app.exec()
    finally:
        app.removeEventFilter(lockdown)  # no Python filter while Qt tears down
        supervisor.stop()
        watchdog.stop()
        if parts.get("purse_recovery") is not None:
            parts["purse_recovery"].stop()
        if parts.get("controller") is not None:
            parts["controller"].stop()
        if parts.get("runtime") is not None:
            parts["runtime"].stop()
        elif parts.get("backend") is not None:
            parts["backend"].kill()
        if args.out:
            watchdog.write(Path(args.out) / "event_loop_stalls.json")
    code = lockdown.result()  # 70 when the event loop ended without the kiosk deciding
    passed = parts.get("passed")
    if passed is not None and not passed() and code == 0:
        return 1
    return code


def _show_oos_alone(window: Any, out_dir: Path | None) -> None:
    from kiosk.ui.screens.basic import OutOfServiceScreen

    if "out_of_service" not in window.screens:
        oos = OutOfServiceScreen()
        oos.staff.setVisible(False)  # no staff screen behind it: the kiosk never came up
        window.add_screen(oos)
    window.screens["out_of_service"].set_reasons(["oos.reason.crash"])
    window.show_screen("out_of_service")
    if out_dir is not None:
        QApplication.processEvents()
        out_dir.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out_dir / "out_of_service.png"))


def _starting(attract: Any, starting: bool) -> None:
    """The attract screen while the kiosk comes up: no start button, a "starting" hint."""
    from kiosk.i18n import translate

    attract.start.setEnabled(not starting)
    if starting:
        attract.hint.setText(translate("startup.starting", attract.lang))
    else:
        attract.retranslate(attract.lang)


def _bring_up(app: QApplication, args: argparse.Namespace, window: Any,
              attract: Any, parts: dict[str, Any], exit_code: dict[str, int],
              lockdown: Any) -> None:
    """First turn after the first frame. Validating the whole config (pydantic),
    resolving the devices (each driver's imports), opening them and importing the rest of
    the UI run on a thread, so the attract screen stays live; the embedded backend's
    child (spawned before the window, held) is released once the config is valid; the
    controller is built on the UI thread once that is done."""
    import threading

    from kiosk_base.errors import ConfigError

    # The embedded backend's imports take longest: its child starts first of all.
    pending = parts["backend"] = parts["spawn_backend"]()
    made: dict[str, Any] = {}

    def make() -> None:
        try:
            try:
                config = parts["load"]()
            except ConfigError as exc:
                made["config_error"] = exc
                return
            from kiosk.runtime import KioskRuntime

            runtime = KioskRuntime(config, auto_pay_after_s=args.auto_pay_after,
                                   backend_process=pending)
            runtime.start()
            made["runtime"] = runtime
            import kiosk.ui.controller  # noqa: F401 - imported here, off the UI thread
            from kiosk.adapters import build_ports

            # The ports open journals and the outbox (SQLite): also off the UI thread.
            if runtime.wait_backend(120) and runtime.backend_error is None:
                made["ports"] = build_ports(runtime)
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread
            made["error"] = exc
        finally:
            made["done"] = True

    threading.Thread(target=make, name="bring-up", daemon=True).start()

    def made_up() -> None:
        if not made.get("done"):
            QTimer.singleShot(20, made_up)
            return
        error = made.get("error")
        if made.get("config_error") is not None:
            if pending is not None:
                pending.kill()
            console_line(f"kiosk: bad configuration:\n{made['config_error'].args[0]}")
            exit_code["code"] = EXIT_USAGE
            lockdown.quit(EXIT_USAGE)
            return
        if isinstance(error, ConfigError):
            if pending is not None:
                pending.kill()
            console_line(f"kiosk: bad configuration:\n{args.config or '<defaults>'}: "
                         f"{error.args[0]}")
            exit_code["code"] = EXIT_USAGE
            lockdown.quit(EXIT_USAGE)
            return
        if error is not None:
            raise error
        runtime = made["runtime"]
        parts["runtime"] = runtime
        backend_up(runtime)

    def backend_up(runtime: Any) -> None:
        if not runtime.wait_backend(0):
            QTimer.singleShot(20, lambda: backend_up(runtime))
            return
        if isinstance(runtime.backend_error, CredentialsError):
            console_line("kiosk: bad configuration: backend.credentials: "
                         f"{runtime.backend_error}")
            exit_code["code"] = EXIT_USAGE
            lockdown.quit(EXIT_USAGE)
            return
        if runtime.backend_error is not None:
            raise runtime.backend_error
        _build(app, runtime.config, args, window, attract, runtime, made["ports"], parts,
               exit_code)

    QTimer.singleShot(0, made_up)


def _build(app: QApplication, config: KioskConfig, args: argparse.Namespace, window: Any,
           attract: Any, runtime: Any, ports: Any, parts: dict[str, Any],
           exit_code: dict[str, int]) -> None:
    from kiosk.ui.controller import KioskController
    from kiosk.ui.dispatch import UiDispatcher

    dispatcher = UiDispatcher()
    controller = KioskController(runtime, ports, window, dispatcher, attract=attract)
    parts["controller"] = controller
    _starting(attract, True)
    controller.start()
    from kiosk.flow.purse_recovery import PurseRecovery

    # Top-ups a pulled card or a killed kiosk left open: at start, on each card insert.
    # A purchase found debited is paid: its bill is settled at once, not after the grace.
    keeper = getattr(runtime, "payments", None)
    # A refund of a purse-paid order goes back to the card: at once if it is in the
    # reader (the kick after each refund), else on its next insert; the resident is told.
    purse_recovery = PurseRecovery(ports, runtime.executor,
                                   on_paid=keeper.settle_now if keeper is not None else None,
                                   on_refund=controller.refund_to_card)
    listeners = getattr(ports.payments, "refund_listeners", None)
    if listeners is not None:
        listeners.append(lambda _order: purse_recovery.kick())
    purse_recovery.start()
    parts["purse_recovery"] = purse_recovery

    def ready() -> None:
        if not (runtime.wait_devices_opened(0) and controller.terminal.catalog is not None):
            QTimer.singleShot(20, ready)
            return
        _starting(attract, False)
        parts["ready"] = True
        log.info("start-up: ready after %.0f ms", _elapsed_ms())
        watchdog = parts.get("watchdog")
        if watchdog is not None:
            watchdog.mark_ready()
        controller.screens.make_rest()  # the screens not needed yet, on idle turns

    QTimer.singleShot(0, ready)
    # The simulation tools (scenario runner, simulator panel) live in kiosk_sim, above this
    # package; kiosk.app passes their hook in.
    tools = parts.get("tools")
    if tools is not None:
        # A scenario starts once the readers know whether a card is in (a card put in
        # before that is taken for one left in the reader: see kiosk/flow/card_watch.py).
        parts["passed"] = tools(args, window, controller, runtime, exit_code, app,
                                lambda: bool(parts.get("ready"))
                                and controller.terminal.presence_known())

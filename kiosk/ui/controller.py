"""The session lifecycle over the screens: attract -> identify -> menu -> steps -> result ->
goodbye -> attract, with the idle timer, out-of-service and staff screens.

All decisions run on the UI thread; anything slow (catalog, health checks) runs on the
runtime's executor and comes back through the dispatcher.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any, Literal

from PyQt6.QtCore import QObject, QTimer

from backend_client.service_definition import Catalog, IdentifyStep, LocalText, ServiceDefinition
from drivers.health import HealthLevel
from drivers.status import StatusChange
from kiosk.flow.availability import unavailability
from kiosk.flow.clock import SystemClock
from kiosk.flow.engine import ENDED, FlowEngine, FlowState
from kiosk.flow.ports import FlowPorts
from kiosk.flow.steps import FlowSettings
from kiosk.i18n import translate
from kiosk.runtime import KioskRuntime
from kiosk.session import IdleState, IdleTimer, Session
from kiosk.staff_access import StaffGate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.basic import AttractScreen, GoodbyeScreen, OutOfServiceScreen
from kiosk.ui.screens.menu import MenuScreen, ResultScreen
from kiosk.ui.screens.staff import DiagnosticsScreen, StaffScreen
from kiosk.ui.screens.step_base import StepScreen
from kiosk.ui.screens.steps_data import FormScreen, ReviewScreen, ScanDocumentsScreen
from kiosk.ui.screens.steps_identity import CapturePhotoScreen, IdentifyScreen, VerifyFaceScreen
from kiosk.ui.screens.steps_outcome import (
    PayScreen,
    PrintCertificateScreen,
    PrintReceiptScreen,
    SubmitScreen,
)
from kiosk.ui.staff_gate import StaffReprint, show_pin_answer
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)

LOGIN = ServiceDefinition(
    id="login", topic="login", title=LocalText(zh="身份认证", en="Identification"),
    description=LocalText(zh="身份认证", en="Identification"),
    steps=(IdentifyStep(type="identify"),),
)

#: Step states in which the resident is waiting on the kiosk, the backend or their phone.
BUSY_STATES = frozenset({"reading", "checking", "qr_creating", "capturing", "verifying",
                         "creating", "submitting", "printing", "closing", "refunding",
                         "topup_initialising", "topup_authorising", "topup_crediting",
                         "topup_confirming", "loading", "awaiting", "qr_shown"})
HEALTH_INTERVAL_MS = 5000


class KioskController(QObject):
    def __init__(self, runtime: KioskRuntime, ports: FlowPorts, window: KioskWindow,
                 dispatcher: UiDispatcher) -> None:
        super().__init__()
        self.runtime = runtime
        self.ports = ports
        self.window = window
        self.dispatcher = dispatcher
        config = runtime.config
        self.flow_settings = FlowSettings(qr_login_s=config.timeouts.qr_login_s,
                                          payment_s=config.timeouts.payment_s)
        self.session: Session | None = None
        self.engine: FlowEngine | None = None
        self.catalog: Catalog | None = None
        self.backend_online = True
        self.out_of_service_reasons: list[str] = []
        self._staff_return = "attract"
        self._stopped = False
        self._unsubscribe: list[Any] = []
        self.staff_gate = StaffGate(config.ui.staff_pin_hash, config.state_dir,
                                    max_attempts=config.ui.staff_max_attempts,
                                    lockout_s=config.ui.staff_lockout_s)
        self.idle = IdleTimer(SystemClock().monotonic, timeout_s=config.timeouts.idle_s,
                              countdown_s=config.timeouts.countdown_s)
        self._build_screens()
        self.staff_reprint = StaffReprint(self.staff, ports.receipt_printer, self.staff_gate,
                                          runtime.executor, dispatcher)
        self._idle_timer = QTimer(self)
        self._idle_timer.timeout.connect(self._idle_tick)
        self._idle_timer.start(250)
        self._health_timer = QTimer(self)
        self._health_timer.timeout.connect(self._check_backend)
        self._health_timer.start(HEALTH_INTERVAL_MS)
        window.user_activity.connect(self._touched)
        window.language_changed.connect(self._language_changed)
        window.status_bar.help_clicked.connect(self.open_staff)
        for device in runtime.devices:
            self._unsubscribe.append(device.subscribe(self._post_device_change))

    def _post_device_change(self, change: StatusChange) -> None:
        """Device listener (device thread): handle the change on the UI thread."""
        self.dispatcher.post(lambda: self._device_changed(change))

    # -- screens ----------------------------------------------------------------------

    def _build_screens(self) -> None:
        w, d = self.window, self.dispatcher
        self.attract = AttractScreen()
        self.goodbye = GoodbyeScreen()
        self.oos = OutOfServiceScreen()
        self.menu = MenuScreen()
        self.result = ResultScreen()
        self.staff = StaffScreen()
        self.diagnostics = DiagnosticsScreen()
        self.identify = IdentifyScreen(d)
        self.step_screens: dict[str, StepScreen] = {
            s.step_type: s for s in (
                VerifyFaceScreen(d), FormScreen(d), CapturePhotoScreen(d),
                ScanDocumentsScreen(d), ReviewScreen(d), PayScreen(d), SubmitScreen(d),
                PrintCertificateScreen(d, self.runtime.executor), PrintReceiptScreen(d))
        }
        self.step_screens["identify"] = self.identify  # one identify screen for both uses
        for screen in (self.attract, self.menu, self.result, self.goodbye,
                       self.oos, self.staff, self.diagnostics, *self.step_screens.values()):
            w.add_screen(screen)
        self.attract.start_clicked.connect(self.start_session)
        self.menu.service_chosen.connect(self.start_service)
        self.menu.finish_clicked.connect(self.end_session)
        self.result.more_clicked.connect(self._back_to_menu)
        self.result.finish_clicked.connect(self.end_session)
        self.window.idle_banner.more_time.connect(self.idle.extend)
        self.window.idle_banner.end_now.connect(self.end_session)
        self.oos.staff_clicked.connect(self.open_staff)
        self.staff.pin_entered.connect(self._check_pin)
        self.staff.exit_clicked.connect(self._leave_staff)
        self.staff.diagnostics_clicked.connect(self._open_diagnostics)
        self.staff.reprint_clicked.connect(lambda: self.staff_reprint.clicked())
        self.diagnostics.back_clicked.connect(lambda: self.window.show_screen("staff"))
        self.diagnostics.selftest_clicked.connect(self._selftest)
        for screen in self.step_screens.values():
            screen.back_clicked.connect(self._step_back)
            screen.cancel_clicked.connect(self._step_cancel)

    def stop(self) -> None:
        """The app is quitting: end the session, stop timers, ignore devices from now on."""
        self._stopped = True
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._idle_timer.stop()
        self._health_timer.stop()
        if self.session is not None:
            self.end_session()

    def start(self) -> None:
        self.window.show_screen("attract")
        self._load_catalog()
        self._evaluate_service()

    # -- session ------------------------------------------------------------------------

    def start_session(self) -> None:
        if self.session is not None or self.out_of_service_reasons:
            return
        lang: Literal["zh", "en"] = "en" if self.window.lang == "en" else "zh"
        self.session = Session(lang, temp_root=self.runtime.state_dir / "sessions")
        self.idle.restart()
        self._run_flow(LOGIN)
        if self.catalog is None:
            self._load_catalog()

    def start_service(self, service_id: str) -> None:
        if self.session is None or self.catalog is None:
            return
        service = next((s for s in self.catalog.services if s.id == service_id), None)
        if service is None:
            return
        reason = self._unavailable().get(service_id)
        if reason:
            log.warning("service %s chosen while unavailable: %s", service_id, reason)
            return
        self._run_flow(service)

    def _run_flow(self, service: ServiceDefinition) -> None:
        assert self.session is not None
        self._drop_engine()
        engine = FlowEngine(service, self.session, self.ports, self.runtime.executor,
                            settings=self.flow_settings)
        self.engine = engine
        engine.subscribe(lambda _change: self.dispatcher.post(lambda: self._flow_changed(engine)))
        log.info("service %s started", service.id)
        engine.start()
        self._flow_changed(engine)

    def _flow_changed(self, engine: FlowEngine) -> None:
        if engine is not self.engine or self.session is None:
            return
        state = engine.state
        if state is FlowState.RUNNING:
            self._show_step(engine)
        elif state is FlowState.COMPLETED:
            self._completed(engine)
        elif state is FlowState.CARD_REMOVED:
            self.end_session()
        elif state is FlowState.CANCELLED:
            if engine.service.id == LOGIN.id:
                self.end_session()
            else:
                self._back_to_menu()
        elif state is FlowState.CANCELLING:
            self._show_step(engine)

    def _show_step(self, engine: FlowEngine) -> None:
        # One snapshot: the engine may move on (on a worker) while this runs.
        controller = engine.controller
        step_type = controller.step_type
        login = engine.service.id == LOGIN.id
        if step_type == "identify" and self.session and self.session.person is not None:
            return  # a service's identify step completes by itself for a known person
        screen = self.step_screens[step_type]
        title = "" if login else engine.service.title.get(self.window.lang)
        if screen.controller is not controller:
            screen.bind(controller, title, engine.can_go_back)
        else:
            screen.can_go_back = engine.can_go_back
            screen.refresh()
        if self.window.current_screen() is not screen:
            self.window.show_screen(screen.screen_id)

    def _completed(self, engine: FlowEngine) -> None:
        session = self.session
        assert session is not None
        if engine.service.id == LOGIN.id:
            person = session.person
            self.menu.greeting_name = person.name if person else ""
            self._drop_engine()
            self._back_to_menu()
            return
        data = session.data
        lang = self.window.lang
        lines: list[tuple[str, str]] = [(translate("result.service", lang),
                                         engine.service.title.get(lang))]
        certificate = data.certificate
        if certificate:
            lines.append((translate("result.certificate", lang), str(certificate.get("title", ""))))
            lines.append((translate("result.certificate_number", lang),
                          str(certificate.get("number", ""))))
        if data.payment is not None:
            fen = data.payment.amount_fen
            lines.append((translate("result.paid", lang), f"¥{fen // 100}.{fen % 100:02d}"))
        if data.receipt:
            lines.extend(data.receipt.lines)
        warning = "result.not_printed" if engine.documents_not_printed else ""
        self._drop_engine()
        self.result.show_outcome("result.done", tuple(lines), warning)
        self.window.show_screen("result")

    def _back_to_menu(self) -> None:
        if self.session is None:
            self.window.show_screen("attract")
            return
        self._drop_engine()
        self.menu.set_unavailable(self._unavailable())
        self.window.show_screen("menu")

    def _step_back(self) -> None:
        if self.engine is not None:
            self.engine.back()

    def _step_cancel(self) -> None:
        if self.engine is not None:
            self.engine.cancel()

    def _drop_engine(self) -> None:
        for screen in self.step_screens.values():
            screen.unbind()
        engine, self.engine = self.engine, None
        if engine is not None:
            if engine.state not in ENDED:
                engine.cancel()
            engine.wipe()

    def end_session(self) -> None:
        """Wipe everything of the session and say goodbye (then back to attract)."""
        if self.session is None:
            if self.window.current_screen_id() not in ("staff", "diagnostics", "out_of_service"):
                self.window.show_screen("attract")
            return
        self._drop_engine()
        session, self.session = self.session, None
        session.wipe()
        if self.runtime.backend_ports is not None:
            self.runtime.backend_ports.forget()
        self.menu.greeting_name = ""
        self.result.clear_personal()
        self.window.idle_banner.setVisible(False)
        self.window.set_language(self.runtime.config.language)
        self.window.show_screen("goodbye")
        QTimer.singleShot(int(self.runtime.config.timeouts.goodbye_s * 1000), self._after_goodbye)

    def _after_goodbye(self) -> None:
        if self.session is None and self.window.current_screen_id() == "goodbye":
            self._evaluate_service()
            if not self.out_of_service_reasons:
                self.window.show_screen("attract")

    # -- idle ---------------------------------------------------------------------------

    def _touched(self) -> None:
        if self.session is not None:
            self.idle.touch()

    def _idle_tick(self) -> None:
        if self.session is None:
            return
        engine = self.engine
        busy = engine is not None and (engine.state is FlowState.CANCELLING or
                                       getattr(engine.controller.state, "value", "") in BUSY_STATES)
        if busy:
            self.idle.hold("busy")
        else:
            self.idle.release("busy")
        state = self.idle.tick()
        if state is IdleState.EXPIRED:
            log.info("session idle: ending it")
            self.end_session()
            return
        seconds = self.idle.countdown()
        if state is IdleState.COUNTDOWN and seconds is not None:
            self.window.idle_banner.show_countdown(seconds, self.window.lang)
        else:
            self.window.idle_banner.setVisible(False)

    def _language_changed(self, lang: str) -> None:
        if self.session is not None:
            self.session.language = lang  # type: ignore[assignment]
        self.menu.set_unavailable(self._unavailable())
        self._refresh_unavailable_bar()

    # -- availability and out of service ---------------------------------------------

    def _unavailable(self) -> dict[str, str]:
        if self.catalog is None:
            return {}
        statuses = {d.name: d.status for d in self.runtime.devices}
        reasons: dict[str, str] = {}
        for service in self.catalog.services:
            reason = unavailability(service, statuses, self.backend_online)
            if reason is not None:
                reasons[service.id] = reason.message_key
        return reasons

    def _refresh_unavailable_bar(self) -> None:
        if self.catalog is None:
            return
        reasons = self._unavailable()
        titles = [s.title.get(self.window.lang) for s in self.catalog.services if s.id in reasons]
        self.window.set_unavailable(titles)

    def _device_changed(self, change: StatusChange) -> None:
        if self._stopped:
            return
        self._evaluate_service()
        arrived = (change.new.detail.get("media") == "present"
                   and change.old.detail.get("media") == "not_present")
        if change.device in ("id_card_reader", "card_reader") and arrived \
                and self.window.current_screen_id() == "attract" and self.session is None:
            self.start_session()

    def _evaluate_service(self) -> None:
        reasons: list[str] = []
        if not self.backend_online:
            reasons.append("oos.reason.backend")
        elif self.runtime.backend is not None and self.runtime.backend.clock_out_of_window:
            reasons.append("oos.reason.clock")
        readers = [self.runtime.devices.get(r) for r in ("id_card_reader", "card_reader")]
        if not any(d is not None and d.status.state.usable for d in readers) and \
                self.runtime.wait_devices_opened(0):
            reasons.append("oos.reason.no_reader")
        self.out_of_service_reasons = reasons
        self.oos.set_reasons(reasons)
        current = self.window.current_screen_id()
        if reasons and self.session is None and current in ("attract", "goodbye"):
            self.window.show_screen("out_of_service")
        elif not reasons and current == "out_of_service":
            self.window.show_screen("attract")
        self.menu.set_unavailable(self._unavailable())
        self._refresh_unavailable_bar()

    def _check_backend(self) -> None:
        backend = self.runtime.backend
        if backend is None:
            return
        future = self.runtime.executor.submit(backend.health)
        self.dispatcher.on_done(future, self._backend_checked)

    def _backend_checked(self, future: Future[Any]) -> None:
        online = future.exception() is None
        if online != self.backend_online:
            log.warning("backend %s", "reachable again" if online else "unreachable")
        self.backend_online = online
        if online and self.catalog is None:
            self._load_catalog()
        self._evaluate_service()

    def _load_catalog(self) -> None:
        backend = self.runtime.backend
        if backend is None:
            return
        self.dispatcher.on_done(self.runtime.executor.submit(backend.catalog), self._catalog_loaded)

    def _catalog_loaded(self, future: Future[Catalog]) -> None:
        exc = future.exception()
        if exc is not None:
            log.warning("catalog not loaded: %s", exc)
            self.menu.set_catalog(None, getattr(exc, "message_key", "error.backend.unreachable"))
            return
        self.catalog = future.result()
        self.runtime.catalog = self.catalog
        self.menu.set_catalog(self.catalog)
        self.menu.set_unavailable(self._unavailable())
        self._refresh_unavailable_bar()

    # -- staff --------------------------------------------------------------------------

    def open_staff(self) -> None:
        current = self.window.current_screen_id()
        if current in ("staff", "diagnostics"):
            return
        if self.session is not None:
            self.end_session()
        self._staff_return = "attract"
        self.staff.lock()
        self.window.show_screen("staff")
        if not self.staff_gate.configured:
            self.staff.show_message("staff.not_set")

    def _check_pin(self, pin: str) -> None:
        show_pin_answer(self.staff, self.staff_gate.check(pin))

    def _leave_staff(self) -> None:
        if self.staff.unlocked:
            self.staff_gate.audit("left")
        self.staff_reprint.disarm()
        self.staff.lock()
        self._evaluate_service()
        self.window.show_screen("out_of_service" if self.out_of_service_reasons else "attract")

    def _open_diagnostics(self) -> None:
        for device in self.runtime.devices:
            self.diagnostics.set_device(device.name, type(device).__name__, device.status)
        self.window.show_screen("diagnostics")

    def _selftest(self) -> None:
        for device in self.runtime.devices:
            future = self.runtime.executor.submit(device.check_health, HealthLevel.INTERNAL)
            self.dispatcher.on_done(future, self._selftest_done)

    def _selftest_done(self, future: Future[Any]) -> None:
        result = future.result()
        lang = self.window.lang
        text = translate("diagnostics.pass", lang) if result.ok else \
            translate("diagnostics.fail", lang, summary=result.summary)
        self.diagnostics.set_result(result.device, text)
        device = self.runtime.devices.get(result.device)
        if device is not None:
            self.diagnostics.set_device(device.name, type(device).__name__, device.status)

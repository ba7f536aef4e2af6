"""The terminal lifecycle on screens: a thin map from :class:`~kiosk.flow.terminal.Terminal`'s
state to the screen that shows it, and the taps back to it.

Every decision (session start and end, idle, cards left in a reader, eligibility, out of
service, polling) is the terminal's; this module only renders. Everything runs on the UI
thread; the terminal's slow work comes back through the dispatcher.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Literal

from PyQt6.QtCore import QObject, QTimer

from backend_client.service_definition import SubmitStep
from drivers.health import HealthLevel
from drivers.status import DeviceStatus, StatusChange
from kiosk.adapters.backend import OutboxPort
from kiosk.adapters.help_calls import HelpDesk
from kiosk.flow.clock import KIOSK_ZONE, SystemClock
from kiosk.flow.engine import FlowEngine, FlowState
from kiosk.flow.ports import FlowPorts
from kiosk.flow.purse_ports import RefundCredited
from kiosk.flow.rating import ServiceRating, reference_of
from kiosk.flow.steps import FlowSettings
from kiosk.flow.terminal import LOGIN, Outcome, Terminal, TerminalSettings, TerminalState
from kiosk.i18n import translate
from kiosk.runtime import KioskRuntime
from kiosk.session import IdleState
from kiosk.staff_access import StaffGate
from kiosk.ui.deferred_screens import DeferredScreens
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.basic import AttractScreen, GoodbyeScreen, OutOfServiceScreen
from kiosk.ui.screens.delivery import DeliveryScreen
from kiosk.ui.screens.menu import MenuScreen, ResultScreen, outcome_lines
from kiosk.ui.screens.result import things_to_take
from kiosk.ui.screens.scan_documents import ScanDocumentsScreen
from kiosk.ui.screens.signature import SignScreen
from kiosk.ui.screens.staff import DiagnosticsScreen, StaffScreen
from kiosk.ui.screens.staff_payments import StaffPaymentsDesk, StaffPaymentsScreen
from kiosk.ui.screens.step_base import StepScreen, yuan
from kiosk.ui.screens.steps_data import FormScreen, ReviewScreen
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

TICK_MS = 250
#: The screen of each terminal state that has one fixed screen.
SCREENS = {
    TerminalState.STARTING: "attract",
    TerminalState.ATTRACT: "attract",
    TerminalState.MENU: "menu",
    TerminalState.CHECKING: "menu",
    TerminalState.RESULT: "result",
    TerminalState.GOODBYE: "goodbye",
    TerminalState.OUT_OF_SERVICE: "out_of_service",
}


class KioskController(QObject):
    def __init__(self, runtime: KioskRuntime, ports: FlowPorts, window: KioskWindow,
                 dispatcher: UiDispatcher, *, attract: AttractScreen | None = None) -> None:
        super().__init__()
        #: The attract screen shown before the controller existed (start-up), if any.
        self._prebuilt_attract = attract
        self.runtime = runtime
        self.ports = ports
        self.window = window
        self.dispatcher = dispatcher
        config = runtime.config
        timeouts = config.timeouts
        lang: Literal["zh", "en"] = "en" if config.language == "en" else "zh"
        settings = TerminalSettings(
            language=lang, idle_s=timeouts.idle_s, countdown_s=timeouts.countdown_s,
            goodbye_s=timeouts.goodbye_s,
            flow=FlowSettings(qr_login_s=timeouts.qr_login_s, payment_s=timeouts.payment_s,
                              max_document_bytes=config.documents.max_pdf_kb * 1000))
        backend_ports = runtime.backend_ports
        self.terminal = Terminal(
            ports, runtime.executor, SystemClock(), dispatcher.post, settings=settings,
            backend=runtime.backend, statuses=self._statuses,
            devices_opened=lambda: runtime.wait_devices_opened(0),
            temp_root=runtime.state_dir / "sessions",
            forget_person=backend_ports.forget if backend_ports is not None else lambda: None)
        # The status watch leaves the cameras alone while a service may use them (its
        # steps meet a camera fault themselves).
        runtime.watch_allowed = lambda role: not role.endswith("camera") \
            or self.terminal.cameras_free
        self._staff_page = "staff"
        self._rating: tuple[Outcome, ServiceRating] | None = None
        self._stopped = False
        self._unsubscribe: list[Any] = []
        self.staff_gate = StaffGate(config.ui.staff_pin_hash, config.state_dir,
                                    max_attempts=config.ui.staff_max_attempts,
                                    lockout_s=config.ui.staff_lockout_s)
        self._build_screens()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(TICK_MS)
        window.user_activity.connect(lambda: self.terminal.touch())
        window.language_changed.connect(self._language_changed)
        # Help: a tap explains the screen and can call staff; a long press is staff's way in.
        window.status_bar.help_clicked.connect(window.show_help)
        window.staff_requested.connect(self.open_staff)
        outbox = ports.outbox.outbox if isinstance(ports.outbox, OutboxPort) else None
        self.help_desk = HelpDesk(runtime.backend, outbox, runtime.executor)
        self.help_desk.on_change = lambda: dispatcher.post(self._show_help_calls)
        window.help_panel.call_clicked.connect(self._call_staff)
        self._unsubscribe.append(self.terminal.subscribe(lambda _t: self._render()))
        for device in runtime.devices:
            self._unsubscribe.append(device.subscribe(self._post_device_change))

    @property
    def engine(self) -> FlowEngine | None:
        return self.terminal.engine

    @property
    def session(self) -> Any:
        return self.terminal.session

    def _statuses(self) -> dict[str, DeviceStatus]:
        return {d.name: d.status for d in self.runtime.devices}

    def _post_device_change(self, change: StatusChange) -> None:
        """Device listener (device thread): handle the change on the UI thread."""
        self.dispatcher.post(lambda: None if self._stopped else self.terminal.device_changed())

    # -- screens ----------------------------------------------------------------------

    def _build_screens(self) -> None:
        """The attract, menu, goodbye and out-of-service screens now (every render shows
        or updates them); the rest when first needed or on idle turns once the kiosk is
        ready (``screens.make_rest()``; kiosk/ui/deferred_screens.py)."""
        w, d = self.window, self.dispatcher
        self.attract = self._prebuilt_attract or AttractScreen()
        self.goodbye = GoodbyeScreen()
        self.oos = OutOfServiceScreen()
        self.menu = MenuScreen()
        for screen in (self.attract, self.menu, self.goodbye, self.oos):
            if w.screens.get(screen.screen_id) is not screen:  # the start-up attract is in
                w.add_screen(screen)
        self.attract.start_clicked.connect(lambda: self.terminal.start_session())
        self.menu.service_chosen.connect(lambda sid: self.terminal.choose_service(sid))
        self.menu.finish_clicked.connect(lambda: self.terminal.end_session())
        self.window.idle_banner.more_time.connect(lambda: self.terminal.extend())
        self.window.idle_banner.end_now.connect(lambda: self.terminal.end_session())
        self.oos.staff_clicked.connect(self.open_staff)
        self.screens = DeferredScreens(w)
        executor = self.runtime.executor
        # Identify first: every service starts with it; then the steps in service order.
        steps: dict[str, Callable[[], StepScreen]] = {
            "identify": lambda: IdentifyScreen(d),  # one identify screen for both uses
            "verify_face": lambda: VerifyFaceScreen(d), "form": lambda: FormScreen(d),
            "capture_photo": lambda: CapturePhotoScreen(d),
            "scan_documents": lambda: ScanDocumentsScreen(d), "sign": lambda: SignScreen(d),
            "review": lambda: ReviewScreen(d), "pay": lambda: PayScreen(d),
            "submit": lambda: SubmitScreen(d),
            "print_certificate": lambda: PrintCertificateScreen(d, executor),
            "print_receipt": lambda: PrintReceiptScreen(d), "delivery": lambda: DeliveryScreen(d),
        }
        for step_type, make in steps.items():
            self.screens.plan(f"step:{step_type}", self._step_maker(make))
        self.screens.plan("result", self._make_result)
        self.screens.plan("staff", self._make_staff)
        self.screens.plan("diagnostics", self._make_diagnostics)
        self.screens.plan("staff_payments", self._make_staff_payments)

    def _step_maker(self, make: Callable[[], StepScreen]) -> Callable[[], StepScreen]:
        def made() -> StepScreen:
            screen = make()
            screen.back_clicked.connect(lambda: self.terminal.step_back())
            screen.cancel_clicked.connect(lambda: self.terminal.step_cancel())
            return screen
        return made

    def _make_result(self) -> ResultScreen:
        result = ResultScreen()
        result.more_clicked.connect(lambda: self.terminal.back_to_menu())
        result.finish_clicked.connect(lambda: self.terminal.end_session())
        return result

    def _make_staff(self) -> StaffScreen:
        staff = StaffScreen()
        staff.pin_configured = self.staff_gate.configured
        self.staff_reprint = StaffReprint(staff, self.ports.receipt_printer, self.staff_gate,
                                          self.runtime.executor, self.dispatcher)
        staff.pin_entered.connect(self._check_pin)
        staff.exit_clicked.connect(self._leave_staff)
        staff.diagnostics_clicked.connect(self._open_diagnostics)
        staff.reprint_clicked.connect(lambda: self.staff_reprint.clicked())
        staff.help_handled_clicked.connect(lambda: self.help_desk.handled())
        staff.payments_clicked.connect(self._open_payments)
        return staff

    def _make_diagnostics(self) -> DiagnosticsScreen:
        diagnostics = DiagnosticsScreen()
        diagnostics.back_clicked.connect(lambda: self._show_staff_page("staff"))
        diagnostics.selftest_clicked.connect(self._selftest)
        return diagnostics

    def _make_staff_payments(self) -> StaffPaymentsScreen:
        screen = StaffPaymentsScreen()
        self.payments_desk = StaffPaymentsDesk(self.runtime, self.dispatcher, screen)
        screen.back_clicked.connect(lambda: self._show_staff_page("staff"))
        return screen

    def step_screen(self, step_type: str) -> StepScreen:
        return self.screens.get(f"step:{step_type}", StepScreen)

    def _step_screens_made(self) -> list[StepScreen]:
        return [s for s in self.screens.built_screens() if isinstance(s, StepScreen)]

    @property
    def result(self) -> ResultScreen:
        return self.screens.get("result", ResultScreen)

    @property
    def staff(self) -> StaffScreen:
        return self.screens.get("staff", StaffScreen)

    @property
    def diagnostics(self) -> DiagnosticsScreen:
        return self.screens.get("diagnostics", DiagnosticsScreen)

    @property
    def staff_payments(self) -> StaffPaymentsScreen:
        return self.screens.get("staff_payments", StaffPaymentsScreen)

    def stop(self) -> None:
        """The app is quitting: end the session, stop timers, ignore devices from now on."""
        self._stopped = True
        self.screens.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._timer.stop()
        self.terminal.stop()

    def start(self) -> None:
        self.terminal.start()
        self._render()
        keeper = self.runtime.payments
        if keeper is not None:  # reconciliation: at start-up, then while idle
            self.terminal.payments_ready = lambda: bool(keeper.ready)
            keeper.start(is_idle=lambda: self.terminal.session is None,
                         on_change=lambda: self.dispatcher.post(self._render))

    def end_session(self) -> None:
        self.terminal.end_session()

    def _tick(self) -> None:
        terminal = self.terminal
        terminal.tick()
        seconds = terminal.idle.countdown()
        if terminal.session is not None and terminal.idle.state is IdleState.COUNTDOWN \
                and seconds is not None:
            self.window.idle_banner.show_countdown(seconds, self.window.lang)
        elif self.window.idle_banner.isVisible():
            self.window.idle_banner.setVisible(False)

    def _language_changed(self, lang: str) -> None:
        self.terminal.set_language("en" if lang == "en" else "zh")

    # -- the map from terminal state to screens -------------------------------------

    def _render(self) -> None:
        if self._stopped:
            return
        t = self.terminal
        state = t.state
        if t.language != self.window.lang and t.session is None:
            self.window.set_language(t.language)  # a new session starts in the default
        person = t.session.person if t.session is not None else None
        self.menu.set_greeting(person.name if person else "",
                               person.purse_balance_fen if person else None)
        if self.menu.catalog is not t.catalog or self.menu.loading_error != t.catalog_error:
            self.runtime.catalog = t.catalog  # the adapters read payment purposes from it
            self.menu.set_catalog(t.catalog, t.catalog_error)
        unavailable = t.unavailable()
        self.menu.set_unavailable(unavailable)
        if t.catalog is not None:
            self.window.set_unavailable([s.title.get(self.window.lang)
                                         for s in t.catalog.services if s.id in unavailable])
        if self.oos.reason_keys != list(t.oos_reasons):
            self.oos.set_reasons(list(t.oos_reasons))
        self.goodbye.set_cards_left(sorted(t.cards_left), t.cards_found)
        result = self.screens.built("result")  # not made yet: nothing to clear on it
        if state is not TerminalState.RESULT:
            self._rating = None
            if isinstance(result, ResultScreen):
                result.after_service.withdraw()
                result.show_progress("")
        if t.session is None:
            self._unbind_steps()
            if isinstance(result, ResultScreen):
                result.clear_personal()
            self.window.idle_banner.setVisible(False)
        if state is TerminalState.STAFF:
            if self.window.current_screen_id() not in ("staff", "diagnostics",
                                                        "staff_payments"):
                self.staff.lock()
                self._show(self._staff_page)
            return
        if state in (TerminalState.IDENTIFYING, TerminalState.IN_SERVICE):
            if t.engine is not None and t.engine.state in (FlowState.RUNNING,
                                                          FlowState.CANCELLING):
                self._show_step(t.engine)
            return
        if state is TerminalState.RESULT and t.outcome is not None:
            key, lines, warning = outcome_lines(t.outcome, self.window.lang)
            self.result.show_outcome(key, lines, warning, things_to_take(t.outcome))
            self._after_service(t.outcome)
        if state is TerminalState.MENU:
            self._unbind_steps()
        screen = SCREENS[state]
        if self.window.current_screen_id() != screen:
            self._show(screen)

    def _after_service(self, outcome: Outcome) -> None:
        """Under a completed service's result: its receipt's QR code and the rating."""
        if outcome.refusal is not None or outcome.refund:
            self.result.after_service.withdraw()
            self.result.show_progress("")
            return
        if self._rating is None or self._rating[0] is not outcome:
            rating = ServiceRating(outcome.service.id, reference_of(outcome.data),
                                   self.ports.ratings, lambda: self.terminal.language)
            self._rating = (outcome, rating)
        receipt = outcome.data.receipt
        self.result.after_service.offer(self._rating[1])
        self.result.show_progress(receipt.progress_url if receipt else "")

    def _show_step(self, engine: FlowEngine) -> None:
        # One snapshot: the engine may move on (on a worker) while this runs.
        controller = engine.controller
        if controller.done:
            return  # the engine moves on by itself (an identify step of a known person)
        screen = self.step_screen(controller.step_type)
        login = engine.service.id == LOGIN.id
        title = "" if login else engine.service.title.get(self.window.lang)
        balance = self._purse_balance(engine)
        if balance:
            title += "　·　" + balance
        if screen.controller is not controller:
            screen.bind(controller, title, engine.can_go_back)
        else:
            screen.service_title = title
            screen.can_go_back = engine.can_go_back
            screen.refresh()
        if self.window.current_screen() is not screen:
            self.window.show_screen(screen.screen_id)

    def refund_to_card(self, credited: RefundCredited) -> None:
        """A refund was loaded back onto the card in the reader (any thread): the resident
        sees and hears the amount; the balance shown is read again."""
        def show() -> None:
            if self._stopped:
                return
            self.window.show_notice("refund.to_card", amount=yuan(credited.amount_fen),
                                    balance=yuan(credited.new_balance_fen))
            self.terminal.purse_changed()
        self.dispatcher.post(show)

    def _purse_balance(self, engine: FlowEngine) -> str:
        """"电子钱包余额 ¥12.34" on the steps of a purse top-up, when the card has one."""
        session = self.terminal.session
        person = session.person if session is not None else None
        if person is None or person.purse_balance_fen is None or not any(
                isinstance(s, SubmitStep) and s.action == "card_topup"
                for s in engine.service.steps):
            return ""
        return translate("purse.balance", self.window.lang, amount=yuan(person.purse_balance_fen))

    def _unbind_steps(self) -> None:
        for screen in self._step_screens_made():
            if screen.controller is not None:
                screen.unbind()

    # -- staff --------------------------------------------------------------------------

    def open_staff(self) -> None:
        if self.terminal.state is TerminalState.STAFF:
            return
        self._staff_page = "staff"
        self.staff.lock()
        self._show_help_calls()
        self.terminal.enter_staff()

    def _call_staff(self) -> None:
        engine = self.terminal.engine
        service = engine.service.id if engine is not None and engine.service.id != LOGIN.id \
            else ""
        self.help_desk.call(self.window.current_screen_id(), service)
        self.window.help_panel.set_called()
        self.window.speak(translate("help.called", self.window.lang), always=True)

    def _show_help_calls(self) -> None:
        if self._stopped:
            return
        lang = self.window.lang
        calls = self.help_desk.open_calls()
        lines = [translate("staff.help_call_line", lang,
                           time=f"{c.at.astimezone(KIOSK_ZONE):%H:%M:%S}",
                           screen=c.screen + (f" ({c.service_id})" if c.service_id else ""),
                           delivery=translate(f"staff.help_delivery.{c.delivery}", lang))
                 for c in calls]
        text = "\n".join([translate("staff.help_calls", lang, count=len(calls)), *lines]) \
            if calls else ""
        for page in ("staff", "diagnostics"):  # a page not made yet gets them when opened
            screen = self.screens.built(page)
            if isinstance(screen, (StaffScreen, DiagnosticsScreen)):
                screen.show_help_calls(text)

    def _open_payments(self) -> None:
        self._show_staff_page("staff_payments")
        self.payments_desk.load()

    def _show_staff_page(self, page: str) -> None:
        self._staff_page = page
        self._show(page)

    def _show(self, screen_id: str) -> None:
        self.screens.ensure(screen_id)  # made now if no idle turn has made it yet
        self.window.show_screen(screen_id)

    def _check_pin(self, pin: str) -> None:
        show_pin_answer(self.staff, self.staff_gate.check(pin))

    def _leave_staff(self) -> None:
        if self.staff.unlocked:
            self.staff_gate.audit("left")
        self.staff_reprint.disarm()
        self.staff.lock()
        self.terminal.leave_staff()

    def _open_diagnostics(self) -> None:
        for device in self.runtime.devices:
            self.diagnostics.set_device(device.name, type(device).__name__, device.status)
        self._show_help_calls()
        self._show_staff_page("diagnostics")

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

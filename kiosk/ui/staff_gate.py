"""What the staff screen says for one PIN attempt (kept out of the controller)."""

from __future__ import annotations

from concurrent.futures import Executor, Future
from typing import Any

from kiosk.staff_access import StaffAnswer, StaffCheck, StaffGate
from kiosk.ui.dispatch import UiDispatcher
from kiosk.ui.screens.staff import StaffScreen


def show_pin_answer(screen: StaffScreen, answer: StaffAnswer) -> None:
    if answer.result is StaffCheck.OK:
        screen.unlock()
    elif answer.result is StaffCheck.NOT_SET:
        screen.show_message("staff.not_set")
    elif answer.locked_s:
        screen.show_message("staff.locked", seconds=answer.locked_s)
    else:
        screen.show_message("staff.pin_wrong_left", attempts=answer.attempts_left)


class StaffReprint:
    """Reprint in two taps: the first shows what will be printed, the second prints it
    (audited). Leaving or re-locking staff mode disarms it."""

    def __init__(self, screen: StaffScreen, printer: Any, gate: StaffGate,
                 executor: Executor, dispatcher: UiDispatcher) -> None:
        self.screen, self.printer, self.gate = screen, printer, gate
        self.executor, self.dispatcher = executor, dispatcher
        self.armed: str | None = None

    def disarm(self) -> None:
        self.armed = None
        self.screen.set_reprint_armed(False)

    def clicked(self) -> None:
        preview = getattr(self.printer, "last_receipt_preview", None)
        reprint = getattr(self.printer, "reprint_last", None)
        if preview is None or reprint is None:
            self.screen.show_message("staff.nothing_to_reprint")
            return
        if self.armed is None or not self.screen.reprint_armed:
            text = preview()
            if text is None:
                self.screen.show_message("staff.nothing_to_reprint")
                return
            self.armed = text
            self.screen.show_message("staff.reprint_preview", receipt=text)
            self.screen.set_reprint_armed(True)
            return
        self.gate.audit("reprint", receipt=self.armed)
        self.disarm()
        future: Future[Any] = self.executor.submit(reprint)
        self.dispatcher.on_done(future, lambda f: self.screen.show_message(
            "staff.reprinted" if f.exception() is None and f.result() else
            "staff.nothing_to_reprint"))

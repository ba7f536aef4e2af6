"""The running kiosk's payment keeper: reconciliation at start-up and while idle.

At start-up the keeper flushes the outbox and reconciles the payment journal on the
runtime's executor (never the UI thread); until a run has settled every entry it could
ask about, :attr:`ready` is False and the menu shows paid services unavailable with
the reason. Afterwards a timer thread repeats it every ``interval_s`` while no session
runs (entries a session touched recently are left to the session), and prints the
receipt queued for each outcome when the receipt printer has paper.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor

from backend_client.client import BackendClient
from backend_client.journal import JournalEntry, JournalState, PaymentJournal
from backend_client.outbox import Outbox
from backend_client.reconcile import Reconciler, ReconcileReport, print_pending_receipts
from kiosk.flow.device_ports import ReceiptPrinterPort
from kiosk.flow.ports import ReceiptContent

log = logging.getLogger(__name__)

S = JournalState
#: Outcome lines of the receipt printed for a reconciled entry (zh / en on one receipt).
OUTCOME_TEXT = {
    S.DELIVERED: ("已办结", "Completed"),
    S.CLOSED: ("订单已关闭，未扣款", "Order closed, nothing charged"),
    S.REFUNDED: ("已全额退款", "Fully refunded"),
    S.NEEDS_STAFF: ("请联系工作人员", "Please ask the staff"),
}


def outcome_receipt(entry: JournalEntry) -> ReceiptContent:
    zh, en = OUTCOME_TEXT.get(entry.state, ("处理中", "In progress"))
    return ReceiptContent(
        service_title="支付结果 Payment outcome", language="zh",
        lines=(("结果 Outcome", f"{zh} / {en}"),),
        amount_fen=entry.amount_fen if entry.state is S.DELIVERED else 0,
        order_id=entry.order_id)


class PaymentsKeeper:
    def __init__(self, client: BackendClient, journal: PaymentJournal, outbox: Outbox,
                 executor: Executor, printer: ReceiptPrinterPort | None, *,
                 interval_s: float = 30.0, session_grace_s: float = 300.0) -> None:
        self.journal = journal
        self.reconciler = Reconciler(client, journal, outbox)
        self.executor = executor
        self.printer = printer
        self.interval_s = interval_s
        self.session_grace_s = session_grace_s
        self.last_report: ReconcileReport | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._running = threading.Lock()
        self._is_idle: Callable[[], bool] = lambda: True
        self._on_change: Callable[[], None] = lambda: None

    @property
    def ready(self) -> bool:
        """True once a run has settled every unfinished entry it could reach."""
        return self._ready.is_set()

    def start(self, is_idle: Callable[[], bool], on_change: Callable[[], None]) -> None:
        self._is_idle = is_idle
        self._on_change = on_change
        self.executor.submit(self._run, 0.0)
        threading.Thread(target=self._timer, name="payments-keeper", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _timer(self) -> None:
        while not self._stop.wait(self.interval_s if self.ready else min(5.0, self.interval_s)):
            if not self.ready:
                self.executor.submit(self._run, 0.0)
            elif self._is_idle():
                self.executor.submit(self._run, self.session_grace_s)

    def settle_now(self, order_id: str) -> None:
        """Settle one order at once, on the worker, without the idle grace: for an order
        no session is working on any more (a purse purchase recovered from the card after
        a restart is paid now and its bill waits for nothing)."""
        self.executor.submit(self._settle_one, order_id)

    def _settle_one(self, order_id: str) -> None:
        with self._running:
            entry = self.journal.get(order_id)
            if entry is None:
                return
            try:
                outcome = self.reconciler.settle_one(entry)
                log.info("payments: order %s settled at once: %s", order_id, outcome)
                self._print_receipts()
            except Exception:
                log.exception("payments: settling order %s failed", order_id)
        self._on_change()

    def _run(self, min_age_s: float) -> None:
        if not self._running.acquire(blocking=False):
            return
        try:
            report = self.reconciler.run(min_age_s=min_age_s)
            self.last_report = report
            self._print_receipts()
            if not self.ready and report.deferred == 0:
                log.info("payments: start-up reconciliation done %s", report.as_dict())
                self._ready.set()
                self._on_change()
        except Exception:
            log.exception("payments: reconciliation failed")
        finally:
            self._running.release()

    def _print_receipts(self) -> None:
        printer = self.printer
        if printer is None or not printer.ready():
            return

        def print_one(entry: JournalEntry) -> None:
            printer.print_receipt(outcome_receipt(entry), lambda _f: None).result(timeout=60)

        print_pending_receipts(self.journal, print_one)

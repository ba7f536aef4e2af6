"""A thermal receipt printer on a pseudo-terminal, for tests, demos and development.

The real serial driver opens :attr:`port` (the pty's slave side) exactly as it would
open /dev/ttyS0; this side reads the master, parses the ESC/POS bytes, answers the
real-time status and process-id requests, and draws what it prints (PNG per receipt).

Faults (through :class:`drivers.faults.FaultSet`): ``paper_out``, ``paper_near_end``,
``cover_open``, ``no_answer`` and ``paper_out_mid_receipt`` (``after_lines=N``, default 4:
the roll ends after N more printed lines, the printer stops and the receipt is torn off
half-printed). Like a real printer, one that is offline (paper out, cover open) still
answers ``DLE EOT`` but prints nothing and does not answer ``GS ( H``.

``model`` picks the printer: ``answers_gs_h`` (an Epson-like printer that answers
``GS ( H``) or ``ignores_gs_h`` (most 58/80 mm thermal printers: the command is parsed
and ignored, only the real-time status answers).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import tty
from collections.abc import Mapping
from pathlib import Path

from drivers.escpos import commands as cmd
from drivers.escpos import status as st
from drivers.escpos.emulator.paper import PaperRoll
from drivers.escpos.emulator.parser import EscPosParser, Op
from drivers.faults import FaultSet

log = logging.getLogger(__name__)

FAULTS = {
    "paper_out": "the roll is empty: status says paper end, nothing prints",
    "paper_out_mid_receipt": "the roll ends after after_lines (default 4) more lines",
    "paper_near_end": "the near-end sensor trips; printing continues",
    "cover_open": "the cover is open: offline, nothing prints",
    "no_answer": "the printer is dead: no status answers, nothing prints",
}


#: Printer models the simulator can be.
MODELS = ("answers_gs_h", "ignores_gs_h")


class EscPosPrinterSimulator:
    """An ESC/POS printer behind a pty; ``start()`` opens it, ``stop()`` ends it."""

    def __init__(
        self, name: str = "receipt-sim", encoding: str = "gb18030", dots: int = 576,
        output_dir: Path | None = None, model: str = "answers_gs_h",
    ) -> None:  # fmt: skip
        if model not in MODELS:
            raise ValueError(f"unknown printer model {model!r}; one of {', '.join(MODELS)}")
        self.name = name
        self.model = model
        self.fault_set = FaultSet(FAULTS, owner=name)
        self._parser = EscPosParser(encoding)
        self._roll = PaperRoll(dots)
        self._output_dir = output_dir
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._mid_receipt_budget: int | None = None
        self._ran_out = False
        self.port = ""

    # -- FaultInjectable -------------------------------------------------------

    def faults(self) -> Mapping[str, str]:
        return self.fault_set.faults()

    def inject(self, fault: str, **params: object) -> None:
        self.fault_set.inject(fault, **params)
        if fault == "paper_out_mid_receipt":
            after = params.get("after_lines", 4)
            with self._lock:
                self._mid_receipt_budget = int(after) if isinstance(after, int | str) else 4

    def clear(self, fault: str | None = None) -> None:
        self.fault_set.clear(fault)
        with self._lock:
            if fault in (None, "paper_out", "paper_out_mid_receipt"):
                # Loading a new roll: the printer is back online.
                self._ran_out = False
                self._mid_receipt_budget = None

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        return self.fault_set.active_faults()

    # -- results ------------------------------------------------------------------

    @property
    def receipts(self) -> list[bytes]:
        """PNG images of every receipt torn off so far (cut or paper ran out)."""
        with self._lock:
            return list(self._roll.receipts)

    def last_receipt_png(self) -> bytes | None:
        with self._lock:
            return self._roll.receipts[-1] if self._roll.receipts else None

    # -- lifecycle ----------------------------------------------------------------

    def start(self) -> str:
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master, self._slave = master, slave
        self.port = os.ttyname(slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-pty", daemon=True)
        self._thread.start()
        log.info("%s: ESC/POS printer simulator on %s", self.name, self.port)
        return self.port

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def _run(self) -> None:
        assert self._master is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError as exc:
                log.warning("%s: pty read failed: %s", self.name, exc)
                return
            with self._lock:
                replies = b"".join(self._handle(op) for op in self._parser.feed(data))
            if replies:
                os.write(self._master, replies)

    # -- the printer ------------------------------------------------------------

    def _online(self) -> bool:
        faults = self.fault_set
        return not (
            self._ran_out or faults.is_active("paper_out") or faults.is_active("cover_open")
        )

    def _handle(self, op: Op) -> bytes:
        if self.fault_set.is_active("no_answer"):
            return b""
        if op.name == "status_request":
            return bytes((self._status_byte(op.args[0]),))
        if not self._online():
            return b""  # offline: print data is not processed (and GS ( H not answered)
        if op.name == "process_id":
            return cmd.process_id_reply(op.data) if self.model == "answers_gs_h" else b""
        before = self._roll.lines_printed
        self._roll.apply(op)
        if op.name == "cut" and self._output_dir is not None:
            self._save(self._roll.receipts[-1])
        if self._mid_receipt_budget is not None:
            self._mid_receipt_budget -= self._roll.lines_printed - before
            if self._mid_receipt_budget <= 0:
                log.info("%s: paper ran out mid-receipt", self.name)
                self._ran_out = True
                self._mid_receipt_budget = None
                self._roll.finish_partial()
        return b""

    def _status_byte(self, kind: int) -> int:
        value = st.FIXED_BITS
        paper_out = self._ran_out or self.fault_set.is_active("paper_out")
        cover = self.fault_set.is_active("cover_open")
        if kind == cmd.StatusKind.PRINTER and not self._online():
            value |= st.OFFLINE
        elif kind == cmd.StatusKind.OFFLINE_CAUSE:
            value |= (st.COVER_OPEN if cover else 0) | (st.STOPPED_PAPER_END if paper_out else 0)
        elif kind == cmd.StatusKind.PAPER:
            if paper_out:
                value |= st.PAPER_END | st.NEAR_END
            elif self.fault_set.is_active("paper_near_end"):
                value |= st.NEAR_END
        return value

    def _save(self, png: bytes) -> None:
        assert self._output_dir is not None
        self._output_dir.mkdir(parents=True, exist_ok=True)
        path = self._output_dir / f"receipt-{len(self._roll.receipts):04d}.png"
        path.write_bytes(png)

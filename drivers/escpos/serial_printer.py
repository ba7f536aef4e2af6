"""ESC/POS receipt printer on a serial line (pyserial).

Before every receipt the printer's real-time status is read (``DLE EOT 1..4``). How a
receipt is confirmed depends on the printer, found out at open (``completion = "auto"``):

* ``process_id``: after the cut the driver asks for a process-id reply (``GS ( H``), which
  the printer sends only once it has printed everything before it. A printer that ran
  out of paper halfway stops processing, the reply never comes, and the status read that
  follows says why: the receipt is reported failed, never "printed".
* ``status``: many 58/80 mm printers (most non-Epson models) ignore ``GS ( H``. After the
  cut the driver waits for the bytes to have gone out and been printed, then reads the
  real-time status (``DLE EOT``) until two reads agree that the printer is online with
  paper: a roll that ended mid-receipt leaves the printer offline with "paper end".

The probe at open sends one ``GS ( H`` with a probe id while the printer is online; no
reply within ``probe_timeout_s`` means status mode. An offline printer (paper out, cover
open) answers no ``GS ( H`` whatever it supports, so the probe waits until it is online.
The mode in use is published as ``status.detail["completion"]``.
"""

from __future__ import annotations

import itertools
import logging
import time
from concurrent.futures import Future
from typing import ClassVar, Literal

import serial
from pydantic import Field

from drivers.base import DeviceSettings
from drivers.errors import DeviceError, NoDeviceError, ProtocolError
from drivers.escpos import commands as cmd
from drivers.escpos.family import ReceiptPrinter
from drivers.escpos.layout import PrinterModel, ReceiptLayout
from drivers.escpos.status import RealTimeStatus
from drivers.health import HealthLevel, HealthReport
from drivers.status import CoverStatus, DeviceState, PaperStatus
from printers.jobs import (
    CoverOpenError,
    JobState,
    PaperOutError,
    PrinterFaultError,
    PrinterNoAnswerError,
    PrintOutcome,
    failed,
)
from printers.receipt import Receipt

log = logging.getLogger(__name__)


class ReceiptPrinterSettings(DeviceSettings):
    """Model settings shared by every ESC/POS receipt printer."""

    encoding: str = Field("gb18030", description="Encoding of Chinese text (gb18030, gbk, big5).")
    chinese_mode_command: bool = Field(True, description="Send FS & before Chinese text.")
    columns: int = Field(48, ge=16, le=64, description="Half-width columns per line.")
    dots: int = Field(576, ge=128, le=832, description="Dots per line (576: 80 mm, 384: 58 mm).")
    native_qr: bool = Field(True, description="Print QR codes with GS ( k (else as raster).")
    qr_module: int = Field(6, ge=1, le=16, description="QR module size in dots.")
    status_timeout_s: float = Field(0.5, gt=0, description="Wait for one status byte.")
    confirm_completion: bool = Field(
        True, description="false: never use GS ( H (same as completion = \"status\")."
    )
    completion: Literal["auto", "process_id", "status"] = Field(
        "auto",
        description="How a receipt is confirmed: auto (probe GS ( H at open), process_id "
        "(GS ( H reply), status (real-time status after the cut).",
    )
    probe_timeout_s: float = Field(
        1.0, gt=0, description="How long the open-time GS ( H probe waits for a reply."
    )
    status_settle_s: float = Field(
        1.0, ge=0, description="status mode: wait after the last byte before the status read."
    )
    completion_timeout_s: float = Field(
        10.0, gt=0, description="Longest time one receipt may take to print."
    )

    def model(self) -> PrinterModel:
        return PrinterModel(
            columns=self.columns,
            dots=self.dots,
            encoding=self.encoding,
            chinese_mode_command=self.chinese_mode_command,
            native_qr=self.native_qr,
            qr_module=self.qr_module,
        )


class SerialReceiptSettings(ReceiptPrinterSettings):
    port: str = Field("/dev/ttyS0", description="Serial port of the printer.")
    baud: Literal[9600, 19200, 38400, 57600, 115200] = Field(9600, description="Baud rate.")


class SerialReceiptPrinter(ReceiptPrinter):
    Settings: ClassVar[type[DeviceSettings]] = SerialReceiptSettings
    settings: ReceiptPrinterSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._serial: serial.Serial | None = None
        self._layout = ReceiptLayout(self.settings.model())
        self._process_ids = itertools.count(1)
        #: "process_id" or "status" once known; "" while an auto probe is still due.
        self._completion = self._configured_completion()

    # -- transport ----------------------------------------------------------------

    def _port(self) -> tuple[str, int]:
        s = self.settings
        assert isinstance(s, SerialReceiptSettings)
        return s.port, s.baud

    def _open(self) -> None:
        port, baud = self._port()
        try:
            self._serial = serial.Serial(port, baud, timeout=self.settings.status_timeout_s)
        except serial.SerialException as exc:
            raise NoDeviceError(f"cannot open {port}: {exc}", device=self.name,
                                code="NO_PORT") from None  # fmt: skip
        self._write(cmd.INIT)
        self._completion = self._configured_completion()
        try:
            self._refresh_status()
            self._detect_completion()
        except DeviceError as exc:
            # open() reports rather than raises; the status says what is wrong.
            self._set_status(self._state_for_error(exc), error_code=exc.code, reason=str(exc))
        self._publish_completion()

    def _close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def _link(self) -> serial.Serial:
        if self._serial is None:
            raise NoDeviceError("port is not open", device=self.name, code="NO_PORT")
        return self._serial

    def _write(self, data: bytes) -> None:
        try:
            self._link().write(data)
            self._link().flush()
        except serial.SerialException as exc:
            raise NoDeviceError(f"write failed: {exc}", device=self.name,
                                code="WRITE") from None  # fmt: skip

    def _read(self, n: int, timeout: float) -> bytes:
        link = self._link()
        deadline = time.monotonic() + timeout
        out = bytearray()
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            link.timeout = left
            try:
                out += link.read(n - len(out))
            except serial.SerialException as exc:
                raise NoDeviceError(f"read failed: {exc}", device=self.name,
                                    code="READ") from None  # fmt: skip
        return bytes(out)

    # -- completion mode ------------------------------------------------------------

    def _configured_completion(self) -> str:
        if not self.settings.confirm_completion:
            return "status"
        mode = self.settings.completion
        return "" if mode == "auto" else mode

    @property
    def completion_mode(self) -> str:
        """"process_id", "status", or "unknown" (an auto probe not yet possible)."""
        return self._completion or "unknown"

    def _publish_completion(self) -> None:
        self._set_status(detail={"completion": self.completion_mode})

    def _detect_completion(self) -> None:
        """Probe ``GS ( H`` once while the printer is online (auto mode only)."""
        if self._completion:
            return
        pid = b"9999"
        self._link().reset_input_buffer()
        self._write(cmd.process_id_request(pid))
        want = cmd.process_id_reply(pid)
        got = self._read(len(want), self.settings.probe_timeout_s)
        if got == want:
            self._completion = "process_id"
        else:
            if got:
                log.info("%s: unexpected answer %s to the GS ( H probe", self.name, got.hex())
            # A late reply must not be taken for a receipt's confirmation.
            self._link().reset_input_buffer()
            self._completion = "status"
        log.info("%s: receipts confirmed by %s", self.name,
                 "GS ( H reply" if self._completion == "process_id"
                 else "real-time status after the cut")  # fmt: skip
        self._publish_completion()

    def _await_printed(self, data: bytes) -> None:
        """status mode: the printer took and printed ``data`` (online, paper, cover shut)."""
        _port, baud = self._port()
        wire_s = len(data) * 10 / baud
        try:
            self._link().flush()
        except serial.SerialException as exc:
            raise NoDeviceError(f"write failed: {exc}", device=self.name,
                                code="WRITE") from None  # fmt: skip
        time.sleep(wire_s + self.settings.status_settle_s)
        first = self._refresh_status()
        time.sleep(min(0.2, self.settings.status_settle_s))
        second = self._refresh_status()
        if first.detail() != second.detail():
            raise PrinterNoAnswerError(
                "printer status changed after the cut", device=self.name, code="NOT_CONFIRMED"
            )

    # -- status ---------------------------------------------------------------------

    def _query_status(self) -> RealTimeStatus:
        self._link().reset_input_buffer()
        answers = bytearray()
        for kind in cmd.StatusKind:
            self._write(cmd.status_request(kind))
            got = self._read(1, self.settings.status_timeout_s)
            if not got:
                raise PrinterNoAnswerError(
                    f"no answer to DLE EOT {int(kind)}", device=self.name, code="NO_ANSWER"
                )
            answers += got
        try:
            return RealTimeStatus.decode(bytes(answers))
        except ProtocolError as exc:
            exc.device = self.name
            raise

    def _refresh_status(self) -> RealTimeStatus:
        """Read the status, publish it, and raise the error that stops printing, if any."""
        try:
            st = self._query_status()
        except PrinterNoAnswerError:
            # No answer means unknown, never "ok".
            self._set_status(detail={"paper": PaperStatus.UNKNOWN.value,
                                     "cover": CoverStatus.UNKNOWN.value})  # fmt: skip
            raise
        self._set_status(detail=st.detail())
        if st.fault:
            raise PrinterFaultError("printer reports an error", device=self.name, code=st.fault)
        if st.cover_open:
            raise CoverOpenError("cover is open", device=self.name, code="DLE_EOT_COVER_OPEN")
        if st.paper_out:
            raise PaperOutError("paper is out", device=self.name, code="DLE_EOT_PAPER_OUT")
        if st.paper_low:
            log.info("%s: paper near end", self.name)
        if self.status.state != DeviceState.BUSY:
            self._set_status(DeviceState.ONLINE, error_code="", reason="")
        return st

    # -- family API ----------------------------------------------------------------

    def check_ready(self) -> Future[None]:
        return self.submit(self._check_ready)

    def _check_ready(self) -> None:
        try:
            self._refresh_status()
        except DeviceError as exc:
            self._record_error(exc)
            raise

    def print_receipt(self, receipt: Receipt) -> Future[PrintOutcome]:
        return self.submit(self._print_receipt, receipt)

    def _print_receipt(self, receipt: Receipt) -> PrintOutcome:
        pid = f"{next(self._process_ids) % 10000:04d}".encode()
        job_id = pid.decode()
        try:
            self._refresh_status()
            self._detect_completion()
            by_process_id = self._completion == "process_id"
            data = self._layout.receipt(receipt, process_id=pid if by_process_id else None)
        except UnicodeEncodeError as exc:
            raise failed(
                PrinterFaultError(f"text not printable in {self.settings.encoding}: {exc}",
                                  device=self.name, code="ENCODING"), job_id) from None  # fmt: skip
        except DeviceError as exc:
            self._record_error(exc)
            raise failed(exc, job_id) from None
        self._set_status(DeviceState.BUSY, reason="printing")
        try:
            self._link().reset_input_buffer()
            self._write(data)
            if by_process_id:
                self._await_completion(pid)
                self._refresh_status()
            else:
                self._await_printed(data)
        except DeviceError as exc:
            self._record_error(exc)
            log.warning("%s: receipt %s failed: %s", self.name, job_id, exc)
            raise failed(exc, job_id) from None
        finally:
            if self.status.state == DeviceState.BUSY:
                self._set_status(DeviceState.ONLINE, reason="")
        self.statistics.increment("receipts_printed")
        return PrintOutcome(JobState.COMPLETED, job_id, pages=1)

    def _await_completion(self, pid: bytes) -> None:
        want = cmd.process_id_reply(pid)
        got = self._read(len(want), self.settings.completion_timeout_s)
        if got == want:
            return
        if got:
            raise ProtocolError(f"unexpected completion reply {got.hex()}", device=self.name,
                                code="GS_H_BAD")  # fmt: skip
        # No reply: the status read says why (paper out, cover open) or raises no answer.
        self._refresh_status()
        raise PrinterNoAnswerError(
            "printer did not confirm the receipt", device=self.name, code="NOT_CONFIRMED"
        )

    # -- health -------------------------------------------------------------------

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        try:
            st = self._refresh_status()
            report.check("status", True, f"paper {st.paper.value}, cover {st.cover.value}")
            self._detect_completion()
            report.check("completion", True, self.completion_mode)
        except DeviceError as exc:
            report.check("status", False, str(exc))
            return
        if level is HealthLevel.EXTERNAL:
            test = Receipt(title="打印测试 Test", footer=("自助服务终端",),
                           qr_payload="https://kiosk.example.cn/health")  # fmt: skip
            try:
                self._print_receipt(test)
                report.check("test_print", True, "test receipt printed")
            except DeviceError as exc:
                report.check("test_print", False, str(exc))

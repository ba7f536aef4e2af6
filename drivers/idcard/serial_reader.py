"""A certified resident ID card reader on a serial line (GA/T 467), driven with pyserial.

Open: open the port and ask the security module for its status; if it does not answer
at the configured speed, try the factory 115200 and switch it with the set-baud command.
While open, a poller asks "find card" every ``poll_interval_s`` and keeps
``status.detail["media"]`` up to date; a port that vanished is reopened on the next tick.
"""

from __future__ import annotations

import logging
from typing import cast

import serial
from pydantic import Field, field_validator

from card import gat467
from card.errors import IdCardMediaError
from card.idcard import IdCardData, decode_text
from drivers.base import DeviceSettings
from drivers.health import HealthLevel, HealthReport
from drivers.idcard.base import IdCardReader
from drivers.idcard.link import SamLink
from drivers.idcard.polling import PresencePoller
from drivers.status import DeviceState, MediaStatus
from kiosk_base.errors import DeviceError, DeviceTimeoutError, MediaError, NoDeviceError

log = logging.getLogger(__name__)

FACTORY_BAUD = 115200
Command = gat467.Command


class SerialIdCardReaderSettings(DeviceSettings):
    port: str = Field("/dev/ttyUSB0", description="Serial port of the reader.")
    baud: int = Field(FACTORY_BAUD, description="Line speed (115200/57600/38400/19200/9600).")
    poll_interval_s: float = Field(1.0, gt=0, description="Card presence polling interval.")
    timeout_s: float = Field(3.0, gt=0, description="Time allowed for one response.")
    retries: int = Field(2, ge=0, le=5, description="Resends on checksum errors or silence.")

    @field_validator("baud")
    @classmethod
    def _known_baud(cls, value: int) -> int:
        if value not in gat467.BAUD_CODES:
            raise ValueError(f"baud must be one of {sorted(gat467.BAUD_CODES)}")
        return value


class SerialIdCardReader(IdCardReader):
    Settings = SerialIdCardReaderSettings

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._serial: serial.Serial | None = None
        self._link: SamLink | None = None
        self._poller: PresencePoller | None = None

    @property
    def cfg(self) -> SerialIdCardReaderSettings:
        return cast(SerialIdCardReaderSettings, self.settings)

    def _port_path(self) -> str:
        return self.cfg.port

    # -- transport ---------------------------------------------------------------------

    def _open_port(self, baud: int) -> SamLink:
        self._close_port()
        try:
            self._serial = serial.Serial(self._port_path(), baudrate=baud, timeout=0.02,
                                         write_timeout=self.cfg.timeout_s)
        except (OSError, ValueError) as exc:
            raise NoDeviceError(f"cannot open {self._port_path()}: {exc}", device=self.name,
                                code="PORT_OPEN") from exc
        self._link = SamLink(self._serial, device=self.name, timeout_s=self.cfg.timeout_s,
                             retries=self.cfg.retries, statistics=self.statistics)
        return self._link

    def _close_port(self) -> None:
        port, self._serial, self._link = self._serial, None, None
        if port is not None:
            try:
                port.close()
            except OSError as exc:
                log.warning("%s: closing port: %s", self.name, exc)

    def _connect(self) -> SamLink:
        """Open the port and make sure the module answers at the configured speed."""
        link = self._open_port(self.cfg.baud)
        try:
            self._expect_ok(link.command(Command.SAM_STATUS), "SAM status")
            return link
        except DeviceTimeoutError:
            if self.cfg.baud == FACTORY_BAUD:
                raise
        log.info("%s: no answer at %d baud, switching from %d", self.name, self.cfg.baud,
                 FACTORY_BAUD)
        link = self._open_port(FACTORY_BAUD)
        self._expect_ok(link.command(Command.SET_BAUD, para=gat467.BAUD_CODES[self.cfg.baud]),
                        "set baud")
        assert self._serial is not None
        self._serial.baudrate = self.cfg.baud
        self._expect_ok(link.command(Command.SAM_STATUS), "SAM status")
        return link

    def _require_link(self) -> SamLink:
        if self._link is None:
            self._link = self._connect()
        return self._link

    def _expect_ok(self, response: gat467.Response, what: str,
                   ok: tuple[int, ...] = (gat467.SW3_OK,)) -> bytes:
        if response.sw3 not in ok:
            error = gat467.sw3_error(response.sw3, what)
            error.device = self.name
            raise error
        return response.data

    def _run(self, command: Command, what: str, **kwargs: object) -> gat467.Response:
        """A command on the link; a vanished port is closed so the next poll reopens it."""
        link = self._require_link()
        try:
            return link.command(command, **kwargs)  # type: ignore[arg-type]
        except NoDeviceError:
            self._close_port()
            raise

    # -- Device ------------------------------------------------------------------------

    def _open(self) -> None:
        self._set_status(detail={"media": MediaStatus.UNKNOWN.value})
        try:
            self._connect()
        finally:
            self._poller = PresencePoller(self.name, self.cfg.poll_interval_s, self.submit,
                                          self._poll)
            self._poller.start()

    def _close(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        self._close_port()

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        status = self._run(Command.SAM_STATUS, "SAM status")
        report.check("sam_status", status.sw3 == gat467.SW3_OK,
                     gat467.SW3_MEANINGS.get(status.sw3, f"SW3 {status.sw3:02X}"))
        if level is HealthLevel.EXTERNAL:
            sam_id = self._run(Command.READ_SAM_ID, "SAM id")
            report.check("sam_id", sam_id.sw3 == gat467.SW3_OK and len(sam_id.data) == 16,
                         f"{len(sam_id.data)} bytes")
            found = self._run(Command.FIND_CARD, "find card")
            report.check("find_card", found.sw3 in (gat467.SW3_FOUND, 0x80),
                         "card present" if found.sw3 == gat467.SW3_FOUND else "no card")

    # -- polling -----------------------------------------------------------------------

    def _poll(self) -> None:
        """One presence check (on the worker)."""
        try:
            found = self._run(Command.FIND_CARD, "find card", timeout_s=min(
                self.cfg.timeout_s, max(0.5, self.cfg.poll_interval_s)))
        except DeviceError as exc:
            if self.status.state is not self._state_for_error(exc):
                log.warning("%s: poll failed: %s", self.name, exc)
            self._set_status(self._state_for_error(exc), error_code=exc.code, reason=str(exc),
                             detail={"media": MediaStatus.UNKNOWN.value})
            return
        if found.sw3 == gat467.SW3_FOUND:
            media = MediaStatus.PRESENT
        elif found.sw3 == 0x80:
            media = MediaStatus.NOT_PRESENT
        else:
            media = MediaStatus.UNKNOWN
        if media is MediaStatus.PRESENT and self.status.detail.get("media") != media.value:
            self.statistics.increment("cards_detected")
        state = self.status.state
        if state not in (DeviceState.ONLINE, DeviceState.BUSY):
            self._set_status(DeviceState.ONLINE, error_code="", reason="")
        self._set_status(detail={"media": media.value})

    # -- reading -----------------------------------------------------------------------

    def _read_card(self, fingerprint: bool) -> IdCardData:
        self._expect_ok(self._run(Command.FIND_CARD, "find card"), "find card",
                        ok=(gat467.SW3_FOUND,))
        try:
            self._expect_ok(self._run(Command.SELECT_CARD, "select card"), "select card")
            command = (Command.READ_TEXT_PHOTO_FINGERPRINT if fingerprint
                       else Command.READ_TEXT_PHOTO)
            data = self._expect_ok(self._run(command, "read card"), "read card")
        except MediaError as exc:
            # The card was found a moment ago: whatever failed now, it left the field.
            raise IdCardMediaError(
                f"card left during the read: {exc.args[0]}",
                getattr(exc, "sw3", 0x41), device=self.name,
                message_key="error.idcard.removed_during_read") from exc
        payload = gat467.ReadPayload.parse(data, with_fingerprint=fingerprint)
        return decode_text(payload.text, payload.photo, payload.fingerprint)

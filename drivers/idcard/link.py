"""The host side of the GA/T 467 serial link: one command, one response, with resync on
noise, retry on checksum and length errors, and a deadline on every exchange."""

from __future__ import annotations

import logging
import time
from typing import Protocol

from card import gat467
from card.errors import CardFormatError
from drivers.statistics import DeviceStatistics
from kiosk_base.errors import DeviceTimeoutError, NoDeviceError

log = logging.getLogger(__name__)


class SerialPort(Protocol):
    """What the link needs of a pyserial ``Serial``."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes, /) -> int | None: ...

    def reset_input_buffer(self) -> None: ...


class SamLink:
    """Sends commands to the reader's security module and returns checked responses."""

    def __init__(self, port: SerialPort, *, device: str, timeout_s: float, retries: int,
                 statistics: DeviceStatistics) -> None:
        self._port = port
        self._device = device
        self.timeout_s = timeout_s
        self.retries = retries
        self._stats = statistics
        self._decoder = gat467.FrameDecoder()

    def command(self, command: gat467.Command, data: bytes = b"", *,
                para: int | None = None, timeout_s: float | None = None) -> gat467.Response:
        """Send ``command`` and return the response, whatever its SW3.

        Checksum, length and framing errors and silence are retried ``retries`` times;
        then the last one is raised (ProtocolError kinds or DeviceTimeoutError).
        NoDeviceError when the port itself has gone (USB unplugged).
        """
        frame = gat467.encode_request(command, data, para=para)
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._stats.increment("retries")
                log.info("%s: retrying %s (%s)", self._device, command.name, last)
            try:
                response = self._exchange(frame, timeout_s or self.timeout_s)
            except (CardFormatError, DeviceTimeoutError) as exc:
                last = exc
                continue
            if response.sw3 in gat467.RETRYABLE_SW3:
                last = gat467.sw3_error(response.sw3, command.name)
                continue
            return response
        assert last is not None
        raise last

    def _exchange(self, frame: bytes, timeout_s: float) -> gat467.Response:
        try:
            self._port.reset_input_buffer()
            self._decoder.reset()
            self._port.write(frame)
            deadline = time.monotonic() + timeout_s
            while True:
                try:
                    body = self._decoder.next_body()
                except CardFormatError as exc:
                    if exc.code != "FRAME_LENGTH":
                        raise
                    self._stats.increment("resyncs")  # a false preamble in line noise
                    continue
                if body is not None:
                    return gat467.Response.from_body(body)
                if time.monotonic() >= deadline:
                    raise DeviceTimeoutError(
                        f"no whole response within {timeout_s}s", device=self._device,
                        code="TIMEOUT")
                chunk = self._port.read(max(1, min(self._port.in_waiting, 4096)))
                if chunk:
                    self._decoder.feed(chunk)
        except OSError as exc:  # serial.SerialException is an OSError
            raise NoDeviceError(f"serial port failed: {exc}", device=self._device,
                                code="PORT_GONE") from exc

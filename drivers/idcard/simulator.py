"""A GA/T 467 ID card reader simulated at the transport: it speaks the serial protocol on
the master side of a pseudo-terminal pair, and the real driver opens the other end with
pyserial. Cards are the named profiles of :mod:`card.profiles`.

Run it on its own for end-to-end tests of ``kiosk-diag idcard``::

    python -m drivers.idcard.simulator --profile zhang_wei     # prints the pty path
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import select
import signal
import sys
import termios
import threading
import time
import tty
from collections.abc import Mapping

from card import gat467
from card.errors import CardFormatError, FrameChecksumError
from card.idcard import encode_text
from card.profiles import CardProfile, UnknownProfileError, load_profile
from kiosk_base.faults import FaultSet

log = logging.getLogger(__name__)
Command = gat467.Command

FAULTS: Mapping[str, str] = {
    "noise": "garbage bytes before every response (param bytes, default 17)",
    "checksum_error": "corrupt the check byte of the next responses (param count, default 1)",
    "slow_frames": "send responses in 32-byte pieces with a pause (param delay_s, default 0.05)",
    "truncated_frame": "send only the first half of the next response",
    "removed_mid_read": "the card leaves during the next read (SW3 41, card gone)",
    "reader_gone": "the reader stops answering altogether (unplugged)",
    "sam_fault": "the security module fails its self-test (SW3 60) on every command",
}
SAM_ID = bytes.fromhex("0501000020180101000000000000ABCD")


class IdCardReaderSimulator:
    """The reader's security module on a pty. Thread-safe; implements FaultInjectable."""

    def __init__(self, profile: str | None = None, *, name: str = "idcard-sim") -> None:
        self.name = name
        self._faults = FaultSet(FAULTS, owner=name)
        self._lock = threading.Lock()
        self._card: CardProfile | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.port_path = ""
        self.baud = 115200
        #: When set, each response waits its wire time at ``baud`` (for the benchmark).
        self.wire_timing = False
        self.frames_in = 0
        self.frames_out = 0
        self._rng = random.Random(467)
        if profile:
            self.insert_card(profile)

    # -- FaultInjectable ---------------------------------------------------------------

    def faults(self) -> Mapping[str, str]:
        return self._faults.faults()

    def inject(self, fault: str, **params: object) -> None:
        self._faults.inject(fault, **params)

    def clear(self, fault: str | None = None) -> None:
        self._faults.clear(fault)

    def active_faults(self) -> Mapping[str, Mapping[str, object]]:
        return self._faults.active_faults()

    # -- cards -------------------------------------------------------------------------

    def insert_card(self, profile_name: str) -> None:
        profile = load_profile(profile_name)
        if profile.id_card is None:
            raise UnknownProfileError(f"profile {profile_name!r} has no ID card",
                                      code="PROFILE")
        with self._lock:
            self._card = profile

    def remove_card(self) -> None:
        with self._lock:
            self._card = None

    @property
    def card_present(self) -> bool:
        with self._lock:
            return self._card is not None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> str:
        """Create the pty pair and serve it; returns the path the driver opens."""
        if self._thread is not None:
            return self.port_path
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        self._master, self._slave = master, slave
        self.port_path = os.ttyname(slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=f"{self.name}-pty",
                                        daemon=True)
        self._thread.start()
        log.info("%s: serving GA/T 467 on %s", self.name, self.port_path)
        return self.port_path

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def _serve(self) -> None:
        assert self._master is not None
        decoder = gat467.FrameDecoder()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 4096)
            except OSError as exc:
                log.warning("%s: pty read failed: %s", self.name, exc)
                return
            if not self._line_speed_matches():
                continue  # at the wrong speed the UART sees only garbage
            decoder.feed(chunk)
            while True:
                try:
                    body = decoder.next_body()
                except FrameChecksumError:
                    self._send(gat467.encode_response(0x10))
                    continue
                except CardFormatError:
                    continue
                if body is None:
                    break
                self.frames_in += 1
                response = self.respond(body)
                if response is not None:
                    self._send(response)

    def _line_speed_matches(self) -> bool:
        """Whether the host set the pty to the speed this reader runs at."""
        assert self._master is not None
        try:
            speed = termios.tcgetattr(self._master)[5]
        except termios.error as exc:
            log.warning("%s: cannot read line speed: %s", self.name, exc)
            return True
        return bool(speed == getattr(termios, f"B{self.baud}", speed))

    # -- the protocol ------------------------------------------------------------------

    def respond(self, body: bytes) -> bytes | None:
        """The response frame to one request body (None: stay silent)."""
        if self._faults.is_active("reader_gone"):
            return None
        if len(body) < 2:
            return gat467.encode_response(0x11)
        if self._faults.is_active("sam_fault"):
            return gat467.encode_response(0x60)
        cmd, para = body[0], body[1]
        with self._lock:
            card = self._card
        if cmd == 0x10 or (cmd, para) == Command.SAM_STATUS.value:
            return gat467.encode_response(gat467.SW3_OK)
        if (cmd, para) == Command.READ_SAM_ID.value:
            return gat467.encode_response(gat467.SW3_OK, SAM_ID)
        if (cmd, para) == Command.FIND_CARD.value:
            return gat467.encode_response(0x9F, bytes(4)) if card else gat467.encode_response(0x80)
        if (cmd, para) == Command.SELECT_CARD.value:
            return gat467.encode_response(0x90, bytes(8)) if card else gat467.encode_response(0x81)
        if (cmd, para) in (Command.READ_TEXT_PHOTO.value,
                           Command.READ_TEXT_PHOTO_FINGERPRINT.value):
            return self._read(card, with_fingerprint=para == 0x10)
        if (cmd, para) == Command.READ_NEW_ADDRESS.value:
            return gat467.encode_response(gat467.SW3_NO_CONTENT)
        if cmd == 0x60 and para in gat467.BAUD_CODES.values():
            self.baud = {v: k for k, v in gat467.BAUD_CODES.items()}[para]
            return gat467.encode_response(gat467.SW3_OK)
        if (cmd, para) == Command.SET_RF_FRAME.value:
            return gat467.encode_response(gat467.SW3_OK)
        return gat467.encode_response(0x21)

    def _read(self, card: CardProfile | None, *, with_fingerprint: bool) -> bytes:
        if card is None or card.id_card is None:
            return gat467.encode_response(0x41)
        if self._faults.take("removed_mid_read"):
            self.remove_card()
            return gat467.encode_response(0x41)
        data = card.id_card
        payload = gat467.ReadPayload(encode_text(data), data.photo.blob, data.fingerprint)
        return gat467.encode_response(
            gat467.SW3_OK, payload.encode(with_fingerprint=with_fingerprint))

    def _send(self, frame: bytes) -> None:
        if self._faults.is_active("checksum_error"):
            count = int(str(self._faults.param("checksum_error", "count", 1)))
            frame = frame[:-1] + bytes((frame[-1] ^ 0x5A,))
            if count <= 1:
                self._faults.clear("checksum_error")
            else:
                self._faults.inject("checksum_error", count=count - 1)
        if self._faults.take("truncated_frame"):
            frame = frame[: len(frame) // 2]
        if self._faults.is_active("noise"):
            n = int(str(self._faults.param("noise", "bytes", 17)))
            frame = bytes(self._rng.choice((0x00, 0xAA, 0x96, 0x69, 0x55, 0xFF, 0x13))
                          for _ in range(n)) + frame
        if self.wire_timing:
            time.sleep(len(frame) * 10 / self.baud)
        pieces = [frame]
        delay = 0.0
        if self._faults.is_active("slow_frames"):
            delay = float(str(self._faults.param("slow_frames", "delay_s", 0.05)))
            pieces = [frame[i : i + 32] for i in range(0, len(frame), 32)]
        for piece in pieces:
            if self._master is None:
                return
            try:
                os.write(self._master, piece)
            except OSError as exc:
                log.warning("%s: pty write failed: %s", self.name, exc)
                return
            if delay:
                time.sleep(delay)
        self.frames_out += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="GA/T 467 ID card reader on a pty")
    parser.add_argument("--profile", help="card on the reader (default: none)")
    args = parser.parse_args(argv)
    sim = IdCardReaderSimulator(args.profile)
    path = sim.start()
    print(path, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

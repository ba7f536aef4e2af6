"""The card side of vsmartcard's vpcd: a TCP client that pcscd's virtual reader talks to.

Wire format: 2-byte big-endian length + payload. A 1-byte payload is control (00 power
off, 01 power on, 02 reset, 04 get ATR -> we reply the ATR); longer payloads are command
APDUs -> we reply the response APDU. A connected client is an inserted card; closing the
socket removes it. The link reconnects by itself when pcscd restarts.

vpcd only learns about a card by polling it (pcscd asks for the ATR every 400 ms or so):
a TCP connection may wait in vpcd's accept queue for a while, and a closed one goes
unnoticed until the next poll. A card swapped faster than that (remove, insert) is never
seen as removed: pcscd keeps reporting the old card as present and powered, and the next
transaction goes to the old card's dead socket (empty response, "transaction failed").
So an insertion counts only once vpcd has talked to the card (:attr:`connected`), and
:meth:`VirtualCardLink.stop` waits until vpcd has dropped the card (pcscd then reports it
removed) before it returns.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import Protocol

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORTS = (35963, 35964)
#: How long removal waits for vpcd to notice (it polls every 400 ms unless busy).
REMOVAL_WAIT_S = 5.0


class EmulatedCard(Protocol):
    @property
    def atr(self) -> bytes: ...

    def power_on(self) -> None: ...

    def process(self, raw: bytes) -> bytes: ...


def _quickack(sock: socket.socket) -> None:
    """ACK what vpcd sends at once. vpcd writes the length and the APDU separately, and
    with Nagle the second write waits for our ACK of the first, which Linux delays by
    ~40 ms: 51 ms per APDU instead of a fraction of one. The kernel drops the flag again
    after a while, so it is set before every read (a no-op where unsupported)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, _TCP_QUICKACK, 1)


_TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", 12)


class VirtualCardLink:
    """Serves one emulated card to vpcd on ``port`` until ``stop()``."""

    def __init__(self, card: EmulatedCard, port: int, *, host: str = VPCD_HOST) -> None:
        self.card = card
        self.port = port
        self.host = host
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: Pull the card out after this many more APDUs (fault injection), None: never.
        self.remove_after: int | None = None
        #: Set while vpcd has taken the card: it has talked to us on the live connection.
        self.connected = threading.Event()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"vpcd-{self.port}",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Remove the card; returns once vpcd (so pcscd) has noticed, within
        :data:`REMOVAL_WAIT_S`."""
        with self._lock:  # after this, the card answers vpcd nothing more
            self._stop.set()
            taken = self.connected.is_set()
            sock = self._sock
        thread, self._thread = self._thread, None
        if taken:
            # Half-close: vpcd's next read of us (its presence poll at the latest) sees
            # end of file, ejects the card and closes; our reader then ends the thread.
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    log.debug("vpcd %d: socket already closed", self.port)
            if thread is not None:
                thread.join(timeout=REMOVAL_WAIT_S)
                if thread.is_alive():
                    log.info("vpcd %d: vpcd did not drop the card in %.0f s; closing",
                             self.port, REMOVAL_WAIT_S)
        self._drop()
        if thread is not None:
            thread.join(timeout=5)

    def _drop(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
        self.connected.clear()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("vpcd %d: socket already closed", self.port)
            sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=0.5)
            except OSError:
                self._stop.wait(0.2)  # pcscd (vpcd) not listening yet: retry
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(None)
            with self._lock:
                if self._stop.is_set():
                    sock.close()
                    return
                self._sock = sock
            try:
                self._serve(sock)
            except OSError as exc:
                log.info("vpcd %d: link closed: %s", self.port, exc)
            finally:
                self._drop()
            if self.remove_after == 0:
                return  # the card was pulled out: stay out
            self._stop.wait(0.2)

    def _recv(self, sock: socket.socket, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            _quickack(sock)
            chunk = sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _serve(self, sock: socket.socket) -> None:
        # Runs until vpcd closes the connection; once stopping (the socket is half
        # closed), requests are read but not answered.
        while True:
            header = self._recv(sock, 2)
            if header is None:
                return
            payload = self._recv(sock, int.from_bytes(header, "big"))
            if payload is None:
                return
            with self._lock:
                if self._stop.is_set():
                    continue
                self.connected.set()  # vpcd has accepted us and talks to the card
            if len(payload) == 1:
                if payload[0] in (0x01, 0x02):
                    self.card.power_on()
                elif payload[0] == 0x04:
                    atr = self.card.atr
                    sock.sendall(len(atr).to_bytes(2, "big") + atr)
                continue
            if self.remove_after is not None:
                if self.remove_after <= 0:
                    self.remove_after = 0
                    return
                self.remove_after -= 1
            response = self.card.process(payload)
            if not response:  # the card was pulled out mid-command (a fault): no answer
                self.remove_after = 0
                return
            sock.sendall(len(response).to_bytes(2, "big") + response)

"""The real PC/SC stack through pyscard's low-level ``scard`` API.

The low-level API is used (not pyscard's CardMonitor threads) so that every call runs on
the device worker and every failure comes back as a result code we map to a typed error.
"""

from __future__ import annotations

import logging

from smartcard import scard as S

from drivers.pcsc.transport import CardRemovedError, NoCardError
from kiosk_base.errors import DeviceError, MediaError, NoDeviceError, ProtocolError

log = logging.getLogger(__name__)

_SERVICE_GONE = {S.SCARD_E_NO_SERVICE, S.SCARD_E_SERVICE_STOPPED, S.SCARD_E_INVALID_HANDLE,
                 S.SCARD_F_COMM_ERROR}
_READER_GONE = {S.SCARD_E_READER_UNAVAILABLE, S.SCARD_E_UNKNOWN_READER,
                S.SCARD_E_NO_READERS_AVAILABLE}
_REMOVED = {S.SCARD_W_REMOVED_CARD, S.SCARD_W_RESET_CARD, S.SCARD_W_UNPOWERED_CARD,
            S.SCARD_E_NOT_TRANSACTED, S.SCARD_E_COMM_DATA_LOST}


def _code(hr: int) -> str:
    return f"PCSC_{hr & 0xFFFFFFFF:08X}"


def _error(hr: int, what: str, device: str) -> DeviceError:
    text = f"{what}: {S.SCardGetErrorMessage(hr).strip()}"
    if hr in _SERVICE_GONE:
        return NoDeviceError(text, device=device, code=_code(hr),
                             message_key="error.device.unavailable")
    if hr in _READER_GONE:
        return NoDeviceError(text, device=device, code=_code(hr))
    if hr == S.SCARD_E_NO_SMARTCARD:
        return NoCardError(text, device=device, code=_code(hr))
    if hr in _REMOVED:
        return CardRemovedError(text, device=device, code=_code(hr))
    if hr in (S.SCARD_W_UNRESPONSIVE_CARD, S.SCARD_E_PROTO_MISMATCH):
        return MediaError(text, device=device, code=_code(hr),
                          message_key="error.card.unreadable")
    return ProtocolError(text, device=device, code=_code(hr))


class PcscChannel:
    def __init__(self, transport: PcscTransport, hcard: int, protocol: int) -> None:
        self._transport = transport
        self._hcard = hcard
        self._protocol = protocol
        self._open = True
        #: The card left during this connection: it is not reset on close. pcscd's reset
        #: of a card that is gone publishes the slot as empty (or mute) behind the back of
        #: its own presence poll, which then never reports the next card inserted.
        self._card_gone = False

    def transmit(self, apdu: bytes) -> bytes:
        hr, response = S.SCardTransmit(self._hcard, self._protocol, list(apdu))
        if hr != S.SCARD_S_SUCCESS:
            error = _error(hr, "transmit", self._transport.device)
            if hr in _SERVICE_GONE:
                self._transport.reset()
            self._card_gone = isinstance(error, CardRemovedError)
            raise error
        if not response:
            self._card_gone = True
            # Never a valid answer (a response has at least SW1 SW2). Readers (and vpcd)
            # answer nothing when the card left the field during the exchange.
            raise CardRemovedError("transmit: empty response, the card left the reader",
                                   device=self._transport.device, code="PCSC_EMPTY_RESPONSE")
        return bytes(response)

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        hr = S.SCardEndTransaction(self._hcard, S.SCARD_LEAVE_CARD)
        if hr != S.SCARD_S_SUCCESS:
            log.debug("%s: end transaction: %s", self._transport.device,
                      S.SCardGetErrorMessage(hr).strip())
        hr = S.SCardDisconnect(self._hcard, S.SCARD_LEAVE_CARD if self._card_gone
                               else S.SCARD_RESET_CARD)
        if hr != S.SCARD_S_SUCCESS:
            log.debug("%s: disconnect: %s", self._transport.device,
                      S.SCardGetErrorMessage(hr).strip())


class PcscTransport:
    kind = "pcscd"

    def __init__(self, device: str) -> None:
        self.device = device
        self._ctx: int | None = None

    def _context(self) -> int:
        if self._ctx is None:
            hr, ctx = S.SCardEstablishContext(S.SCARD_SCOPE_USER)
            if hr != S.SCARD_S_SUCCESS:
                raise _error(hr, "connect to pcscd", self.device)
            self._ctx = ctx
        return self._ctx

    def reset(self) -> None:
        ctx, self._ctx = self._ctx, None
        if ctx is not None:
            S.SCardReleaseContext(ctx)

    def _check(self, hr: int, what: str) -> None:
        if hr == S.SCARD_S_SUCCESS:
            return
        if hr in _SERVICE_GONE:
            self.reset()
        raise _error(hr, what, self.device)

    def readers(self) -> list[str]:
        hr, readers = S.SCardListReaders(self._context(), [])
        if hr == S.SCARD_E_NO_READERS_AVAILABLE:
            return []
        self._check(hr, "list readers")
        return [str(r) for r in readers]

    def card_present(self, reader: str) -> bool:
        hr, states = S.SCardGetStatusChange(self._context(), 0,
                                            [(reader, S.SCARD_STATE_UNAWARE)])
        self._check(hr, "reader state")
        state = int(states[0][1])
        return bool(state & S.SCARD_STATE_PRESENT) and not state & S.SCARD_STATE_MUTE

    def connect(self, reader: str) -> PcscChannel:
        hr, hcard, protocol = S.SCardConnect(
            self._context(), reader, S.SCARD_SHARE_SHARED,
            S.SCARD_PROTOCOL_T0 | S.SCARD_PROTOCOL_T1)
        self._check(hr, "connect to card")
        hr = S.SCardBeginTransaction(hcard)
        if hr != S.SCARD_S_SUCCESS:
            S.SCardDisconnect(hcard, S.SCARD_LEAVE_CARD)
            self._check(hr, "begin transaction")
        return PcscChannel(self, hcard, protocol)

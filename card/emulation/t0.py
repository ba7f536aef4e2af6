"""The T=0 answering conventions shared by the emulators."""

from __future__ import annotations

from card.apdu import CommandApdu

SW_OK = b"\x90\x00"


class T0Responder:
    """Answers case-2 commands with 6Cxx when Le is wrong and case-4 commands with 61xx,
    holding the data for GET RESPONSE, as a T=0 card does."""

    def __init__(self) -> None:
        self._waiting = b""

    def reset(self) -> None:
        self._waiting = b""

    def get_response(self, command: CommandApdu) -> bytes:
        waiting, self._waiting = self._waiting, b""
        if not waiting:
            return b"\x69\x85"
        if command.le != len(waiting):
            self._waiting = waiting
            return bytes((0x6C, len(waiting) & 0xFF))
        return waiting + SW_OK

    def answer(self, command: CommandApdu, data: bytes) -> bytes:
        self._waiting = b""
        if not data:
            return SW_OK
        if command.data:
            self._waiting = data
            return bytes((0x61, len(data) & 0xFF))
        if command.le != len(data):
            return bytes((0x6C, len(data) & 0xFF))
        return data + SW_OK

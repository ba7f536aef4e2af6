"""Random and mutated frames / APDU responses: a typed error or a result, never anything
else, never a hang."""

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from card import gat467
from card.apdu import CommandApdu, exchange
from card.citizen_reader import read_citizen_card
from card.emulation.citizen_card import CitizenCardEmulator
from card.errors import CardError
from card.idcard import decode_text, encode_text
from card.profiles import load_profile
from card.tlv import parse_ber, parse_simple
from kiosk_base.errors import DeviceError

ZHANG = load_profile("zhang_wei").id_card
assert ZHANG is not None
FRAME = gat467.encode_response(0x90, gat467.ReadPayload(
    encode_text(ZHANG), ZHANG.photo.blob, b"").encode(with_fingerprint=False))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_through_the_frame_decoder(data: bytes) -> None:
    dec = gat467.FrameDecoder()
    dec.feed(data)
    for _ in range(len(data) + 1):
        try:
            if dec.next_body() is None:
                break
        except CardError:
            continue


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(FRAME) - 1), st.integers(0, 255)),
                min_size=1, max_size=6))
def test_mutated_read_frame_is_typed(mutations: list[tuple[int, int]]) -> None:
    frame = bytearray(FRAME)
    for pos, value in mutations:
        frame[pos] = value
    try:
        body = gat467.decode_frame(bytes(frame))
        payload = gat467.ReadPayload.parse(gat467.Response.from_body(body).data,
                                           with_fingerprint=False)
        decode_text(payload.text, payload.photo)
    except CardError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_random_text_blocks(text: bytes) -> None:
    with contextlib.suppress(CardError):
        decode_text(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_tlv(data: bytes) -> None:
    for parse in (parse_ber, parse_simple):
        with contextlib.suppress(CardError):
            parse(data)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_card_responses(data: st.DataObject) -> None:
    profile = load_profile("wang_fang").citizen_card
    assert profile is not None
    card = CitizenCardEmulator(profile)
    victim = data.draw(st.integers(0, 40))
    replacement = data.draw(st.binary(max_size=40))
    count = 0

    def transmit(raw: bytes) -> bytes:
        nonlocal count
        count += 1
        answer = card.process(raw)
        return replacement if count == victim else answer

    with contextlib.suppress(DeviceError):
        read_citizen_card(transmit)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=40, max_size=40))
def test_endless_61xx_is_bounded(answers: list[bytes]) -> None:
    it = iter([b"\x61\x01"] * 100)
    with contextlib.suppress(CardError):
        exchange(lambda _raw: next(it), CommandApdu(0, 0xB2, 1, 4, le=1))

"""Fuzz targets: each takes bytes from a hostile device or network and may raise only its
package's declared error. Anything else escaping is a finding.

``make fuzz`` runs every target (fuzz/run.py); the regression cases of past findings
live in the unit tests (tests/card/test_unicode_digits.py, tests/trust/).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from backend_client.errors import BackendError
from backend_client.models import Health, IdentityCheck, PaymentOrder
from backend_client.service_definition import Catalog
from backend_client.transport import Transport, declared_length
from card import gat467
from card.apdu import CommandApdu, ResponseApdu
from card.errors import CardError
from card.idcard import decode_text, encode_text
from card.profiles import load_profile
from card.tlv import parse_ber, parse_simple
from drivers.escpos.status import RealTimeStatus
from kiosk_base.errors import ConfigError, DeviceError


def _seed_frame() -> bytes:
    card = load_profile("zhang_wei").id_card
    assert card is not None
    payload = gat467.ReadPayload(encode_text(card), card.photo.blob, b"")
    return gat467.encode_response(0x90, payload.encode(with_fingerprint=False))


def _seed_text() -> bytes:
    card = load_profile("hmt_permit").id_card
    assert card is not None
    return encode_text(card)


def gat467_frames(data: bytes) -> None:
    dec = gat467.FrameDecoder()
    dec.feed(data)
    for _ in range(len(data) + 1):
        try:
            if dec.next_body() is None:
                break
        except CardError:
            continue
    with contextlib.suppress(CardError):
        body = gat467.decode_frame(data)
        payload = gat467.ReadPayload.parse(gat467.Response.from_body(body).data,
                                           with_fingerprint=False)
        decode_text(payload.text, payload.photo)


def id_text(data: bytes) -> None:
    text = (data + bytes(256))[:256]
    with contextlib.suppress(CardError):
        decode_text(text)


def apdu_tlv(data: bytes) -> None:
    for parse in (CommandApdu.parse, ResponseApdu.parse, parse_ber, parse_simple):
        with contextlib.suppress(CardError):
            parse(data)


def escpos_status(data: bytes) -> None:
    with contextlib.suppress(DeviceError):
        status = RealTimeStatus.decode(data[:4])
        _ = (status.offline, status.cover_open, status.paper_out, status.paper_low, status.fault)


_MODELS = (Health, Catalog, IdentityCheck, PaymentOrder)


def backend_response(data: bytes) -> None:
    model = _MODELS[data[0] % len(_MODELS)] if data else Health
    with contextlib.suppress(BackendError):
        Transport._parse(data[1:], model, "GET /fuzz", 200, "fuzz")
    Transport._error_body(data)
    declared_length(data.decode("utf-8", "replace"))


def scenario_file(data: bytes) -> None:
    from kiosk_sim.scenario import ScenarioError, parse_scenario

    text = data.decode("utf-8", "replace")
    with contextlib.suppress(ScenarioError):
        parse_scenario(text, "<fuzz>", as_json=bool(data[:1] == b"["))


def config_file(data: bytes) -> None:
    from kiosk.config import loads_config

    with contextlib.suppress(ConfigError):
        loads_config(data.decode("utf-8", "replace"), "<fuzz>")


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], None]
    seeds: tuple[bytes, ...]
    max_size: int


def targets() -> list[Target]:
    frame, text = _seed_frame(), _seed_text()
    return [
        Target("gat467_frames", gat467_frames, (frame, gat467.encode_response(0x80)), 1400),
        Target("id_text", id_text, (text, _seed_frame()[7:263]), 256),
        Target("apdu_tlv", apdu_tlv, (
            bytes.fromhex("6f1a840e315041592e5359532e4444463031a5088801025f2d027a68"),
            bytes.fromhex("00a404000e315041592e5359532e444446303100")), 300),
        Target("escpos_status", escpos_status, (bytes([0x16, 0x12, 0x12, 0x12]),), 8),
        Target("backend_response", backend_response,
               (b'\x00{"status":"ok","api_version":"1","server_time":"2026-01-01T00:00:00+08:00"}',
                b'{"code":"x","message":"m","request_id":""}'), 600),
        Target("scenario_file", scenario_file,
               (b"- tap: start\n- expect_screen: menu\n  timeout: 5\n",
                b'[{"tap": "x", "timeout": 3}, "screenshot"]'), 400),
        Target("config_file", config_file,
               (b'terminal_id = "T-1"\n[ui]\nlarge_text = true\n[devices.scanner]\nimpl = "sim"\n',
                b'[backend]\nurl = "https://x/v1"\nretries = 2\n'), 400),
    ]

"""The check every adapter error must pass: a message key both locales have.

Backend ports raise UserFacingError (the adapter maps the client's errors); device ports
pass on the device's own error, which carries its code and a message key
(drivers.errors.DeviceError and the card / printer errors built the same way), and the
flow shows that key (kiosk/flow/steps/base.as_user_facing).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from drivers.errors import UserFacingError

LOCALE = Path(__file__).resolve().parents[2] / "kiosk" / "locale"


@cache
def _keys(lang: str) -> frozenset[str]:
    return frozenset(json.loads((LOCALE / f"{lang}.json").read_text(encoding="utf-8")))


def assert_user_facing(exc: BaseException, key: str | None = None) -> None:
    """``exc`` is what a screen can show: a message key in zh and en (``key`` if given)."""
    assert isinstance(exc, UserFacingError), f"{type(exc).__name__}: {exc}"
    _check_key(exc.message_key, key)


def assert_device_error(exc: BaseException, key: str | None = None) -> None:
    """A device port's error: the device's own code plus a key both locales have."""
    message_key = getattr(exc, "message_key", None)
    assert isinstance(message_key, str), f"{type(exc).__name__} has no message key: {exc}"
    assert getattr(exc, "code", ""), f"{type(exc).__name__} carries no device code: {exc}"
    _check_key(message_key, key)


def _check_key(message_key: str, key: str | None) -> None:
    if key is not None:
        assert message_key == key, message_key
    for lang in ("zh", "en"):
        assert message_key in _keys(lang), f"{message_key} missing in {lang}.json"

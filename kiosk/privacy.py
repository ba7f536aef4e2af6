"""Masking of personal data: ID numbers, names, phone numbers, addresses.

Used by the log filter and wherever personal data is shown in part (diagnostics without
--unmask, review screens). Free text cannot be searched for names reliably, so besides
patterns (ID numbers, phones, labelled fields, address-shaped text) the session
registers the identified person's own strings with :data:`SENSITIVE` and removes them
when it is wiped. The rules for one value (a name, an ID number...) are
:mod:`kiosk_base.masking`'s; this module finds personal data in free text.
"""

from __future__ import annotations

import re
import threading
from functools import cache

# The rules themselves; re-exported for older imports (use kiosk_base.masking).
from kiosk_base.masking import mask_address as mask_address
from kiosk_base.masking import mask_id_number as mask_id_number
from kiosk_base.masking import mask_name as mask_name
from kiosk_base.masking import mask_phone as mask_phone


class _Patterns:
    """The patterns, compiled at the first text that may need them (see
    :func:`_may_hold_personal`): compiling them takes 6-7 ms, and the kiosk imports this
    module (through its log filter) before its first frame."""

    def __init__(self) -> None:
        self.id18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
        self.id15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")
        self.foreign = re.compile(r"(?<![0-9A-Za-z])[A-Z]{3}\d{12}(?![0-9A-Za-z])")
        self.permit = re.compile(r"(?<![0-9A-Za-z])[HM]\d{8,10}(?![0-9A-Za-z])")
        # Phone numbers, like the IDs, stand apart from letters too: a hex session id
        # holds runs such as "0617654361" that are no phone number.
        self.mobile = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?"
                                 r"(\d{4})(?![0-9A-Za-z])")
        self.landline = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3})-?(\d{7,8})(?![0-9A-Za-z])")
        self.labelled = re.compile(
            r"(?P<label>\b(?:name|name_en|full_name|address|addr|holder|姓名|名字|住址|地址)"
            r"['\"]?\s*[=:：]\s*)(?:(?P<q>['\"])(?P<quoted>[^'\"\n]+)(?P=q)|(?P<bare>[^\s,，;；}]+))",
            re.IGNORECASE,
        )
        # Address-shaped Chinese text: a province/city/district, then a street and number.
        self.address = re.compile(
            r"[\u4e00-\u9fff]{2,}(?:省|自治区|市)[\u4e00-\u9fff0-9]*?(?:区|县|市|镇)"
            r"[\u4e00-\u9fff0-9A-Za-z\-]*?(?:路|街|道|巷|村|弄|号)[\u4e00-\u9fff0-9A-Za-z\-]*"
        )


@cache
def _patterns() -> _Patterns:
    return _Patterns()


@cache
def _hint() -> re.Pattern[str]:
    """What every pattern needs: four digits in a row (the shortest piece of a phone
    number written with spaces; every number pattern has one) or a Chinese character
    (addresses, Chinese labels). 1 ms to compile where the patterns take 6."""
    return re.compile(r"\d{4}|[\u4e00-\u9fff]")


#: Every English label of the labelled pattern contains one of these (case aside).
_LABEL_WORDS = ("name", "addr", "holder")


def _may_hold_personal(text: str) -> bool:
    """False for text none of the patterns can match: most log records (the first
    frame's among them), which then need neither the patterns nor their compiling."""
    if _hint().search(text):
        return True
    lowered = text.lower()
    return any(word in lowered for word in _LABEL_WORDS)


class SensitiveValues:
    """Strings known to be personal for the current session (names, addresses...)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}

    def add(self, value: str | None, masked: str | None = None) -> None:
        if not value or len(value.strip()) < 2:
            return
        value = value.strip()
        with self._lock:
            self._values[value] = masked or mask_name(value)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def apply(self, text: str) -> str:
        with self._lock:
            items = sorted(self._values.items(), key=lambda kv: -len(kv[0]))
        for value, masked in items:
            if value in text:
                text = text.replace(value, masked)
        return text


SENSITIVE = SensitiveValues()


def _mask_labelled(m: re.Match[str]) -> str:
    label = m.group("label")
    q = m.group("q") or ""
    value = m.group("quoted") if q else m.group("bare")
    if "addr" in label.lower() or "址" in label:
        return f"{label}{q}{mask_address(value)}{q}"
    return f"{label}{q}{mask_name(value)}{q}"


def mask_text(text: str) -> str:
    """Mask every piece of personal data this module can recognise in ``text``."""
    text = SENSITIVE.apply(text)
    if not _may_hold_personal(text):
        return text
    p = _patterns()
    text = p.id18.sub(lambda m: mask_id_number(m.group(0)), text)
    text = p.foreign.sub(lambda m: mask_id_number(m.group(0)), text)
    text = p.id15.sub(lambda m: mask_id_number(m.group(0)), text)
    text = p.permit.sub(lambda m: mask_id_number(m.group(0)), text)
    text = p.mobile.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = p.landline.sub(lambda m: f"{m.group(1)}-****{m.group(2)[-2:]}", text)
    text = p.labelled.sub(_mask_labelled, text)
    text = p.address.sub(lambda m: mask_address(m.group(0)), text)
    return text

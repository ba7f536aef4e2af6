"""Every string a person can see has a Chinese and an English text."""

from __future__ import annotations

import ast
import re
import string
from enum import Enum
from pathlib import Path

import pytest

from drivers.registry import ROLES
from drivers.status import DeviceState
from kiosk.flow.steps import controller_for  # noqa: F401  (imports every step module)
from kiosk.flow.steps.base import StepController
from kiosk.i18n import LANGUAGES, catalog

ROOT = Path(__file__).resolve().parents[2]
NAMESPACES = {
    "error", "validation", "step", "service", "form", "review", "identify", "verify_face",
    "capture_photo", "scan", "submit", "print", "result", "menu", "attract", "goodbye", "oos",
    "staff", "diagnostics", "common", "idle", "bar", "state", "role", "face", "topup", "pay",
    "a11y", "steps",
}
KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


def literal_keys() -> set[str]:
    keys: set[str] = set()
    for package in ("kiosk", "drivers", "card", "printers", "backend_client"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and KEY.match(node.value) and node.value.split(".")[0] in NAMESPACES):
                    keys.add(node.value)
    return keys


def dynamic_keys() -> set[str]:
    """Keys the UI builds: step prompts per state, device states and roles."""
    keys = {f"state.{s.value}" for s in DeviceState} | {f"role.{r}" for r in ROLES}
    for cls in _all_subclasses(StepController):
        step_type = getattr(cls, "step_type", "")
        states = _state_enum(cls)
        if not step_type or states is None:
            continue
        types = ["print_certificate", "print_receipt"] if step_type == "print" else [step_type]
        for t in types:
            keys.add(f"step.{t}.title")
            keys |= {f"step.{t}.{s.value}" for s in states}
    return keys


def _all_subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def _state_enum(cls: type) -> type[Enum] | None:
    for base in getattr(cls, "__orig_bases__", ()):
        args = getattr(base, "__args__", ())
        if args and isinstance(args[0], type) and issubclass(args[0], Enum):
            return args[0]
    return None


def test_every_key_in_use_has_both_languages() -> None:
    wanted = literal_keys() | dynamic_keys()
    assert len(wanted) > 150  # the scan found the code's keys
    for lang in LANGUAGES:
        missing = sorted(k for k in wanted if k not in catalog(lang))
        assert not missing, f"{lang}: missing translations: {missing}"


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert set(zh) == set(en)
    fields = string.Formatter()
    for key in zh:
        names_zh = {f for _, f, _, _ in fields.parse(zh[key]) if f}
        names_en = {f for _, f, _, _ in fields.parse(en[key]) if f}
        assert names_zh == names_en, key
        assert zh[key].strip() and en[key].strip(), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_untranslated_copies(lang: str) -> None:
    other = "en" if lang == "zh" else "zh"
    same = [k for k, v in catalog(lang).items()
            if v == catalog(other)[k]
            and re.search(r"[A-Za-z\u4e00-\u9fff]{3}", re.sub(r"{[a-z_]+}", "", v))]
    assert not same, f"texts identical in both languages: {same}"

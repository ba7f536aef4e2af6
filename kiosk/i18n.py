"""Translations: every string a person sees is a key in kiosk/locale/{zh,en}.json.

Key-based catalogs (not Qt .ts files: lrelease is not in the PyQt6 wheels) keep the
flow engine, drivers and backend client free of Qt while still translatable: they
raise errors carrying message keys, and the UI looks the keys up here.
A test fails when a key used anywhere in the code lacks a translation.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")
_LOCALE_DIR = Path(__file__).with_name("locale")


@cache
def catalog(lang: str) -> dict[str, str]:
    path = _LOCALE_DIR / f"{lang}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def translate(key: str, lang: str, **params: object) -> str:
    """The text for ``key`` in ``lang``; a missing key logs and shows the other language."""
    text = catalog(lang).get(key)
    if text is None:
        other = "en" if lang == "zh" else "zh"
        text = catalog(other).get(key)
        log.warning("missing translation %s for %s", key, lang)
        if text is None:
            text = catalog(lang).get("error.generic", key)
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        log.warning("translation %s has bad placeholders for %s", key, sorted(params))
        return text


def has_key(key: str) -> bool:
    return all(key in catalog(lang) for lang in LANGUAGES)

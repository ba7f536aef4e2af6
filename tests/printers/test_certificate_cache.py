"""The preview and the print of a certificate share one render (and the same bytes)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from printers.certificate import cache
from printers.certificate.sample import sample_certificate_json


def test_concurrent_callers_get_one_render_and_the_same_bytes() -> None:
    cache.forget()
    certificate = sample_certificate_json("zh", months=12, seal=True)
    before = cache.renders
    with ThreadPoolExecutor(2) as pool:
        preview, printed = pool.map(cache.render_once, [certificate, dict(certificate)])
    assert preview == printed and preview.startswith(b"%PDF")
    assert cache.renders == before + 1
    assert cache.render_once(certificate) is preview  # kept: no third render
    cache.forget()
    assert cache.render_once(certificate) == preview  # forgotten: rendered again
    assert cache.renders == before + 2
    cache.forget()


def test_another_certificate_replaces_the_kept_one() -> None:
    cache.forget()
    first = sample_certificate_json("zh", months=12, seal=True)
    second = sample_certificate_json("en", months=12, seal=True)
    a = cache.render_once(first)
    b = cache.render_once(second)
    assert a != b
    before = cache.renders
    cache.render_once(first)
    assert cache.renders == before + 1
    cache.forget()

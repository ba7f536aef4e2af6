"""pcscd for the PC/SC tests: started (``pcscd --foreground``) if none runs, stopped after."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from drivers.pcsc.daemon import PcscDaemon


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    daemon = PcscDaemon.shared()
    if not daemon.acquire():
        pytest.skip("no pcscd and no permission to start one")
    from smartcard import scard as S

    deadline = time.monotonic() + 10
    while True:
        hr, ctx = S.SCardEstablishContext(S.SCARD_SCOPE_USER)
        readers: list[str] = []
        if hr == S.SCARD_S_SUCCESS:
            _, readers = S.SCardListReaders(ctx, [])
            S.SCardReleaseContext(ctx)
        if any("Virtual PCD" in r for r in readers or []) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    yield daemon
    daemon.release()


"""The session's wipe leaves nothing; the idle timer runs on a fake clock."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path
from typing import Any

import pytest

from kiosk.flow.engine import FlowState
from kiosk.privacy import mask_text
from kiosk.session import IdleState, IdleTimer, Session, SessionWipedError

from .fakes import ZHANG_WEI, FakeClock
from .services import ELDERLY_CARD
from .test_engine import run_to

PERSONAL = (ZHANG_WEI.name, ZHANG_WEI.id_number, ZHANG_WEI.address, ZHANG_WEI.phone)


def reachable_strings(root: object, limit: int = 200_000) -> list[str]:
    """Every str and bytes reachable from ``root`` through attributes and containers."""
    seen: set[int] = set()
    found: list[str] = []
    stack: list[Any] = [root]
    while stack and len(seen) < limit:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            found.append(obj)
            continue
        if isinstance(obj, bytes | bytearray):
            found.append(bytes(obj).decode("utf-8", "replace"))
            continue
        if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "__dict__")):
            continue
        if obj.__class__.__module__.startswith(("backend_client", "pydantic", "threading",
                                                "concurrent", "logging")):
            continue  # service definitions, locks, executors: shared, never personal
        if obj.__class__.__module__.endswith("fakes"):
            continue  # the fakes stand for the card, the printer and the backend outside
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
        if hasattr(obj, "__dict__"):
            stack.extend(vars(obj).values())
    return found


def test_wipe_after_a_full_service_leaves_nothing(make_engine, kiosk, executor, session) -> None:
    engine = make_engine(ELDERLY_CARD)
    run_to(engine, kiosk, executor, len(ELDERLY_CARD.steps) - 1)
    executor.run_all()
    assert engine.state is FlowState.COMPLETED
    temp_dir = session.temp_dir
    files = list(temp_dir.iterdir())
    assert len(files) == 3  # the photo, the scanned page and its PDF, nowhere else
    before = reachable_strings(engine)
    assert any(ZHANG_WEI.name in s for s in before)  # the walker does find personal data
    assert mask_text(f"name={ZHANG_WEI.name}") != f"name={ZHANG_WEI.name}"

    engine.wipe()
    session.wipe()
    gc.collect()

    assert not temp_dir.exists()
    assert all(not f.exists() for f in files)
    for text in reachable_strings(engine) + reachable_strings(session):
        for personal in PERSONAL:
            assert personal not in text
    assert engine.state is FlowState.WIPED
    assert session.person is None and session.data.fields == {}
    # the log masking forgets this person's strings with the session
    assert "JPEG" not in "".join(reachable_strings(session))


def test_wipe_overwrites_before_deleting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(temp_root=tmp_path)
    path = session.store_file("photo", b"secret face")
    written: list[bytes] = []
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        written.append(self.read_bytes())
        real_unlink(self, missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    session.wipe()
    assert written == [b"\0" * len(b"secret face")]
    assert not path.exists()


def test_a_wiped_session_refuses_use(tmp_path: Path) -> None:
    session = Session(temp_root=tmp_path)
    session.wipe()
    session.wipe()  # idempotent
    with pytest.raises(SessionWipedError):
        session.store_file("x", b"")
    with pytest.raises(SessionWipedError):
        session.identify(ZHANG_WEI)


def test_session_files_are_private(tmp_path: Path) -> None:
    session = Session(temp_root=tmp_path)
    path = session.store_file("photo", b"x")
    assert session.temp_dir.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError):
        session.read_file(tmp_path / "elsewhere.jpg")
    session.wipe()


# -- idle timer -----------------------------------------------------------------------


@pytest.fixture
def timer(clock: FakeClock) -> IdleTimer:
    return IdleTimer(clock.monotonic, timeout_s=60, countdown_s=15)


def test_countdown_in_the_last_15_seconds_then_expired(timer: IdleTimer, clock: FakeClock) -> None:
    seen: list[IdleState] = []
    timer.subscribe(lambda _t, state: seen.append(state))
    clock.advance(44)
    assert timer.tick() is IdleState.ACTIVE and timer.countdown() is None
    clock.advance(1.5)
    assert timer.tick() is IdleState.COUNTDOWN
    assert timer.countdown() == 15
    clock.advance(10)
    assert timer.countdown() == 5
    clock.advance(5)
    assert timer.tick() is IdleState.EXPIRED
    assert seen == [IdleState.COUNTDOWN, IdleState.EXPIRED]
    timer.touch()  # too late: an expired session stays expired
    assert timer.state is IdleState.EXPIRED


def test_need_more_time_extends(timer: IdleTimer, clock: FakeClock) -> None:
    clock.advance(50)
    assert timer.tick() is IdleState.COUNTDOWN
    timer.extend()
    assert timer.state is IdleState.ACTIVE and timer.remaining_s() == 60
    clock.advance(59)
    assert timer.tick() is IdleState.COUNTDOWN
    clock.advance(1)
    assert timer.tick() is IdleState.EXPIRED


def test_touch_restarts_the_timeout(timer: IdleTimer, clock: FakeClock) -> None:
    for _ in range(10):
        clock.advance(40)
        timer.touch()
    assert timer.tick() is IdleState.ACTIVE


def test_hold_pauses_while_waiting_on_a_phone(timer: IdleTimer, clock: FakeClock) -> None:
    timer.hold("payment")
    clock.advance(600)
    assert timer.tick() is IdleState.ACTIVE
    timer.release("payment")
    clock.advance(59)
    assert timer.tick() is IdleState.COUNTDOWN


def test_restart_for_the_next_session(timer: IdleTimer, clock: FakeClock) -> None:
    clock.advance(61)
    assert timer.tick() is IdleState.EXPIRED
    timer.restart()
    assert timer.state is IdleState.ACTIVE and timer.remaining_s() == 60


def test_bad_timer_settings_are_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        IdleTimer(clock.monotonic, timeout_s=10, countdown_s=15)

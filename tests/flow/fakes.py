"""In-process fakes that honour the flow's ports (kiosk/flow/ports.py), plus a manual
executor and a fake clock so every test is deterministic and nothing sleeps.

The fakes keep state like the real thing (orders by idempotency key, a purse balance,
card presence) so a wrong call sequence shows up as a wrong result, not a silent pass.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

import numpy as np
from PIL import Image as PilImage

from drivers.camera.face import Box, FaceAnalysis
from drivers.camera.frames import Frame
from drivers.camera.guidance import GuideSettings
from drivers.camera.idphoto import PhotoSpec, photo_guide
from drivers.camera.liveness import Challenge, FaceFeatures
from kiosk.flow.device_ports import IdPhoto
from kiosk.flow.ports import CapturedImage, Person, ProgressListener, ReceiptContent
from kiosk.flow.purse_ports import LoadInitialisation
from kiosk_base.errors import HardwareError, MediaError, UserFacingError

T = TypeVar("T")

ZHANG_WEI = Person(
    name="张伟",
    id_number="110101195803070230",
    source="id_card",
    sex="男",
    birth_date=date(1958, 3, 7),
    address="北京市东城区景山前街4号",
    phone="13800138000",
)
LI_NA_EXPIRED = Person(
    name="李娜",
    id_number="310104198506120465",
    source="id_card",
    sex="女",
    birth_date=date(1985, 6, 12),
    address="上海市徐汇区漕溪北路88号",
    valid_until=date(2025, 6, 11),
)
WANG_FANG_CARD = Person(
    name="王芳",
    id_number="440305194209150287",
    source="citizen_card",
    card_type="social_security",
    sex="女",
    birth_date=date(1942, 9, 15),
    card_number="C44030500",
)


def done(value: T) -> Future[T]:
    future: Future[T] = Future()
    future.set_result(value)
    return future


def failed(exc: BaseException) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_exception(exc)
    return future


class ManualExecutor(Executor):
    """Queues jobs; the test runs them. Nothing ever runs on the caller's thread."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Future[Any]]] = []
        self.ran = 0

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        self.jobs.append((lambda: fn(*args, **kwargs), future))
        return future

    def run_one(self) -> bool:
        if not self.jobs:
            return False
        job, future = self.jobs.pop(0)
        self.ran += 1
        try:
            future.set_result(job())
        except BaseException as exc:  # a job's own failure is the test's business
            future.set_exception(exc)
            raise
        return True

    def run_all(self, limit: int = 500) -> int:
        count = 0
        while self.run_one():
            count += 1
            if count >= limit:
                raise AssertionError("jobs keep coming: a loop that never ends?")
        return count


class FakeClock:
    """Time moves only when a step waits (or the test advances it)."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime(2026, 11, 21, 10, 0, tzinfo=timezone(timedelta(hours=8))) + timedelta(
            seconds=self.t
        )

    def wait(self, seconds: float, cancelled: threading.Event) -> bool:
        if cancelled.is_set():
            return True
        self.waits.append(seconds)
        self.t += seconds
        return False

    def advance(self, seconds: float) -> None:
        self.t += seconds


class _Presence:
    def __init__(self) -> None:
        self.card_present = False
        #: False: the reader does not know yet whether a card is in (just opened).
        self.known = True
        self._listeners: list[Callable[[bool], None]] = []

    @property
    def card_absent(self) -> bool:
        return self.known and not self.card_present

    def subscribe_presence(self, listener: Callable[[bool], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def listeners(self) -> int:
        return len(self._listeners)

    def _fire(self, present: bool) -> None:
        self.card_present = present
        self.known = True
        for listener in list(self._listeners):
            listener(present)


class FakeIdCardReader(_Presence):
    def __init__(self) -> None:
        super().__init__()
        self.person: Person | None = None
        self.pull_out_mid_read = False
        self.reads = 0

    def insert(self, person: Person) -> None:
        self.person = person
        self._fire(True)

    def remove(self) -> None:
        self._fire(False)

    def read(self) -> Future[Person]:
        self.reads += 1
        if self.pull_out_mid_read:
            self.pull_out_mid_read = False
            self.card_present = False
            return failed(MediaError("card removed", device="id_card_reader", code="SW3_41"))
        assert self.person is not None
        return done(self.person)


class FakeCitizenCard(_Presence):
    """A citizen card with a purse; a load needs MAC2 = the backend's answer to MAC1."""

    def __init__(self, balance_fen: int = 5000) -> None:
        super().__init__()
        self.person: Person | None = None
        self.balance_fen = balance_fen
        self.online_seq = 7
        self.pull_out_at_credit = False
        #: Credit the card, then lose the answer (the card pulled just after).
        self.lose_credit_answer = False
        self.credited_seqs: set[int] = set()
        self.blocked = False
        self.holder_reads = 0
        self._pending: tuple[int, bytes] | None = None

    def insert(self, person: Person) -> None:
        self.person = person
        self._fire(True)

    def remove(self) -> None:
        self._fire(False)

    def read_holder(self) -> Future[Person]:
        self.holder_reads += 1
        if self.blocked:
            return failed(MediaError("blocked", code="SW_6A81", message_key="error.card.blocked"))
        assert self.person is not None
        if self.person.purse_balance_fen is None:  # a social-security-only card
            return done(self.person)
        return done(replace(self.person, purse_balance_fen=self.balance_fen))

    def initialize_for_load(self, amount_fen: int) -> Future[LoadInitialisation]:
        if not self.card_present:
            return failed(MediaError("no card", code="NO_CARD"))
        random = bytes([self.online_seq, 1, 2, 3])
        mac1 = _mac(b"MAC1", self.balance_fen, amount_fen, random)
        self._pending = (amount_fen, random)
        return done(
            LoadInitialisation(
                card_serial="0001440305000001",
                old_balance_fen=self.balance_fen,
                online_seq=self.online_seq.to_bytes(2, "big"),
                key_version=1,
                algorithm_id=0,
                card_random=random,
                mac1=mac1,
                terminal_id=bytes.fromhex("000000000001"),
            )
        )

    def credit_for_load(self, mac2: bytes, when: datetime) -> Future[bytes]:
        if self.pull_out_at_credit:
            self.pull_out_at_credit = False
            self._pending = None
            self.card_present = False
            return failed(MediaError("card removed", code="NO_CARD"))
        assert self._pending is not None
        amount, random = self._pending
        if mac2 != _mac(b"MAC2", amount, 0, random):
            return failed(HardwareError("MAC2 wrong", code="SW_9302"))
        self.balance_fen += amount
        self.credited_seqs.add(self.online_seq)
        self.online_seq += 1
        self._pending = None
        if self.lose_credit_answer:
            self.lose_credit_answer = False
            self.card_present = False
            return failed(MediaError("card removed", code="NO_CARD"))
        return done(b"TAC!")

    def load_proof(self, online_seq: int) -> Future[tuple[str, bytes | None]]:
        if not self.card_present:
            return failed(MediaError("no card", code="NO_CARD"))
        return done(("0001440305000001", b"TAC!" if online_seq in self.credited_seqs
                     else None))


def _mac(label: bytes, a: int, b: int, random: bytes) -> bytes:
    return label[:2] + bytes([(a + b + sum(random)) % 256, len(random)])


class FakeCamera:
    """A face or document camera: stills, ID photos and a preview the test feeds.

    ``show(...)`` delivers one analysed frame of a well-placed face (eyes open, looking
    straight unless told otherwise) to the running preview; ``perform(challenge)`` the
    frames of a resident doing what a liveness challenge asks.
    """

    def __init__(self, label: str = "face") -> None:
        self.label = label
        self.count = 0
        self.fail_next: Exception | None = None
        #: Problems the next ID photo check finds (e.g. ("background",)); empty: it passes.
        self.photo_problems: tuple[str, ...] = ()
        self.on_frame: Callable[[Frame], None] | None = None
        self.on_error: Callable[[UserFacingError], None] | None = None
        self.closely = False
        self._sequence = 0

    def capture(self) -> Future[CapturedImage]:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            return failed(exc)
        self.count += 1
        if self.label == "page":  # pages become a PDF: they must be real images
            return done(CapturedImage(page_jpeg(f"{self.label} #{self.count}")))
        return done(CapturedImage(f"JPEG {self.label} #{self.count}".encode()))

    def capture_id_photo(self) -> Future[IdPhoto]:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            return failed(exc)
        if self.photo_problems:
            problems, self.photo_problems = self.photo_problems, ()
            return done(IdPhoto(problems))
        self.count += 1
        return done(IdPhoto((), f"JPEG {self.label} #{self.count}".encode()))

    def start_preview(self, on_frame: Callable[[Frame], None],
                      on_error: Callable[[UserFacingError], None]) -> None:
        self.on_frame, self.on_error = on_frame, on_error

    def stop_preview(self) -> None:
        self.on_frame = self.on_error = None

    def watch_closely(self, closely: bool) -> None:
        self.closely = closely

    def photo_guide(self) -> GuideSettings:
        return photo_guide(PhotoSpec(), 640, 480)

    def show(self, *, eyes: int = 4, yaw: float = 0.0, x: float = 0.5,
             width: float = 0.33) -> None:
        """One analysed frame (640 x 480) with a face ``width`` of the frame wide."""
        if self.on_frame is None:
            return
        w = int(640 * width)
        box = Box(int(640 * x - w / 2), 240 - w // 2, w, w)
        self._sequence += 1
        face = FaceAnalysis(box, 1, 160.0, 200.0, (), FaceFeatures(eyes, yaw))
        self.on_frame(Frame(np.zeros((480, 640, 3), np.uint8), self._sequence, face=face))

    def perform(self, challenge: Challenge | None) -> None:
        if challenge is Challenge.BLINK:
            for eyes in (4, 0, 0, 4):
                self.show(eyes=eyes)
        elif challenge is not None:
            turned = 0.3 if challenge is Challenge.TURN_LEFT else -0.3
            for yaw in (0.0, turned, turned, 0.0):
                self.show(yaw=yaw)


def page_jpeg(text: str) -> bytes:
    """A small real JPEG carrying ``text`` in its comment (a scanned page in tests)."""
    buf = io.BytesIO()
    PilImage.new("L", (42, 60), 230).save(buf, "JPEG", comment=text.encode())
    return buf.getvalue()


class FakeReceiptPrinter:
    def __init__(self) -> None:
        self.is_ready = True
        self.printed: list[ReceiptContent] = []
        self.fail_next: Exception | None = None

    def ready(self) -> bool:
        return self.is_ready

    def check_ready(self) -> Future[None]:
        if not self.is_ready:
            return failed(HardwareError("paper out", device="receipt_printer",
                                        code="PAPER_OUT"))
        return done(None)

    def print_receipt(self, receipt: ReceiptContent, on_progress: ProgressListener) -> Future[None]:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            return failed(exc)
        on_progress(0.5)
        self.printed.append(receipt)
        return done(None)


class FakeA4Printer:
    def __init__(self) -> None:
        self.is_ready = True
        self.printed: list[Mapping[str, object]] = []
        self.fail_next: Exception | None = None
        self.prepared = 0

    def ready(self) -> bool:
        return self.is_ready

    def prepare(self) -> None:
        self.prepared += 1

    def print_certificate(
        self, certificate: Mapping[str, object], on_progress: ProgressListener
    ) -> Future[None]:
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            return failed(exc)
        on_progress(0.5)
        self.printed.append(certificate)
        return done(None)

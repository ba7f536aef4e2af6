"""Scenario runner: drives the real kiosk from a list of steps, for tests and demos.

A scenario is a JSON or YAML list; each item is ``{op: argument}`` or a bare ``op``::

    - expect_screen: attract
    - tap: start
    - insert_id_card: zhang_wei
    - expect_text: 张伟
    - screenshot: identified

Ops: expect_screen NAME, expect_no_screen NAME, tap ID, long_press ID (held 1.8 s),
draw ID (a finger signs across it), tap_first_option
FIELD, expect_disabled ID, type TEXT, fill "FIELD=TEXT", insert_id_card PROFILE,
remove_id_card, insert_card PROFILE, remove_card, inject "DEVICE FAULT [NAME=VALUE ...]"
(DEVICE may be ``backend``; e.g. "backend http_5xx path=/v1/bills count=1"), clear DEVICE,
note TEXT (written to the kiosk log, to tell apart the parts of a long scenario),
wait SECONDS, screenshot NAME, expect_text TEXT, expect_no_text TEXT, present_person
ID_NUMBER|none, phone_pay (the resident pays the shown QR order on their phone),
phone_confirm_login PROFILE, expect_spoken TEXT, window_size WIDTHxHEIGHT (the window as
on a screen of that size), check_layout (nothing clipped or off the screen:
kiosk_sim.layout_check). The face camera's scene: present_photo PROFILE (a flat printed
photo), face_pose "x=-0.3 size=0.6 turn=0 blur=0 light=1 eyes_closed=no", blink,
turn_head left|right, follow_challenge (the resident does what the face check's liveness
challenge asks, again while it asks; retried until one is asked).
ID is a widget's stable id (its ``kiosk_id`` property, kiosk.ui.widgets): the same in
every language, unlike its accessible name, which is translated.
Expectations and taps retry until ``timeout`` (default 15 s; ``{tap: x, timeout: 30}``).

Every step runs on the UI thread from timers, so the app keeps running between steps;
nothing here blocks the event loop. A timer samples the event loop every 10 ms and the
longest stall is reported in the transcript's summary line.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from PyQt6.QtCore import QEvent, QPointF, QSize, Qt, QTimer
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from kiosk.ui.widgets import stable_id
from kiosk_sim.layout_check import layout_problems, parse_size

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 15.0
RETRY_MS = 50
#: How long ``long_press`` holds (the kiosk's staff long press is 1.5 s).
LONG_PRESS_S = 1.8
#: What ``draw`` signs: strokes of points in 0..1 of the widget (a loop and a flourish).
SIGNATURE_STROKES = (
    ((0.15, 0.6), (0.2, 0.3), (0.27, 0.7), (0.33, 0.35), (0.4, 0.65)),
    ((0.45, 0.5), (0.55, 0.3), (0.6, 0.6), (0.7, 0.4), (0.85, 0.55)),
)


@dataclass
class ScenarioStep:
    op: str
    arg: Any
    timeout_s: float


class ScenarioError(Exception):
    pass


def load_scenario(path: Path) -> list[ScenarioStep]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    return parse_scenario(text, str(path), as_json=path.suffix == ".json")


def parse_scenario(text: str, source: str, *, as_json: bool = False) -> list[ScenarioStep]:
    """The steps of a scenario file's text; ScenarioError (only) when it is not one."""
    try:
        data = json.loads(text) if as_json else yaml.safe_load(text)
    except (ValueError, RecursionError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{source}: not valid {'JSON' if as_json else 'YAML'}: "
                            f"{type(exc).__name__}") from None
    if not isinstance(data, list):
        raise ScenarioError(f"{source}: a scenario is a list of steps")
    steps = []
    for i, item in enumerate(data, 1):
        if isinstance(item, str):
            steps.append(ScenarioStep(item, None, DEFAULT_TIMEOUT_S))
        elif isinstance(item, dict):
            item = dict(item)
            try:
                timeout = float(item.pop("timeout", DEFAULT_TIMEOUT_S))
            except (TypeError, ValueError):
                raise ScenarioError(f"{source}: step {i}: timeout is not a number") from None
            if len(item) != 1:
                raise ScenarioError(f"{source}: step {i} must have exactly one op")
            ((op, arg),) = item.items()
            steps.append(ScenarioStep(str(op), arg, timeout))
        else:
            raise ScenarioError(f"{source}: step {i} is neither a name nor a mapping")
    return steps


def visible_widgets(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if w.isVisible()]


def visible_texts(root: QWidget) -> list[str]:
    return [w.text() for w in visible_widgets(root)
            if isinstance(w, QLabel | QAbstractButton | QLineEdit)]


class StallMeter:
    """Longest time the UI event loop did not run a 10 ms timer on time."""

    def __init__(self) -> None:
        self.max_stall_ms = 0.0
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        stall = (now - self._last) * 1000 - 10
        self.max_stall_ms = max(self.max_stall_ms, stall)
        self._last = now


class ScenarioRunner:
    """Runs steps against ``actions`` (the kiosk's scenario hooks) and the window."""

    def __init__(self, steps: list[ScenarioStep], window: QWidget, out_dir: Path,
                 actions: dict[str, Callable[[Any], Any]],
                 screen_id: Callable[[], str], spoken: Callable[[], list[str]],
                 on_finished: Callable[[bool], None]) -> None:
        self.steps = steps
        self.window = window
        self.out_dir = out_dir
        self.actions = actions
        self.screen_id = screen_id
        self.spoken = spoken
        self.on_finished = on_finished
        self.index = 0
        self._savers: list[threading.Thread] = []
        self._screenshot_errors: list[str] = []
        self.ok = True
        self.stalls = StallMeter()
        out_dir.mkdir(parents=True, exist_ok=True)
        self._transcript = (out_dir / "transcript.jsonl").open("w", encoding="utf-8")
        self._started = 0.0
        self._step_started = 0.0
        self._waiting_until = 0.0
        self._pressing: tuple[QAbstractButton, float] | None = None
        self.screen_size: QSize | None = None
        self._layout_problems: list[str] = []

    def start(self) -> None:
        self._started = time.monotonic()
        self.stalls.start()
        QTimer.singleShot(0, self._begin_step)

    def _begin_step(self) -> None:
        if self.index >= len(self.steps):
            self._finish(True)
            return
        self._step_started = time.monotonic()
        step = self.steps[self.index]
        if step.op == "wait":
            self._waiting_until = time.monotonic() + float(step.arg)
        self._attempt()

    def _attempt(self) -> None:
        step = self.steps[self.index]
        try:
            done = self._execute(step)
        except Exception as exc:  # noqa: BLE001 - a broken step ends the run with its reason
            self._record(step, False, f"{type(exc).__name__}: {exc}")
            self._finish(False)
            return
        if done:
            self._record(step, True)
            self.index += 1
            QTimer.singleShot(0, self._begin_step)
        elif time.monotonic() - self._step_started > step.timeout_s:
            self._record(step, False, self._why_not(step))
            self._finish(False)
        else:
            QTimer.singleShot(RETRY_MS, self._attempt)

    def _execute(self, step: ScenarioStep) -> bool:
        op, arg = step.op, step.arg
        if op == "wait":
            return time.monotonic() >= self._waiting_until
        if op == "expect_screen":
            return self.screen_id() == str(arg)
        if op == "expect_no_screen":
            if self.screen_id() == str(arg):
                raise ScenarioError(f"screen {arg!r} is shown")
            return True
        if op == "expect_text":
            return any(str(arg) in t for t in visible_texts(self.window))
        if op == "expect_no_text":
            return not any(str(arg) in t for t in visible_texts(self.window))
        if op == "expect_spoken":
            return any(str(arg) in t for t in self.spoken())
        if op == "tap":
            return self._tap(str(arg))
        if op == "tap_first_option":
            return self._tap_first_option()
        if op == "expect_disabled":
            return any(isinstance(w, QAbstractButton) and stable_id(w) == str(arg)
                       and not w.isEnabled() for w in visible_widgets(self.window))
        if op == "type":
            return self._type(str(arg))
        if op == "fill":
            return self._fill(str(arg))
        if op == "draw":
            return self._draw(str(arg))
        if op == "long_press":
            return self._long_press(str(arg))
        if op == "window_size":
            self.screen_size = parse_size(str(arg))
            self.window.resize(self.screen_size)
            return True
        if op == "check_layout":
            QApplication.processEvents()
            screen = self.screen_size or self.window.screen().size()  # type: ignore[union-attr]
            self._layout_problems = layout_problems(self.window, screen)
            return not self._layout_problems
        if op == "screenshot":
            QApplication.processEvents()
            self._save_screenshot(self.window.grab().toImage(), self.out_dir / f"{arg}.png")
            return True
        action = self.actions.get(op)
        if action is None:
            raise ScenarioError(f"unknown op {op!r}")
        # An action returns False when the app is not ready for it yet (retried).
        return action(arg) is not False

    def _tap(self, name: str) -> bool:
        for w in visible_widgets(self.window):
            if isinstance(w, QAbstractButton) and stable_id(w) == name and w.isEnabled():
                w.click()
                return True
            if isinstance(w, QLineEdit) and stable_id(w) == name and w.isEnabled():
                w.setFocus()  # a finger on a text field puts the cursor there
                return True
        return False

    def _tap_first_option(self) -> bool:
        for w in visible_widgets(self.window):
            if isinstance(w, QAbstractButton) and stable_id(w).startswith("option ") \
                    and w.isEnabled():
                w.click()
                return True
        return False

    def _fill(self, assignment: str) -> bool:
        """fill: "FIELD=TEXT" replaces the text of the form field FIELD."""
        name, _, text = assignment.partition("=")
        for w in visible_widgets(self.window):
            if isinstance(w, QLineEdit) and stable_id(w) == f"field {name.strip()}":
                w.setFocus()
                w.selectAll()
                w.insert(text)
                w.editingFinished.emit()
                return True
        return False

    def _long_press(self, name: str) -> bool:
        """long_press: a finger held on the button NAME for LONG_PRESS_S, then lifted."""
        if self._pressing is None:
            button = next((w for w in visible_widgets(self.window)
                           if isinstance(w, QAbstractButton) and stable_id(w) == name
                           and w.isEnabled()), None)
            if button is None:
                return False
            centre = QPointF(button.width() / 2, button.height() / 2)
            self._mouse(button, QEvent.Type.MouseButtonPress, centre,
                        Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
            self._pressing = (button, time.monotonic())
            return False
        button, since = self._pressing
        if time.monotonic() - since < LONG_PRESS_S:
            return False
        centre = QPointF(button.width() / 2, button.height() / 2)
        self._mouse(button, QEvent.Type.MouseButtonRelease, centre, Qt.MouseButton.LeftButton,
                    Qt.MouseButton.NoButton)
        self._pressing = None
        return True

    def _draw(self, name: str) -> bool:
        """draw: a finger's strokes (a short signature) across the widget NAME, as the
        mouse events Qt makes of a touch."""
        target = next((w for w in visible_widgets(self.window)
                       if stable_id(w) == name and w.isEnabled()), None)
        if target is None:
            return False
        w, h = target.width(), target.height()
        left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
        for stroke in SIGNATURE_STROKES:
            points = [QPointF(x * w, y * h) for x, y in stroke]
            self._mouse(target, QEvent.Type.MouseButtonPress, points[0], left, left)
            for point in points[1:]:
                self._mouse(target, QEvent.Type.MouseMove, point, none, left)
            self._mouse(target, QEvent.Type.MouseButtonRelease, points[-1], left, none)
        return True

    @staticmethod
    def _mouse(target: QWidget, kind: QEvent.Type, at: QPointF, button: Qt.MouseButton,
               buttons: Qt.MouseButton) -> None:
        event = QMouseEvent(kind, at, target.mapToGlobal(at), button, buttons,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(target, event)

    def _type(self, text: str) -> bool:
        focus = QApplication.focusWidget()
        target = focus if isinstance(focus, QLineEdit) and focus.isVisible() else None
        if target is None:
            edits = [w for w in visible_widgets(self.window)
                     if isinstance(w, QLineEdit) and w.isEnabled() and not w.isReadOnly()]
            empty = [w for w in edits if not w.text()]
            target = (empty or edits or [None])[0]  # type: ignore[list-item]
        if target is None:
            return False
        target.setFocus()
        target.insert(text)
        return True

    def _why_not(self, step: ScenarioStep) -> str:
        if step.op == "expect_screen":
            return f"screen is {self.screen_id()!r}, expected {step.arg!r}"
        if step.op == "tap":
            names = sorted({stable_id(w) for w in visible_widgets(self.window)
                            if isinstance(w, QAbstractButton) and w.isEnabled()})
            return f"no enabled button {step.arg!r} on {self.screen_id()!r}; there are: {names}"
        if step.op == "check_layout":
            shown, count = self._layout_problems[:12], len(self._layout_problems)
            return f"layout problems on {self.screen_id()!r} ({count}): {shown}"
        if step.op in ("expect_text", "expect_no_text"):
            shown = [t for t in visible_texts(self.window) if t][:40]
            return f"{step.op} {step.arg!r} failed on {self.screen_id()!r}; shown: {shown}"
        return f"{step.op} did not complete in {step.timeout_s}s"

    def _record(self, step: ScenarioStep, ok: bool, error: str = "") -> None:
        entry = {"step": self.index + 1, "op": step.op, "arg": step.arg, "ok": ok,
                 "screen": self.screen_id(),
                 "elapsed_s": round(time.monotonic() - self._step_started, 3)}
        if error:
            entry["error"] = error
            log.error("scenario step %d %s %r failed: %s", self.index + 1, step.op, step.arg,
                      error)
        self._transcript.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._transcript.flush()

    def _save_screenshot(self, image: Any, path: Path) -> None:
        """PNG-encode off the UI thread (a 1280x900 PNG takes 100+ ms; PyQt releases the
        GIL in Qt's code): the harness does not stall the kiosk it measures."""
        def save() -> None:
            if not image.save(str(path)):
                self._screenshot_errors.append(f"could not save {path}")

        saver = threading.Thread(target=save, name="screenshot", daemon=True)
        self._savers.append(saver)
        saver.start()

    def _finish(self, ok: bool) -> None:
        for saver in self._savers:  # every screenshot is on disk before the run ends
            saver.join()
        if self._screenshot_errors:
            log.error("scenario: %s", "; ".join(self._screenshot_errors))
            ok = False
        self.stalls.stop()
        self.ok = ok
        summary = {"summary": True, "ok": ok, "steps_run": self.index + (0 if ok else 1),
                   "steps": len(self.steps),
                   "duration_s": round(time.monotonic() - self._started, 3),
                   "max_event_loop_stall_ms": round(self.stalls.max_stall_ms, 1)}
        self._transcript.write(json.dumps(summary) + "\n")
        self._transcript.close()
        self.on_finished(ok)

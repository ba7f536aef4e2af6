"""Logging: readable lines on the console, JSON lines in a rotating file, all masked.

The logging thread (the UI thread, often) only masks and enqueues a record: formatting
and writing (stderr, the rotating file) happen on a listener thread
(:class:`QueueLogHandler`), so a slow disk or a full pipe never stalls the event loop.
:class:`MaskingFilter` runs before a record is queued, so whatever a module logs (its
message, arguments, exception text) reaches no output with an ID number, name, phone
number or address in the clear. The excepthooks log a crash before the process dies (the
listener drains the queue at exit).

``logging.handlers`` (socket, pickle: ~6 ms) is not imported before the first frame: the
queue and its thread are this module's own, and the rotating file handler is made on
the listener thread when the first record reaches it.
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import queue
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

from kiosk.journald import JournaldFormatter, under_journald
from kiosk.privacy import mask_text

CONSOLE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class MaskingFilter(logging.Filter):
    """Renders the record's message and exception now, masked, so no handler sees raw data."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg!r} {record.args!r}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask_text(text)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created))
            + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


class _RotatingFile(logging.Handler):
    """A :class:`logging.handlers.RotatingFileHandler`, opened on first use (on the
    listener thread, so its import is not paid before the first frame)."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__()
        self._args = (path, max_bytes, backups)
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            import logging.handlers

            path, max_bytes, backups = self._args
            self._file = logging.handlers.RotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
            self._file.setFormatter(self.formatter)
        self._file.handle(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


_STOP = object()


class QueueLogHandler(logging.Handler):
    """Masks and enqueues; a listener thread formats and writes to ``handlers``."""

    def __init__(self, handlers: list[logging.Handler]) -> None:
        super().__init__()
        self._queue: queue.Queue[logging.LogRecord | object] = queue.Queue()
        self._targets = handlers
        self._thread: threading.Thread | None = threading.Thread(
            target=self._listen, name="log-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def _listen(self) -> None:
        while True:
            record = self._queue.get()
            try:
                if record is _STOP:
                    return
                assert isinstance(record, logging.LogRecord)
                for handler in self._targets:
                    if record.levelno >= handler.level:
                        handler.handle(record)
            finally:
                self._queue.task_done()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._queue.put_nowait(self.prepare(record))
        except Exception:  # noqa: BLE001 - logging must never raise into its caller
            self.handleError(record)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # MaskingFilter has rendered the message and the exception text already; keep
        # exc_text apart (the JSON file has it as its own field).
        record = copy.copy(record)
        record.message = record.getMessage()
        record.msg, record.args, record.exc_info = record.message, None, None
        return record

    def flush(self) -> None:
        """Wait (bounded) until the listener has written everything queued so far: woken
        by the listener's last ``task_done``, not by polling."""
        deadline = time.monotonic() + 5
        done = self._queue.all_tasks_done
        with done:
            while self._queue.unfinished_tasks and (left := deadline - time.monotonic()) > 0:
                done.wait(left)
        for handler in self._targets:
            handler.flush()

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put_nowait(_STOP)  # after everything queued: drained, then ends
            thread.join(5)
        for handler in self._targets:
            handler.close()
        super().close()


def setup_logging(
    level: str = "INFO",
    log_dir: Path | None = None,
    *,
    max_bytes: int = 5_000_000,
    backups: int = 5,
    console: bool = True,
) -> None:
    """Configure the root logger (idempotent: replaces handlers set up earlier)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    targets: list[logging.Handler] = []
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(JournaldFormatter() if under_journald()  # a systemd service
                            else logging.Formatter(CONSOLE_FORMAT))
        targets.append(stream)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = _RotatingFile(log_dir / "kiosk.jsonl", max_bytes, backups)
        file_handler.setFormatter(JsonLineFormatter())
        targets.append(file_handler)
    if targets:
        handler = QueueLogHandler(targets)
        handler.addFilter(MaskingFilter())
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)


def flush_logs() -> None:
    """Wait (bounded) until the log lines queued so far are written."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, QueueLogHandler):
            handler.flush()


def console_line(text: str) -> None:
    """``text`` on stderr for the technician (the journal under systemd), after the log
    lines queued before it, in one write: the log writer's lines then cannot land in the
    middle of it (``print`` writes the text and its newline apart)."""
    flush_logs()
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def install_excepthooks() -> None:
    """Log uncaught exceptions, in the main thread and in any other thread."""
    crash_log = logging.getLogger("kiosk.crash")

    def hook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        crash_log.critical("uncaught exception", exc_info=(exc_type, exc, tb))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        exc = args.exc_value if args.exc_value is not None else args.exc_type()
        crash_log.critical(
            "uncaught exception in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, exc, args.exc_traceback),
        )

    sys.excepthook = hook
    threading.excepthook = thread_hook

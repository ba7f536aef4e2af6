"""Certificates rendered in a process of their own, so the kiosk's UI never waits on them.

reportlab is pure Python: rendered on a thread of the kiosk, a certificate (0.06 s warm,
0.6 s with the fonts loaded cold) holds the interpreter lock the UI thread needs, and the
screen the resident is looking at stalls for 60-110 ms at a time while it prints. The
render runs in a child process instead (``python -m printers.certificate.worker``), started
when the first service that prints a certificate begins (the kiosk's
``DocumentPrinterPort.prepare``) and warmed once (reportlab imported, fonts registered, a
sample rendered: 1.5 s on the other core while the resident shows a card and a face), so
the resident's certificate is a warm render. It stays up for the next resident.

Protocol, on the child's stdin and stdout (binary pipes, nothing on disk): a request is a
4-byte big-endian length and the certificate's JSON (the backend's, UTF-8); the answer is
one status byte, a 4-byte length and the payload: ``P`` and the PDF, or ``E`` and a JSON
``{"type", "message"}`` for a certificate that cannot be rendered (the child goes on). The
child keeps nothing between requests, and exits when its stdin closes: with the kiosk,
even a killed one.

:class:`RenderProcess` is the kiosk's end. A dead or wedged child is replaced once per
request; if that one fails as well, the certificate is rendered in the kiosk's own process
(logged as a warning): a slower screen is better than a resident without the paper.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import struct
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import IO, Any

from printers.errors import CertificateDataError, PrintingError

log = logging.getLogger(__name__)

_LENGTH = struct.Struct(">I")
#: A 12-row certificate is ~120 kB; anything near this is a broken stream, not a PDF.
MAX_FRAME = 64 * 1024 * 1024
#: Longest a render may take before the child is taken for wedged (a cold one is 0.6 s).
RENDER_TIMEOUT_S = 30.0


class WorkerError(PrintingError):
    """The render process died, or answered something that is not the protocol."""


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _write_frame(stream: IO[bytes], status: bytes, payload: bytes) -> None:
    stream.write(status + _LENGTH.pack(len(payload)) + payload)
    stream.flush()


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The child's loop: one certificate in, one PDF (or error) out, until stdin closes."""
    from printers.certificate.data import CertificateData
    from printers.certificate.renderer import CertificateRenderer
    from printers.certificate.sample import sample_certificate_json

    renderer = CertificateRenderer()
    renderer.render(CertificateData.from_json(sample_certificate_json()))  # warm every cache
    _write_frame(stdout, b"R", b"")  # ready
    while True:
        try:
            (size,) = _LENGTH.unpack(_read_exact(stdin, _LENGTH.size))
            if size > MAX_FRAME:
                return
            request = _read_exact(stdin, size)
        except EOFError:
            return
        try:
            pdf = renderer.render(CertificateData.from_json(request))
        except Exception as exc:  # noqa: BLE001 - answered to the kiosk, which raises it
            detail = {"type": type(exc).__name__, "message": str(exc)}
            _write_frame(stdout, b"E", json.dumps(detail, ensure_ascii=False).encode())
        else:
            _write_frame(stdout, b"P", pdf)
        del request


class RenderProcess:
    """The kiosk's end of the render child: one request at a time, thread-safe."""

    def __init__(self, timeout_s: float = RENDER_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        #: Children started (the first, and every replacement), for tests and diagnostics.
        self.started = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Start and warm the child now (blocks until it is ready; call it off the UI)."""
        with self._lock:
            self._ensure()

    def render(self, certificate: Mapping[str, object]) -> bytes:
        """The PDF of ``certificate`` (the backend's JSON). Raises CertificateDataError for
        data that cannot be rendered; a failing child is replaced, then bypassed."""
        request = json.dumps(dict(certificate), ensure_ascii=False, default=str).encode()
        with self._lock:
            for attempt in (1, 2):
                try:
                    pdf = self._ask(request)
                    log.info("certificate %s rendered in process %s: %d bytes",
                             certificate.get("number", "?"), self.pid, len(pdf))
                    return pdf
                except WorkerError as exc:
                    log.warning("certificate render process failed (attempt %d): %s",
                                attempt, exc)
                    self._kill()
        log.warning("rendering the certificate in the kiosk's own process instead")
        from printers.certificate.cache import renderer
        from printers.certificate.data import CertificateData

        return renderer().render(CertificateData.from_json(dict(certificate)))

    def _ask(self, request: bytes) -> bytes:
        proc = self._ensure()
        assert proc.stdin is not None
        try:
            proc.stdin.write(_LENGTH.pack(len(request)) + request)
            proc.stdin.flush()
        except OSError as exc:
            raise WorkerError(f"render process {proc.pid} gone: {type(exc).__name__}") from exc
        status, payload = self._reply(proc, "gone")
        if status == b"P":
            return payload
        if status == b"E":
            detail: dict[str, Any] = json.loads(payload)
            if detail.get("type") == "CertificateDataError":
                raise CertificateDataError(str(detail.get("message", "")))
            raise PrintingError(f"{detail.get('type')}: {detail.get('message')}")
        raise WorkerError(f"render process {proc.pid} answered status {status!r}")

    def _reply(self, proc: subprocess.Popen[bytes], failed: str) -> tuple[bytes, bytes]:
        """The child's next frame (status, payload); a child silent for ``timeout_s`` is
        killed (its read then sees EOF). WorkerError when there is no frame."""
        assert proc.stdout is not None
        timer = threading.Timer(self.timeout_s, proc.kill)
        timer.start()
        try:
            head = _read_exact(proc.stdout, 1 + _LENGTH.size)
            (size,) = _LENGTH.unpack(head[1:])
            if size > MAX_FRAME:
                raise ValueError(f"frame of {size} bytes")
            return head[:1], _read_exact(proc.stdout, size)
        except (OSError, EOFError, ValueError) as exc:
            raise WorkerError(f"render process {proc.pid} {failed}: {type(exc).__name__}") \
                from exc
        finally:
            timer.cancel()

    def _ensure(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._kill()  # a child that died between requests: reap it, close its pipes
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "printers.certificate.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None,
            env={**os.environ, "PYTHONUNBUFFERED": "1"}, close_fds=True)
        self.started += 1
        status, _ = self._reply(self._proc, "did not start")
        if status != b"R":
            raise WorkerError(f"render process started with status {status!r}")
        log.info("certificate render process %d ready", self._proc.pid)
        return self._proc

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait(5)
            _close_pipes(proc)

    def stop(self) -> None:
        """Close the child's stdin (it exits) and reap it."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        _close_pipes(proc)


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):  # unflushed bytes to a child that is gone
                pipe.close()


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="certificate worker: %(levelname)s %(name)s: %(message)s")
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The camera simulator's transport: an MJPEG stream over HTTP on 127.0.0.1.

It serves ``multipart/x-mixed-replace`` JPEG frames, the format of IP cameras and of
most USB cameras' MJPG mode, so the shipping :class:`~drivers.camera.opencv_camera.
OpenCvCamera` reads it through ``cv2.VideoCapture(url)`` (OpenCV's FFmpeg backend,
part of the opencv-python-headless wheel). Each frame is rendered when it is sent,
from what the simulator's scene holds at that moment, so a scenario that moves the
face sees the preview change a few frames later. A client that stops reading blocks
the sender (TCP back-pressure): an idle kiosk costs no rendering; the driver reconnects
after a pause so it never shows the frames left in the socket buffers.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from drivers.camera.jpeg import Image, encode_jpeg

log = logging.getLogger(__name__)

_BOUNDARY = b"kioskframe"
#: A small send buffer keeps at most a frame or two queued on the simulator's side.
_SEND_BUFFER = 16 * 1024


class SceneStreamServer:
    """Serves frames from ``render(frame_no)`` at up to ``fps``; ``unplugged()`` refuses."""

    def __init__(
        self,
        name: str,
        render: Callable[[int], Image],
        unplugged: Callable[[], bool],
        fps: float = 30.0,
        quality: int = 85,
    ) -> None:
        self.name = name
        self._render = render
        self._unplugged = unplugged
        self._interval = 1.0 / fps
        self._quality = quality
        self._server: ThreadingHTTPServer | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        #: Frames sent since start (for the bench and diagnostics).
        self.frames_sent = 0

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stream server is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}/stream.mjpg"

    def start(self) -> str:
        with self._lock:
            if self._server is None:
                self._stopping.clear()
                server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
                server.daemon_threads = True
                self._server = server
                threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.2},
                    name=f"{self.name}-stream",
                    daemon=True,
                ).start()
                log.info("%s: simulated camera stream on %s", self.name, self.url)
            return self.url

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            self._stopping.set()
            server.shutdown()
            server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                log.debug("%s: %s", outer.name, format % args)

            def do_GET(self) -> None:
                if outer._unplugged():
                    self.send_error(503, "camera unplugged")
                    return
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)
                self.send_response(200)
                self.send_header(
                    "Content-Type", f"multipart/x-mixed-replace; boundary={_BOUNDARY.decode()}"
                )
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                outer._stream(self)

        return Handler

    def _stream(self, handler: BaseHTTPRequestHandler) -> None:
        frame_no = 0
        next_at = time.monotonic()
        try:
            while not self._stopping.is_set() and not self._unplugged():
                frame_no += 1
                jpeg = encode_jpeg(self._render(frame_no), self._quality)
                head = (
                    b"--" + _BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n"
                    b"Content-Length: " + str(len(jpeg)).encode() + b"\r\n\r\n"
                )
                handler.wfile.write(head + jpeg + b"\r\n")
                self.frames_sent += 1
                next_at += self._interval
                delay = next_at - time.monotonic()
                if delay > 0:
                    self._stopping.wait(delay)
                else:  # the reader was slow (or away): do not try to catch up
                    next_at = time.monotonic()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the driver hung up (closed, reconnecting): an ordinary end

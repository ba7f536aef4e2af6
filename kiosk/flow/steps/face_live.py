"""The live face preview a camera step runs: guidance from what the camera sees.

:class:`LiveFace` starts the face camera's preview, feeds each analysed frame to a
:class:`~drivers.camera.guidance.FaceGuide` (on the camera's worker thread: the frames
never leave it except as what the screen shows), tells its step what changed, and
hands every frame to the sink a screen registered (which turns it into a finished
picture on that same worker). Frames are personal data: only the latest is referenced,
by the sink, and :meth:`stop` drops it; nothing here writes or logs a frame.

:class:`FacePreviewStep` is what both face steps (capture_photo, verify_face) share
around it: the preview made from the step's face camera, its guidance while it runs,
telling the screen when the guidance changes, stopping it on cancel and wiping it.
"""

from __future__ import annotations

import logging
import threading
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from drivers.camera.frames import Frame
from drivers.camera.guidance import FaceGuide, Guidance, GuideSettings
from kiosk.flow.clock import Clock
from kiosk.flow.device_ports import FaceCameraPort
from kiosk.flow.steps.base import S, StepContext, StepController
from kiosk_base.errors import UserFacingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveView:
    """What a screen draws over a frame: the guide's colour and the guidance."""

    guidance: Guidance
    #: 0..1: how far the face is toward an automatic capture (the guide fills up).
    steady: float
    #: The face is where the guide wants it.
    placed: bool


FrameSink = Callable[[Frame, LiveView], None]


class LiveFace:
    """One step's preview. ``on_guidance(guidance, frame)`` runs on the camera worker
    for every analysed frame; ``on_error`` when the camera fails (once per problem)."""

    def __init__(self, camera: FaceCameraPort, clock: Clock, settings: GuideSettings,
                 on_guidance: Callable[[Guidance, Frame], None],
                 on_error: Callable[[UserFacingError], None]) -> None:
        self.camera = camera
        self.clock = clock
        self.guide = FaceGuide(settings)
        self._on_guidance = on_guidance
        self._on_error = on_error
        self._sink: FrameSink | None = None
        self._lock = threading.Lock()
        self.running = False

    @property
    def guidance(self) -> Guidance:
        return self.guide.guidance

    def set_sink(self, sink: FrameSink | None) -> None:
        """Where frames go for display (None: nowhere). Called from the UI thread."""
        with self._lock:
            self._sink = sink

    def start(self) -> None:
        if self.running:
            return
        self.guide.reset()
        self.running = True
        try:
            self.camera.start_preview(self._frame, self._error)
        except Exception as exc:  # noqa: BLE001 - a closed camera: shown as the step's error
            self.running = False
            log.warning("face preview did not start: %s", exc)
            self._on_error(UserFacingError("error.device.unavailable", cause=exc))

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.camera.stop_preview()

    def wipe(self) -> None:
        self.stop()
        self.set_sink(None)

    def _frame(self, frame: Frame) -> None:
        if not self.running:
            return
        now = self.clock.monotonic()
        if frame.fresh and frame.face is not None:
            self.guide.update(frame.face, frame.width, frame.height, now)
            self._on_guidance(self.guide.guidance, frame)
        with self._lock:
            sink = self._sink
        if sink is not None:
            steady = min(1.0, self.guide.steady_for(now) / max(0.01, self.guide.settings.steady_s))
            sink(frame, LiveView(self.guide.guidance, steady,
                                 self.guide.guidance is Guidance.READY))

    def _error(self, error: UserFacingError) -> None:
        if self.running:
            self._on_error(error)


class FacePreviewStep(StepController[S]):
    """A step that runs the face camera's live preview (``live`` is None without a
    face camera: the step shows ``error.device.unavailable``)."""

    def __init__(self, context: StepContext, initial: S) -> None:
        super().__init__(context, initial)
        self._shown_guidance: Guidance | None = None
        camera = context.ports.face_camera
        self.live: LiveFace | None = None
        if camera is not None:
            self.live = LiveFace(camera, context.clock, self._guide_settings(camera),
                                 self._on_guidance, self._on_camera_error)

    def _guide_settings(self, camera: FaceCameraPort) -> GuideSettings:
        """The face band and steadiness this step's guidance asks for."""
        return GuideSettings()

    @property
    def guidance(self) -> Guidance | None:
        """What the resident is told now (None while no preview runs)."""
        return self.live.guidance if self.live is not None and self.live.running else None

    def cancel(self) -> None:
        super().cancel()
        if self.live is not None:
            self.live.stop()

    def wipe(self) -> None:
        if self.live is not None:
            self.live.wipe()
        super().wipe()

    def _show_guidance(self, guidance: Guidance) -> None:
        """On the camera's worker: the screen says something else when this changed."""
        if guidance is not self._shown_guidance:
            self._shown_guidance = guidance
            log.info("step %s: guidance %s", self.step_type, guidance.value)
            self._notify()

    @abstractmethod
    def _on_guidance(self, guidance: Guidance, frame: Frame) -> None:
        """Every analysed frame, on the camera's worker."""

    @abstractmethod
    def _on_camera_error(self, error: UserFacingError) -> None:
        """The camera failed (once per problem), on the camera's worker."""

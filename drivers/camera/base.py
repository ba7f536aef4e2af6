"""The camera family contract, shared by the face camera and the document camera.

A camera grabs frames on its worker thread. ``start_preview`` delivers analysed frames
to a callback (on the worker: a UI re-emits them into its own thread); ``capture``
returns a future JPEG with the analysis of the frame it came from. Which analysis runs
depends on the purpose: the ``purpose`` setting, or the role name when it is "auto"
(a role containing "document" is a document camera, anything else looks at faces).

Status detail keys of this family (values are plain strings):

* ``lens``: ``ok``, ``covered`` (almost black, uniform frames) or ``unknown`` (no frame yet);
* ``preview``: ``on`` or ``off``;
* ``purpose``: ``face`` or ``document``.

A covered lens makes the state ``user_error``; the next good frame makes it ``online``.
"""

from __future__ import annotations

import logging
import time
from abc import abstractmethod
from collections.abc import Callable
from concurrent.futures import Future
from typing import ClassVar, Literal

from pydantic import Field

from drivers.base import Device, DeviceSettings
from drivers.camera.document import PageDetector, rectify
from drivers.camera.face import FaceAnalysis, FaceCriteria, FaceDetector, is_lens_covered
from drivers.camera.frames import CameraPurpose, CapturedImage, Frame
from drivers.camera.idphoto import IdPhotoResult, PhotoProblem, PhotoSpec, check_and_crop
from drivers.camera.jpeg import Image, encode_jpeg
from drivers.camera.preview import PreviewPacer
from drivers.health import HealthLevel, HealthReport
from drivers.statistics import StatisticsStore
from drivers.status import DeviceState
from kiosk_base.errors import DeviceError, DeviceNotOpenError, MediaError

log = logging.getLogger(__name__)

FrameListener = Callable[[Frame], None]
ErrorListener = Callable[[DeviceError], None]

#: Default frame size by purpose: a face needs little, a page's small print needs more.
DEFAULT_SIZE = {CameraPurpose.FACE: (640, 480), CameraPurpose.DOCUMENT: (1280, 960)}
#: A preview searches the whole frame for faces this often (seconds) and tracks the
#: last face in between (a quarter of the cost: drivers/camera/face.py).
FULL_SEARCH_S = 0.5
#: Below this grey-level spread a frame is "blank" (lens cap, dead sensor, black stream).
BLANK_STDDEV = 4.0


class LensCoveredError(MediaError):
    """The camera sees only black: something covers the lens."""

    default_message_key = "error.camera.lens_covered"


class CameraSettings(DeviceSettings):
    purpose: Literal["auto", "face", "document"] = Field(
        "auto", description="What the camera looks at; 'auto' decides from the role name."
    )
    width: int | None = Field(
        None, ge=160, le=8192, description="Frame width; default 640 (face) or 1280 (document)."
    )
    height: int | None = Field(
        None, ge=120, le=8192, description="Frame height; default 480 (face) or 960 (document)."
    )
    fps: float = Field(15, gt=0, le=120, description="Frame rate asked of the camera.")
    jpeg_quality: int = Field(90, ge=30, le=100, description="JPEG quality of captures.")
    min_face_fraction: float = Field(
        0.2, gt=0, lt=1, description="Smallest face width, as a fraction of the frame width."
    )
    max_centre_offset: float = Field(
        0.15, gt=0, lt=0.5, description="Largest face offset from centre, fraction of frame."
    )
    min_brightness: float = Field(70, ge=0, le=255, description="Darkest usable face (0-255).")
    min_sharpness: float = Field(
        40, ge=0, description="Lowest Laplacian variance of a face in focus."
    )
    enhance_documents: bool = Field(
        True, description="Flatten lighting and sharpen captured pages."
    )
    photo_width: int = Field(
        358, ge=100, le=2000, description="ID photo width in px (Chinese ID card: 358)."
    )
    photo_height: int = Field(
        441, ge=100, le=2000, description="ID photo height in px (Chinese ID card: 441)."
    )


class Camera(Device):
    """Base of every camera implementation. Subclasses implement ``_grab``."""

    family: ClassVar[str] = "camera"
    Settings: ClassVar[type[DeviceSettings]] = CameraSettings

    def __init__(
        self,
        name: str,
        settings: DeviceSettings | None = None,
        *,
        statistics: StatisticsStore | None = None,
    ) -> None:
        super().__init__(name, settings, statistics=statistics)
        s = self.camera_settings
        self._face_detector: FaceDetector | None = None
        self._page_detector = PageDetector()
        self._face_criteria = FaceCriteria(
            min_face_fraction=s.min_face_fraction,
            max_centre_offset=s.max_centre_offset,
            min_brightness=s.min_brightness,
            min_sharpness=s.min_sharpness,
        )
        self._pacer: PreviewPacer | None = None
        self._frame_no = 0
        self._detect_every = 1
        self._last_face: FaceAnalysis | None = None
        self._full_search_at = 0.0
        self._on_error: ErrorListener | None = None
        self._set_status(
            detail={"lens": "unknown", "preview": "off", "purpose": self.purpose.value}
        )

    # -- configuration ----------------------------------------------------------------

    @property
    def camera_settings(self) -> CameraSettings:
        assert isinstance(self.settings, CameraSettings)
        return self.settings

    @property
    def purpose(self) -> CameraPurpose:
        chosen = self.camera_settings.purpose
        if chosen != "auto":
            return CameraPurpose(chosen)
        return CameraPurpose.DOCUMENT if "document" in self.name else CameraPurpose.FACE

    @property
    def frame_size(self) -> tuple[int, int]:
        """(width, height) asked of the camera."""
        default_w, default_h = DEFAULT_SIZE[self.purpose]
        s = self.camera_settings
        return (s.width or default_w, s.height or default_h)

    # -- the family API ---------------------------------------------------------------

    def start_preview(
        self,
        on_frame: FrameListener,
        fps: float = 10,
        *,
        detect_every: int = 1,
        on_error: ErrorListener | None = None,
    ) -> None:
        """Deliver analysed frames to ``on_frame`` (called on the device worker).

        Face detection runs on every ``detect_every``-th frame only (the frames between
        carry the last analysis, ``Frame.fresh`` False): guidance needs a few answers a
        second, the picture needs every frame. Replaces a running preview. Errors
        (camera gone, lens covered) show in the status and reach ``on_error`` once per
        new problem; the preview keeps trying so it recovers when the camera does.
        """
        self.stop_preview()
        if not self.is_open:
            raise DeviceNotOpenError("device is not open", device=self.name, code="NOT_OPEN")
        self._frame_no = 0
        self._detect_every = max(1, detect_every)
        self._last_face = None
        self._full_search_at = 0.0
        self._on_error = on_error
        pacer = PreviewPacer(self.name, lambda: self.submit(self._preview_frame, on_frame), fps)
        self._pacer = pacer
        pacer.start()
        self._set_status(detail={"preview": "on"})

    def set_detect_every(self, frames: int) -> None:
        """Change how often the running preview detects faces (1: every frame)."""
        self._detect_every = max(1, frames)

    def stop_preview(self) -> None:
        """Stop delivering frames; a frame being produced may still arrive once."""
        pacer, self._pacer = self._pacer, None
        if pacer is not None:
            pacer.stop()
            self._set_status(detail={"preview": "off"})

    @property
    def preview_running(self) -> bool:
        return self._pacer is not None and self._pacer.running

    def capture(self) -> Future[CapturedImage]:
        """Capture one still on the worker; the future raises a DeviceError on failure."""
        return self.submit(self._capture)

    @property
    def photo_spec(self) -> PhotoSpec:
        s = self.camera_settings
        return PhotoSpec(width=s.photo_width, height=s.photo_height)

    def capture_id_photo(self) -> Future[tuple[IdPhotoResult, bytes | None]]:
        """Capture a still, check it as an ID photo and cut it to :attr:`photo_spec`.

        The future gives the checks' verdict and the cut photo's JPEG (None when a check
        failed). Runs on the worker; raises a DeviceError when the camera fails.
        """
        return self.submit(self._capture_id_photo)

    def close(self, timeout: float | None = 10.0) -> None:
        self.stop_preview()
        super().close(timeout)

    # -- for subclasses ---------------------------------------------------------------

    @abstractmethod
    def _grab(self) -> Image:
        """Grab one BGR frame (runs on the worker); raise a DeviceError on failure."""

    def _grab_still(self) -> Image:
        """Grab the frame for a still capture (a driver with queued frames skips them)."""
        return self._grab()

    def _capture_comment(self) -> str | None:
        """Text of a JPEG comment to add to face captures (real cameras add none)."""
        return None

    def _probe(self, report: HealthReport) -> None:
        """Internal health: add checks that the camera answers without grabbing."""

    # -- on the worker ------------------------------------------------------------------

    def _preview_frame(self, on_frame: FrameListener) -> None:
        try:
            frame = self._next_frame(preview=True)
        except DeviceError as exc:
            # Count and report each new problem once, not once per preview tick.
            if self.status.error_code != exc.code or self.status.state.usable:
                self._record_error(exc)
                listener = self._on_error
                if listener is not None:
                    try:
                        listener(exc)
                    except Exception:
                        log.exception("%s: error listener failed", self.name)
            return
        try:
            on_frame(frame)
        except Exception:
            log.exception("%s: frame listener failed", self.name)

    def _next_frame(self, preview: bool = False) -> Frame:
        image = self._grab()
        self._frame_no += 1
        covered = self._note_lens(image)
        if self.purpose == CameraPurpose.FACE:
            fresh = (
                not preview
                or self._last_face is None
                or (self._frame_no - 1) % self._detect_every == 0
            )
            if fresh:
                self._last_face = self._analyse_preview_face(image)
            return Frame(
                image, self._frame_no, face=self._last_face, lens_covered=covered, fresh=fresh
            )
        return Frame(
            image, self._frame_no, page=self._page_detector.analyse(image), lens_covered=covered
        )

    def _analyse_preview_face(self, image: Image) -> FaceAnalysis:
        """Between two searches of the whole frame the face is tracked: looked for
        only around where it was (a new or second face shows at the next full search,
        a face that moved away is searched for at once)."""
        last = self._last_face.box if self._last_face is not None else None
        now = time.monotonic()
        if last is None or now >= self._full_search_at:
            self._full_search_at = now + FULL_SEARCH_S
            return self._faces().analyse(image)
        return self._faces().analyse(image, near=last)

    def _capture(self) -> CapturedImage:
        try:
            image = self._grab_still()
            if self._note_lens(image):
                raise LensCoveredError(
                    "the lens is covered (black frame)", device=self.name, code="LENS_COVERED"
                )
        except DeviceError as exc:
            self._record_error(exc)
            raise
        quality = self.camera_settings.jpeg_quality
        height, width = image.shape[:2]
        self.statistics.increment("captures")
        if self.purpose == CameraPurpose.FACE:
            face = self._faces().analyse(image)
            log.info(
                "%s: captured %dx%d, face problems: %s",
                self.name,
                width,
                height,
                ",".join(face.problems) or "none",
            )
            jpeg = encode_jpeg(image, quality, comment=self._capture_comment())
            return CapturedImage(jpeg, width, height, self.purpose, face=face)
        page = self._page_detector.analyse(image)
        original = encode_jpeg(image, quality)
        log.info("%s: captured %dx%d, page found: %s", self.name, width, height, page.found)
        if page.quad is None:
            return CapturedImage(
                original, width, height, self.purpose, page=page, original=original
            )
        cut = rectify(image, page.quad, enhance=self.camera_settings.enhance_documents)
        return CapturedImage(
            encode_jpeg(cut, quality),
            int(cut.shape[1]),
            int(cut.shape[0]),
            self.purpose,
            page=page,
            original=original,
        )

    def _capture_id_photo(self) -> tuple[IdPhotoResult, bytes | None]:
        try:
            image = self._grab_still()
        except DeviceError as exc:
            self._record_error(exc)
            raise
        self.statistics.increment("captures")
        if self._note_lens(image):
            return IdPhotoResult((PhotoProblem.NO_FACE,), None), None
        result = check_and_crop(image, self._faces().analyse(image), self.photo_spec)
        log.info(
            "%s: ID photo checked, problems: %s",
            self.name,
            ",".join(p.value for p in result.problems) or "none",
        )
        if result.photo is None:
            return result, None
        quality = self.camera_settings.jpeg_quality
        return result, encode_jpeg(result.photo, quality, comment=self._capture_comment())

    def _note_lens(self, image: Image) -> bool:
        """Update the lens status from a frame; True when the lens is covered."""
        covered = is_lens_covered(image)
        if covered:
            if self.status.detail.get("lens") != "covered":
                self.statistics.increment("lens_covered")
                self._set_status(
                    DeviceState.USER_ERROR,
                    detail={"lens": "covered"},
                    error_code="LENS_COVERED",
                    reason="lens covered",
                )
        elif self.status.detail.get("lens") != "ok" or not self.status.state.usable:
            self._set_status(DeviceState.ONLINE, detail={"lens": "ok"}, error_code="", reason="")
        return covered

    def _faces(self) -> FaceDetector:
        if self._face_detector is None:
            self._face_detector = FaceDetector(self._face_criteria)
        return self._face_detector

    def _check_health(self, report: HealthReport, level: HealthLevel) -> None:
        if level != HealthLevel.EXTERNAL and not self.preview_running:
            # One frame (nothing moves, nothing is kept): a camera unplugged while idle
            # turns no_device now (the DeviceError is recorded), a replugged one online.
            # The kiosk's status watch asks this now and then, so the menu knows first.
            self._note_lens(self._grab())
        state = self.status.state
        report.check("state", state.usable or state == DeviceState.USER_ERROR, str(state))
        self._probe(report)
        if level != HealthLevel.EXTERNAL:
            return
        try:
            image = self._grab()
        except DeviceError as exc:
            report.check("frame", False, str(exc))
            return
        height, width = image.shape[:2]
        report.check("frame", True, f"{width}x{height}")
        report.check("lens", not self._note_lens(image), self.status.detail.get("lens", ""))
        spread = float(image.std())
        report.check("not_blank", spread >= BLANK_STDDEV, f"grey spread {spread:.1f}")

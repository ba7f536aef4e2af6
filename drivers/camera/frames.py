"""What a camera hands out: preview frames and captured images."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from drivers.camera.document import PageAnalysis, order_corners, rectify
from drivers.camera.face import FaceAnalysis
from drivers.camera.jpeg import Image, decode_image, encode_jpeg


class CameraPurpose(StrEnum):
    """What a camera looks at; decides which analysis runs on its frames."""

    FACE = "face"
    DOCUMENT = "document"


@dataclass(frozen=True, eq=False)
class Frame:
    """One preview frame: the BGR image plus what analysis found in it.

    ``face`` is set on a face camera, ``page`` on a document camera. The image belongs
    to the receiver (a fresh array per frame), so a UI may keep or convert it.
    """

    image: Image
    #: Counts frames since the preview started (1, 2, ...).
    sequence: int
    face: FaceAnalysis | None = None
    page: PageAnalysis | None = None
    #: The lens looks covered (an almost black, uniform frame).
    lens_covered: bool = False
    #: ``face`` was analysed on this very frame (else it is the last analysis, carried).
    fresh: bool = True

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class CapturedImage:
    """A still capture as JPEG, with the analysis of the frame it came from.

    For a document camera ``jpeg`` is the perspective-corrected, enhanced page when a
    page was found, else the whole frame; ``original`` always holds the whole frame so
    the page can be cut again from corners the user places (:meth:`with_corners`).
    """

    jpeg: bytes
    width: int
    height: int
    purpose: CameraPurpose
    face: FaceAnalysis | None = None
    page: PageAnalysis | None = None
    #: The uncorrected frame (document camera only).
    original: bytes | None = None

    def __repr__(self) -> str:  # never dump image bytes into a log
        return (
            f"CapturedImage({self.purpose}, {self.width}x{self.height}, "
            f"{len(self.jpeg)} bytes, face={self.face}, page={self.page})"
        )

    def with_corners(
        self, corners: Sequence[tuple[float, float]], *, quality: int = 90
    ) -> CapturedImage:
        """The page cut from ``original`` at manually placed corners (CPU work only).

        Raises ValueError if this is not a document capture or the corners are unusable.
        """
        if self.original is None:
            raise ValueError("only a document capture keeps the original frame")
        frame = decode_image(self.original)
        page = rectify(frame, corners)
        quad = order_corners(corners)
        fraction = _quad_area(quad) / float(frame.shape[0] * frame.shape[1])
        return CapturedImage(
            jpeg=encode_jpeg(page, quality),
            width=int(page.shape[1]),
            height=int(page.shape[0]),
            purpose=self.purpose,
            page=PageAnalysis(quad, fraction),
            original=self.original,
        )


def _quad_area(quad: Sequence[tuple[float, float]]) -> float:
    """Shoelace formula."""
    total = 0.0
    for (x1, y1), (x2, y2) in zip(quad, [*quad[1:], quad[0]], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2

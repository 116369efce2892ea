"""What every scene provides: a taxonomy, a background, and a renderer of objects with exact boxes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from truthline.synth.canvas import Canvas, DrawnBox
from truthline.synth.records import Taxonomy

# random streams of one item; each has its own generator, so turning a condition on or off never changes
# what the other streams draw (the clean image and its conditioned twin show the same scene)
LAYOUT, DEFECT, NOVEL, REDESIGN = 0, 1, 2, 3


@dataclass(frozen=True)
class View:
    """Which part of the world a frame shows.

    A still image (``video=False``) is a world of its own, seeded by ``(seed, index)``. A video frame shows
    a window of one endless world seeded by ``seed``, starting ``offset`` scene pixels along it; items of
    that world keep their identity (track ids) across frames.
    """

    seed: int
    index: int
    width: int
    height: int
    defect_rate: float
    video: bool = False
    offset: float = 0.0

    def rng(self, item: int, stream: int) -> np.random.Generator:
        """The generator of one random stream of one item of the world."""
        if self.video:
            return np.random.default_rng([self.seed, 1, item, stream])
        return np.random.default_rng([self.seed, 0, self.index, item, stream])


@dataclass(frozen=True)
class SceneConditions:
    """The scene-level conditions: which class is redesigned (and how much), and novel objects."""

    redesign_target: str | None = None
    redesign_severity: float = 0.0
    novel_severity: float | None = None


@dataclass(frozen=True)
class SceneObject:
    label: str
    box: DrawnBox
    track_id: int | None = None
    attributes: dict[str, object] = field(default_factory=dict)


@dataclass
class SceneOutput:
    objects: list[SceneObject] = field(default_factory=list)
    novel: list[SceneObject] = field(default_factory=list)
    image_class: str | None = None


class Scene(Protocol):
    """A scenario: its taxonomy, defaults, background and object renderer."""

    name: str
    taxonomy: Taxonomy
    default_site: str
    default_camera: str
    default_rate: float
    redesign_targets: tuple[str, ...]
    default_redesign: str

    def background(self, view: View) -> np.ndarray:
        """A fresh HxWx3 uint8 BGR background for this view (moves with the world in video)."""
        ...

    def render(self, canvas: Canvas, view: View, conditions: SceneConditions) -> SceneOutput:
        """Draw the scene's objects on the canvas; return their exact boxes and the image-level class."""
        ...


def periodic_texture(height: int, period: int, amplitude: float, seed: int, smooth: float = 1.0) -> np.ndarray:
    """A float32 noise texture, smooth and periodic along x (so a moving window can wrap around)."""
    import cv2

    rng = np.random.default_rng(seed)
    tex: np.ndarray = rng.standard_normal((height, period)).astype(np.float32)
    pad = int(4 * smooth) + 1
    wrapped = np.concatenate([tex[:, -pad:], tex, tex[:, :pad]], axis=1)
    wrapped = cv2.GaussianBlur(wrapped, (0, 0), smooth)
    tex = wrapped[:, pad:-pad]
    return tex / (tex.std() + 1e-6) * amplitude


def window(tile: np.ndarray, offset: int, width: int) -> np.ndarray:
    """Columns ``offset .. offset+width`` of a tile that repeats along x, as a fresh array."""
    period = tile.shape[1]
    start = offset % period
    if start + width <= period:
        return tile[:, start : start + width].copy()
    cols = (np.arange(width) + start) % period
    return np.take(tile, cols, axis=1)

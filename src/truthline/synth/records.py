"""Records the synthetic generator yields (an image with exact ground truth) and the taxonomy they follow."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import cv2
import numpy as np

from truthline.domain.content import content_hash

PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
if hasattr(cv2, "IMWRITE_PNG_FILTER"):  # OpenCV >= 4.10: one fixed filter instead of per-row search
    PNG_PARAMS += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_SUB]
"""Fixed PNG encoder parameters (fast: zlib level 1, RLE, SUB filter): the same array gives the same bytes."""


def encode_png(image: np.ndarray) -> bytes:
    """Encode a BGR uint8 array as PNG with fixed parameters (deterministic bytes)."""
    ok, buf = cv2.imencode(".png", image, PNG_PARAMS)
    if not ok:  # pragma: no cover - OpenCV only fails on invalid arrays
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


@dataclass(frozen=True)
class ClassSpec:
    """One class of a taxonomy: its name, a one-line labelling guideline, and whether it gets boxes."""

    name: str
    guideline: str
    boxed: bool = True


@dataclass(frozen=True)
class Taxonomy:
    """Ordered classes of a scenario. Boxed classes come first, so YOLO ids equal taxonomy positions."""

    scenario: str
    classes: tuple[ClassSpec, ...]
    description: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.classes]

    @property
    def box_names(self) -> list[str]:
        """Classes that are annotated with boxes (detection classes), in order."""
        return [c.name for c in self.classes if c.boxed]

    @property
    def image_names(self) -> list[str]:
        """Classes an image-level label may take (every class of a scenario that has image labels)."""
        return self.names

    def index(self, name: str) -> int:
        return self.names.index(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "description": self.description,
            "classes": [{"name": c.name, "guideline": c.guideline, "boxed": c.boxed} for c in self.classes],
        }


@dataclass(frozen=True)
class SynthRecord:
    """One generated image with its exact ground truth.

    ``annotations`` hold ``{"label", "bbox": [x, y, w, h]}`` (pixels, float, top-left origin, the tight
    bounds of what is drawn, clipped to the image) and optionally ``track_id``, ``truncated`` (the object
    runs past the image border) and ``occluded`` (fraction of the box covered by an occluder).
    ``novel_objects`` have the same shape but labels outside the taxonomy; they are never in ``annotations``.
    """

    index: int
    file_name: str
    width: int
    height: int
    image: np.ndarray = field(repr=False, compare=False)
    metadata: dict[str, Any]
    annotations: list[dict[str, Any]]
    image_class: str | None
    novel_objects: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def png(self) -> bytes:
        """The image encoded as PNG (computed once)."""
        return encode_png(self.image)

    @property
    def sha256(self) -> str:
        """sha256 of the PNG bytes."""
        return hashlib.sha256(self.png).hexdigest()

    def ground_truth(self) -> dict[str, Any]:
        """Everything but the pixels, as plain JSON-able data."""
        return {
            "index": self.index,
            "file_name": self.file_name,
            "width": self.width,
            "height": self.height,
            "metadata": self.metadata,
            "annotations": self.annotations,
            "image_class": self.image_class,
            "novel_objects": self.novel_objects,
        }

    def ground_truth_hash(self) -> str:
        return content_hash(self.ground_truth())

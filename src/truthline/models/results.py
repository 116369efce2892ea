"""What a model returns: columnar detections or class scores with stage timings, and the two adapter protocols."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from truthline.models.preprocess import PreprocessSpec

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Timings:
    """Milliseconds spent on one batch in each stage (``batch_size`` images)."""

    preprocess_ms: float = 0.0
    infer_ms: float = 0.0
    postprocess_ms: float = 0.0
    batch_size: int = 1

    @property
    def total_ms(self) -> float:
        return self.preprocess_ms + self.infer_ms + self.postprocess_ms

    def to_dict(self) -> dict[str, float]:
        return {
            "preprocess_ms": self.preprocess_ms,
            "infer_ms": self.infer_ms,
            "postprocess_ms": self.postprocess_ms,
            "total_ms": self.total_ms,
            "batch_size": self.batch_size,
        }


@dataclass(frozen=True, slots=True)
class Detections:
    """Detections of one image, as columns.

    ``boxes``: (N, 4) float32 ``[x, y, w, h]`` in ORIGINAL image pixels (top-left origin); ``scores``: (N,)
    float32, higher is surer (a probability for neural models; an SVM/cascade weight for OpenCV's detectors);
    ``class_ids``: (N,) int64 positions in the model's ``class_names``. ``timings`` are those of the whole batch
    the image was predicted in (``timings.batch_size`` images), so that a batch is timed once.
    """

    boxes: npt.NDArray[np.float32]
    scores: npt.NDArray[np.float32]
    class_ids: npt.NDArray[np.int64]
    timings: Timings = field(default_factory=Timings)

    def __post_init__(self) -> None:
        n = len(self.scores)
        if self.boxes.shape != (n, 4) or self.class_ids.shape != (n,):
            raise ValueError(f"inconsistent detection columns {self.boxes.shape}, {n}, {self.class_ids.shape}")

    @staticmethod
    def build(
        boxes: npt.ArrayLike, scores: npt.ArrayLike, class_ids: npt.ArrayLike, timings: Timings | None = None
    ) -> Detections:
        return Detections(
            np.asarray(boxes, dtype=np.float32).reshape(-1, 4),
            np.asarray(scores, dtype=np.float32).reshape(-1),
            np.asarray(class_ids, dtype=np.int64).reshape(-1),
            timings or Timings(),
        )

    @staticmethod
    def empty(timings: Timings | None = None) -> Detections:
        return Detections.build(np.zeros((0, 4)), np.zeros(0), np.zeros(0), timings)

    def __len__(self) -> int:
        return len(self.scores)

    def above(self, threshold: float) -> Detections:
        keep = self.scores >= threshold
        return Detections(self.boxes[keep], self.scores[keep], self.class_ids[keep], self.timings)

    def to_coco(self, image_id: int, category_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """COCO results records; ``category_ids[k]`` is class ``k``'s COCO id (default ``k + 1``)."""
        return [
            {
                "image_id": int(image_id),
                "category_id": int(c) + 1 if category_ids is None else int(category_ids[int(c)]),
                "bbox": [round(float(v), 3) for v in b],
                "score": round(float(s), 6),
            }
            for b, s, c in zip(self.boxes, self.scores, self.class_ids, strict=True)
        ]


@dataclass(frozen=True, slots=True)
class ClassScores:
    """Class scores of a batch: ``scores`` (N, C) float32 probabilities in ``class_names`` order."""

    scores: npt.NDArray[np.float32]
    timings: Timings = field(default_factory=Timings)

    def top1(self) -> npt.NDArray[np.int64]:
        return np.argmax(self.scores, axis=1).astype(np.int64)


@runtime_checkable
class Detector(Protocol):
    """A batch of BGR uint8 images in, one :class:`Detections` per image out."""

    task: Literal["detect"]
    class_names: tuple[str, ...]
    preprocess: PreprocessSpec

    def predict(self, images: Sequence[Image]) -> list[Detections]: ...


@runtime_checkable
class Classifier(Protocol):
    """A batch of BGR uint8 images in, (N, C) class scores out."""

    task: Literal["classify"]
    class_names: tuple[str, ...]
    preprocess: PreprocessSpec

    def predict(self, images: Sequence[Image]) -> ClassScores: ...

"""Boxes as arrays: per-image box sets (ground truth or predictions), vectorised IoU and one-to-one matching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label


def as_boxes(boxes: Any) -> np.ndarray:
    """``[[x, y, w, h], ...]`` (anything array-like, possibly empty) as a float64 ``(N, 4)`` array."""
    a = np.asarray(boxes, dtype=np.float64)
    return a.reshape(-1, 4) if a.size else np.zeros((0, 4))


def iou_matrix(a: Any, b: Any) -> np.ndarray:
    """IoU of every box in ``a`` (N, 4) with every box in ``b`` (M, 4), boxes ``[x, y, w, h]``: an (N, M) array.

    Zero-area boxes have IoU 0 with everything (also with themselves).
    """
    a, b = as_boxes(a), as_boxes(b)
    ax0, ay0, aw, ah = (a[:, i : i + 1] for i in range(4))
    bx0, by0, bw, bh = (b[:, i] for i in range(4))
    iw = np.clip(np.minimum(ax0 + aw, bx0 + bw) - np.maximum(ax0, bx0), 0, None)
    ih = np.clip(np.minimum(ay0 + ah, by0 + bh) - np.maximum(ay0, by0), 0, None)
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return out


def match_boxes(iou: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Optimal one-to-one matching (Hungarian on IoU) keeping pairs with IoU >= ``threshold``: ``(i, j, iou)``."""
    if iou.size == 0:
        return []
    rows, cols = linear_sum_assignment(-iou)
    return [(int(i), int(j), float(iou[i, j])) for i, j in zip(rows, cols, strict=True) if iou[i, j] >= threshold]


@dataclass(slots=True)
class ImageBoxes:
    """The boxes of one image: ground truth (``scores`` None) or model predictions (``scores`` set).

    ``boxes`` is ``(N, 4)`` ``[x, y, w, h]`` in pixels; ``labels`` the class names; ``ids`` optional
    annotation ids (kept in issues so that a reviewer's decision can name the annotation); ``annotators``
    optional, one per box. ``width``/``height`` are the image size when known (out-of-image checks, report).
    """

    image: str
    boxes: np.ndarray
    labels: list[str]
    scores: np.ndarray | None = None
    ids: list[str] | None = None
    annotators: list[str | None] | None = None
    width: int | None = None
    height: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.boxes = as_boxes(self.boxes)
        self.labels = [str(x) for x in self.labels]
        if len(self.labels) != len(self.boxes):
            raise ValueError(f"{self.image}: {len(self.boxes)} boxes but {len(self.labels)} labels")
        if self.scores is not None:
            self.scores = np.asarray(self.scores, dtype=np.float64).reshape(-1)
            if len(self.scores) != len(self.boxes):
                raise ValueError(f"{self.image}: {len(self.boxes)} boxes but {len(self.scores)} scores")

    def __len__(self) -> int:
        return len(self.boxes)

    def id_of(self, i: int) -> str | None:
        return self.ids[i] if self.ids is not None else None

    @staticmethod
    def from_labels(
        image: str,
        labels: Sequence[Label],
        *,
        ids: Sequence[str] | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> ImageBoxes:
        """The boxed labels of an image (any geometry with a bounding box; image-level labels are skipped).

        ``ids`` are annotation ids parallel to ``labels``; the kept boxes keep theirs.
        """
        keep = [i for i, lab in enumerate(labels) if lab.kind is not GeometryKind.LABEL and lab.bbox is not None]
        return ImageBoxes(
            image=image,
            boxes=as_boxes([labels[i].bbox for i in keep]),
            labels=[str(labels[i].label) for i in keep],
            ids=[ids[i] for i in keep] if ids is not None else None,
            annotators=[labels[i].annotator for i in keep],
            width=width,
            height=height,
        )

    @staticmethod
    def from_dicts(
        image: str, annotations: Sequence[dict[str, Any]], *, width: int | None = None, height: int | None = None
    ) -> ImageBoxes:
        """From ``{"label", "bbox", ["score"], ["id"], ["annotator"]}`` dicts (synth ground truth, JSON files)."""
        has_scores = bool(annotations) and all("score" in a for a in annotations)
        has_ids = bool(annotations) and all("id" in a for a in annotations)
        return ImageBoxes(
            image=image,
            boxes=as_boxes([a["bbox"] for a in annotations]),
            labels=[a["label"] for a in annotations],
            scores=np.array([a["score"] for a in annotations]) if has_scores else None,
            ids=[str(a["id"]) for a in annotations] if has_ids else None,
            annotators=[a.get("annotator") for a in annotations],
            width=width,
            height=height,
        )

"""COCO evaluation parameters: IoU thresholds, recall grid, area ranges and detection caps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# The exact grids pycocotools builds (np.linspace with the same arguments), so that
# every comparison against them is bit-identical to the reference.
COCO_IOU_THRESHOLDS: tuple[float, ...] = tuple(
    float(x) for x in np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
)
COCO_RECALL_THRESHOLDS: tuple[float, ...] = tuple(
    float(x) for x in np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
)
COCO_AREA_RANGES: tuple[tuple[float, float], ...] = (
    (0.0, 1e5**2),
    (0.0, 32.0**2),
    (32.0**2, 96.0**2),
    (96.0**2, 1e5**2),
)
COCO_AREA_LABELS: tuple[str, ...] = ("all", "small", "medium", "large")
COCO_MAX_DETS: tuple[int, ...] = (1, 10, 100)


@dataclass(frozen=True)
class CocoParams:
    """What one match evaluates: the COCO defaults unless a team states otherwise.

    The first area range must be the unrestricted one ("all") and ``max_dets`` must be
    ascending; the match itself runs at the largest cap, smaller caps truncate it.
    """

    iou_type: str = "bbox"
    iou_thresholds: tuple[float, ...] = COCO_IOU_THRESHOLDS
    recall_thresholds: tuple[float, ...] = COCO_RECALL_THRESHOLDS
    area_ranges: tuple[tuple[float, float], ...] = COCO_AREA_RANGES
    area_labels: tuple[str, ...] = COCO_AREA_LABELS
    max_dets: tuple[int, ...] = COCO_MAX_DETS

    def __post_init__(self) -> None:
        if self.iou_type not in ("bbox", "segm"):
            raise ValueError(f"iou_type must be 'bbox' or 'segm', got {self.iou_type!r}")
        if len(self.area_ranges) != len(self.area_labels):
            raise ValueError("area_ranges and area_labels must have the same length")
        if list(self.max_dets) != sorted(self.max_dets) or not self.max_dets:
            raise ValueError("max_dets must be a non-empty ascending sequence")

    @property
    def iou_array(self) -> FloatArray:
        return np.asarray(self.iou_thresholds, dtype=np.float64)

    @property
    def recall_array(self) -> FloatArray:
        return np.asarray(self.recall_thresholds, dtype=np.float64)

    @property
    def area_array(self) -> FloatArray:
        return np.asarray(self.area_ranges, dtype=np.float64).reshape(-1, 2)

    @property
    def max_det(self) -> int:
        return int(self.max_dets[-1])

    def iou_index(self, iou: float) -> int:
        """Index of the IoU threshold equal to ``iou`` (to 1e-9); ValueError when it is not one."""
        arr = self.iou_array
        hits = np.flatnonzero(np.abs(arr - iou) < 1e-9)
        if hits.size == 0:
            raise ValueError(f"IoU {iou} is not one of the match thresholds {[round(x, 2) for x in arr]}")
        return int(hits[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "iou_type": self.iou_type,
            "iou_thresholds": [round(x, 10) for x in self.iou_thresholds],
            "area_ranges": {lbl: list(rng) for lbl, rng in zip(self.area_labels, self.area_ranges, strict=True)},
            "max_dets": list(self.max_dets),
            "recall_points": len(self.recall_thresholds),
        }

"""The match table: one COCO match held as columns, per detection and per ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from truthline.metrics.params import CocoParams

if TYPE_CHECKING:
    from truthline.metrics.cocoio import CocoDetections, CocoGroundTruth

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class MatchTable:
    """Every detection and ground truth of one COCO match, as numpy columns.

    Axes: ``A`` area ranges (``params.area_labels``, first is "all"), ``T`` IoU thresholds,
    ``N`` detections, ``G`` ground truths. Detections are those COCO evaluates: on a listed
    image, of a listed class, among the ``max_dets[-1]`` highest scores of their image and
    class; rows are in the order COCO accumulates them: class, score descending, image, rank. Indices into
    ``image_ids``/``category_ids`` are called ``*_image``/``*_class``; ``dt_gt`` and
    ``gt_dt`` index the other side's rows (``-1``: unmatched).

    A detection with ``dt_ignored`` set counts neither as true nor as false positive
    (matched to a crowd or out-of-range ground truth, or unmatched and itself out of range).
    """

    params: CocoParams
    image_ids: IntArray
    category_ids: IntArray
    category_names: tuple[str, ...]
    # per detection
    dt_id: IntArray
    dt_image: IntArray
    dt_class: IntArray
    dt_score: FloatArray
    dt_area: FloatArray
    dt_rank: IntArray
    dt_gt: Int32Array  # (A, T, N)
    dt_ignored: BoolArray  # (A, T, N)
    dt_iou: FloatArray  # (T, N) IoU with the matched ground truth at area "all"; NaN unmatched
    dt_best_iou: FloatArray  # (N,) best IoU with any ground truth of its image and class
    # per ground truth
    gt_id: IntArray
    gt_image: IntArray
    gt_class: IntArray
    gt_area: FloatArray
    gt_crowd: BoolArray
    gt_ignored: BoolArray  # (A, G)
    gt_dt: Int32Array  # (A, T, G)
    dropped_unknown_class: int = 0
    dropped_over_cap: int = 0
    notes: tuple[str, ...] = ()
    source_gt: CocoGroundTruth | None = field(default=None, repr=False)
    source_dt: CocoDetections | None = field(default=None, repr=False)

    @property
    def num_images(self) -> int:
        return int(self.image_ids.size)

    @property
    def num_classes(self) -> int:
        return int(self.category_ids.size)

    @property
    def num_detections(self) -> int:
        return int(self.dt_score.size)

    @property
    def num_ground_truths(self) -> int:
        return int(self.gt_id.size)

    def iou_index(self, iou: float) -> int:
        return self.params.iou_index(iou)

    def class_index(self, category: int | str) -> int:
        """Index of a class given by id or name."""
        if isinstance(category, str):
            if category in self.category_names:
                return self.category_names.index(category)
            if category.lstrip("-").isdigit():
                category = int(category)
            else:
                raise KeyError(f"unknown class {category!r}")
        hits = np.flatnonzero(self.category_ids == category)
        if hits.size == 0:
            raise KeyError(f"unknown class id {category}")
        return int(hits[0])

    def dt_true_positive(self, iou: float = 0.5, area: int = 0) -> BoolArray:
        """Detections matched to a ground truth that counts, at one IoU threshold."""
        t = self.iou_index(iou)
        return (self.dt_gt[area, t] >= 0) & ~self.dt_ignored[area, t]

    def dt_false_positive(self, iou: float = 0.5, area: int = 0) -> BoolArray:
        t = self.iou_index(iou)
        return (self.dt_gt[area, t] < 0) & ~self.dt_ignored[area, t]

    def gt_matched(self, iou: float = 0.5, area: int = 0) -> BoolArray:
        return self.gt_dt[area, self.iou_index(iou)] >= 0

    def image_mask(self, image_ids: Any) -> BoolArray:
        """Boolean mask over ``image_ids`` for the given ids (unknown ids are ignored)."""
        ids = np.asarray(list(image_ids), dtype=np.int64)
        return np.isin(self.image_ids, ids)

    def detections_dict(self, iou: float = 0.5) -> dict[str, Any]:
        """Per-detection columns at one IoU threshold (area "all"), as plain lists."""
        t = self.iou_index(iou)
        m = self.dt_gt[0, t]
        return {
            "dt_id": self.dt_id.tolist(),
            "image_id": self.image_ids[self.dt_image].tolist(),
            "category_id": self.category_ids[self.dt_class].tolist(),
            "score": self.dt_score.tolist(),
            "gt_id": np.where(m >= 0, self.gt_id[np.maximum(m, 0)], -1).tolist(),
            "iou": np.nan_to_num(self.dt_iou[t], nan=0.0).tolist(),
            "ignored": self.dt_ignored[0, t].tolist(),
        }

    def to_dict(self) -> dict[str, Any]:
        """A summary of the table (sizes and parameters); the columns stay in numpy."""
        return {
            "params": self.params.to_dict(),
            "images": self.num_images,
            "classes": self.num_classes,
            "detections": self.num_detections,
            "ground_truths": self.num_ground_truths,
            "dropped_unknown_class": self.dropped_unknown_class,
            "dropped_over_cap": self.dropped_over_cap,
            "notes": list(self.notes),
        }

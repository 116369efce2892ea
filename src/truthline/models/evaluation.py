"""Validation figures for the trainers: COCO mAP of a detector and accuracy of a classifier, via truthline.metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.models.results import Detections


def coco_ground_truth(
    sizes: Sequence[tuple[int, int]],
    boxes: Sequence[npt.NDArray[np.float32]],
    class_ids: Sequence[npt.NDArray[np.int64]],
    class_names: Sequence[str],
) -> dict[str, Any]:
    """A COCO annotation dict: image ``i`` has id ``i + 1``, class ``k`` has category id ``k + 1``."""
    images = [{"id": i + 1, "width": int(w), "height": int(h)} for i, (w, h) in enumerate(sizes)]
    anns: list[dict[str, Any]] = []
    for i, (b, c) in enumerate(zip(boxes, class_ids, strict=True)):
        for box, k in zip(np.asarray(b, dtype=np.float64).reshape(-1, 4), np.asarray(c).reshape(-1), strict=True):
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i + 1,
                    "category_id": int(k) + 1,
                    "bbox": [float(v) for v in box],
                    "area": float(box[2] * box[3]),
                    "iscrowd": 0,
                }
            )
    cats = [{"id": k + 1, "name": n} for k, n in enumerate(class_names)]
    return {"images": images, "annotations": anns, "categories": cats}


def detection_map(gt: dict[str, Any], detections: Sequence[Detections]) -> dict[str, float]:
    """``map`` (COCO AP@[.5:.95]) and ``map50`` of per-image detections against ``gt`` (from coco_ground_truth)."""
    from truthline.metrics import match_coco, summarize

    results = [r for i, d in enumerate(detections) for r in d.to_coco(i + 1)]
    if not results:
        return {"map": 0.0, "map50": 0.0}
    stats = summarize(match_coco(gt, results)).stats
    return {"map": max(float(stats[0]), 0.0), "map50": max(float(stats[1]), 0.0)}


def accuracy(y_true: npt.NDArray[np.int64], scores: npt.NDArray[np.float32]) -> float:
    return float(np.mean(np.argmax(scores, axis=1) == y_true)) if len(y_true) else 0.0

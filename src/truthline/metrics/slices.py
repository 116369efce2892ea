"""Figures per value of an image metadata key (camera, lighting, time window), from the one match."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.metrics.coco import _accumulate_one
from truthline.metrics.matchtable import MatchTable
from truthline.metrics.operating import _f, operating_point

FloatArray = npt.NDArray[np.float64]
MISSING = "(missing)"


def _mean_valid(x: FloatArray) -> float:
    v = x[x > -1]
    return float(np.mean(v)) if v.size else -1.0


@dataclass(frozen=True)
class SliceRow:
    """One value of the key: COCO AP (area "all", largest cap) and operating-point figures there."""

    value: str
    num_images: int
    num_gt: int
    ap: float
    ap50: float
    ap75: float
    precision: float | None
    recall: float | None
    fpr: float | None
    fppi: float | None
    class_ap: dict[str, float]
    class_precision: dict[str, float | None]
    class_recall: dict[str, float | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "num_images": self.num_images,
            "num_gt": self.num_gt,
            "AP": self.ap,
            "AP50": self.ap50,
            "AP75": self.ap75,
            "precision": self.precision,
            "recall": self.recall,
            "fpr": self.fpr,
            "fppi": self.fppi,
            "class_AP": self.class_ap,
            "class_precision": self.class_precision,
            "class_recall": self.class_recall,
        }


@dataclass(frozen=True)
class SliceReport:
    key: str
    threshold: float
    iou: float
    rows: tuple[SliceRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "threshold": self.threshold, "iou": self.iou, "rows": [r.to_dict() for r in self.rows]}


def slice_values(
    match: MatchTable, image_meta: Mapping[Any, Mapping[str, Any]], key: str
) -> dict[str, npt.NDArray[np.bool_]]:
    """Image masks per value of ``key``; images without the key go to ``(missing)``."""
    labels = []
    for img in match.image_ids.tolist():
        meta = image_meta.get(img, image_meta.get(str(img), {}))
        v = meta.get(key) if isinstance(meta, Mapping) else None
        labels.append(MISSING if v is None or v == "" else str(v))
    arr = np.asarray(labels, dtype=object)
    return {v: arr == v for v in sorted(set(labels))}


def slice_metrics(
    match: MatchTable,
    image_meta: Mapping[Any, Mapping[str, Any]],
    key: str,
    threshold: float = 0.5,
    iou: float = 0.5,
) -> SliceReport:
    """AP, precision, recall, image-level false-positive rate and FPPI per value of ``key``, and per class.

    No re-matching: each slice re-accumulates the rows of its images (COCO counts a
    ground truth and its detections on the image they belong to, so a subset of images is
    exactly the match that subset would get on its own).
    """
    p = match.params
    m_hi = len(p.max_dets) - 1
    iou_arr = p.iou_array
    i50, i75 = np.where(iou_arr == 0.5)[0], np.where(iou_arr == 0.75)[0]
    rows = []
    for value, mask in slice_values(match, image_meta, key).items():
        pr, _, _ = _accumulate_one(match, 0, m_hi, mask, True)
        assert pr is not None
        op = operating_point(match, threshold, iou, mask)
        tot = op.totals()
        neg = op.images_negative.sum()
        rows.append(
            SliceRow(
                value=value,
                num_images=op.num_images,
                num_gt=int(op.tp.sum() + op.fn.sum()),
                ap=_mean_valid(pr),
                ap50=_mean_valid(pr[i50]),
                ap75=_mean_valid(pr[i75]),
                precision=tot["precision"],
                recall=tot["recall"],
                fpr=_f(op.images_alert_negative.sum() / neg) if neg else None,
                fppi=tot["fppi"],
                class_ap={n: _mean_valid(pr[:, :, k]) for k, n in enumerate(match.category_names)},
                class_precision={n: _f(v) for n, v in zip(match.category_names, op.precision, strict=True)},
                class_recall={n: _f(v) for n, v in zip(match.category_names, op.recall, strict=True)},
            )
        )
    return SliceReport(key=key, threshold=float(threshold), iou=float(iou), rows=tuple(rows))

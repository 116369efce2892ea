"""The evaluation report of one match: every figure as a JSON-ready dict, and the printed tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from truthline.metrics.calibration import detection_calibration
from truthline.metrics.coco import per_class_ap, summarize
from truthline.metrics.matchtable import MatchTable
from truthline.metrics.operating import OperatingPoint, operating_point, sweep
from truthline.metrics.slices import SliceReport, slice_metrics

ID0_NOTE = (
    "note: {n} ground truth(s) with annotation id 0 were matched; pycocotools would report other numbers: "
    "it records a match by annotation id and reads id 0 as 'unmatched', so it counts the detection as a "
    "false positive and the ground truth as missed. truthline counts the match (as hotcoco does)."
)


def pycocotools_notes(match: MatchTable) -> list[str]:
    """Where pycocotools would print different numbers for this match, and why."""
    zero = match.gt_id == 0
    if not zero.any():
        return []
    matched = (match.gt_dt[:, :, zero] >= 0).any(axis=(0, 1))
    n = int(matched.sum())
    return [ID0_NOTE.format(n=n)] if n else []


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def operating_table(op: OperatingPoint) -> list[str]:
    """Per-class operating-point rows, then the total."""
    head = f"{'class':<20} {'TP':>7} {'FP':>7} {'FN':>7} {'precision':>9} {'recall':>7} {'miss':>6} {'FP/img':>7}"
    lines = [f"Operating point: score >= {op.threshold:g}, IoU {op.iou:g}, {op.num_images} images", head]
    d = op.to_dict()
    for name, row in d["per_class"].items():
        if row["tp"] + row["fp"] + row["fn"] == 0:
            continue
        lines.append(
            f"{name[:20]:<20} {row['tp']:>7} {row['fp']:>7} {row['fn']:>7} {_fmt(row['precision']):>9} "
            f"{_fmt(row['recall']):>7} {_fmt(row['miss_rate']):>6} {_fmt(row['fppi']):>7}"
        )
    t = d["total"]
    lines.append(
        f"{'all':<20} {t['tp']:>7} {t['fp']:>7} {t['fn']:>7} {_fmt(t['precision']):>9} "
        f"{_fmt(t['recall']):>7} {_fmt(t['miss_rate']):>6} {_fmt(t['fppi']):>7}"
    )
    return lines


def slice_table(rep: SliceReport) -> list[str]:
    lines = [
        f"Slices by {rep.key} (score >= {rep.threshold:g}, IoU {rep.iou:g})",
        f"{'value':<20} {'images':>6} {'AP':>6} {'AP50':>6} {'precision':>9} {'recall':>7} {'FPR':>6} {'FP/img':>7}",
    ]
    for r in rep.rows:
        lines.append(
            f"{r.value[:20]:<20} {r.num_images:>6} {_fmt(r.ap):>6} {_fmt(r.ap50):>6} {_fmt(r.precision):>9} "
            f"{_fmt(r.recall):>7} {_fmt(r.fpr):>6} {_fmt(r.fppi):>7}"
        )
    return lines


def coco_report(
    match: MatchTable,
    threshold: float = 0.5,
    iou: float = 0.5,
    image_meta: Mapping[Any, Mapping[str, Any]] | None = None,
    slice_by: str | None = None,
    errors: bool = True,
) -> dict[str, Any]:
    """Every figure of the match: summary, per class, operating point, sweep, slices, calibration, errors."""
    summary = summarize(match)
    op = operating_point(match, threshold, iou)
    out: dict[str, Any] = {
        "match": match.to_dict(),
        "summary": summary.to_dict(),
        "per_class_ap": per_class_ap(match).to_dict(),
        "operating_point": op.to_dict(),
        "sweep": sweep(match, iou).to_dict(),
        "calibration": detection_calibration(match, iou).to_dict(),
        "pycocotools_notes": pycocotools_notes(match),
    }
    if image_meta is not None and slice_by is not None:
        out["slices"] = slice_metrics(match, image_meta, slice_by, threshold, iou).to_dict()
    if errors:
        from truthline.metrics.error_analysis import tide_breakdown

        out["errors"] = tide_breakdown(match, pos_thr=iou).to_dict()
    return out

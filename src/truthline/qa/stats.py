"""Class balance and box statistics per split and per slice, and box anomalies (zero-area, out-of-image,
duplicated, implausibly small)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from truthline.domain.records import ImageRecord
from truthline.qa.boxes import as_boxes, iou_matrix
from truthline.qa.issues import CheckResult, Issue, ranked


def box_figures(boxes: np.ndarray) -> dict[str, Any]:
    """Count and median/5th/95th percentile of width, height, sqrt(area) and aspect (w/h) of ``(N, 4)`` boxes."""
    if not len(boxes):
        return {"n": 0}
    w, h = boxes[:, 2], boxes[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = np.where(h > 0, w / np.where(h > 0, h, 1), np.nan)
    out: dict[str, Any] = {"n": len(boxes)}
    for name, v in (("width", w), ("height", h), ("size", np.sqrt(w * h)), ("aspect", aspect)):
        v = v[np.isfinite(v)]
        out[name] = (
            {q: float(np.percentile(v, p)) for q, p in (("p5", 5), ("median", 50), ("p95", 95))} if len(v) else None
        )
    return out


def _boxes_by_class(records: Sequence[ImageRecord]) -> dict[str, np.ndarray]:
    acc: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
    for r in records:
        for lab in r.labels:
            if lab.bbox is not None and lab.kind.value != "label":
                acc[str(lab.label)].append(lab.bbox)
    return {c: as_boxes(v) for c, v in sorted(acc.items())}


def _group_figures(records: Sequence[ImageRecord]) -> dict[str, Any]:
    counts = Counter(str(lab.label) for r in records for lab in r.labels)
    total = sum(counts.values())
    return {
        "n_images": len(records),
        "n_labels": total,
        "class_counts": dict(sorted(counts.items())),
        "class_share": {c: n / total for c, n in sorted(counts.items())} if total else {},
        "boxes": {c: box_figures(b) for c, b in _boxes_by_class(records).items()},
    }


def slice_keys(records: Sequence[ImageRecord], *, max_values: int = 20) -> list[str]:
    """Metadata keys usable as slices: at most ``max_values`` distinct values and not all distinct."""
    values: dict[str, set[str]] = defaultdict(set)
    for r in records:
        for k, v in r.metadata.items():
            if isinstance(v, str | int | bool):
                values[k].add(str(v))
    return sorted(k for k, v in values.items() if 1 <= len(v) <= max_values and len(v) < len(records))


def dataset_statistics(records: Sequence[ImageRecord], *, slices: Sequence[str] | None = None) -> CheckResult:
    """Class balance and box statistics overall, per split and per slice (check ``statistics``; no issues).

    Summary: ``overall``, ``per_split`` (split name -> figures) and ``per_slice`` (key -> value -> figures);
    figures are ``n_images``, ``n_labels``, ``class_counts``, ``class_share`` and ``boxes`` (class ->
    ``box_figures``). ``slices`` defaults to ``slice_keys(records)``.
    """
    keys = list(slices) if slices is not None else slice_keys(records)
    by_split: dict[str, list[ImageRecord]] = defaultdict(list)
    for r in records:
        by_split[str(r.split)].append(r)
    per_slice: dict[str, dict[str, Any]] = {}
    for k in keys:
        groups: dict[str, list[ImageRecord]] = defaultdict(list)
        for r in records:
            if k in r.metadata:
                groups[str(r.metadata[k])].append(r)
        per_slice[k] = {v: _group_figures(g) for v, g in sorted(groups.items())}
    return CheckResult(
        "statistics",
        summary={
            "overall": _group_figures(records),
            "per_split": {s: _group_figures(g) for s, g in sorted(by_split.items())},
            "per_slice": per_slice,
        },
        params={"slices": keys},
    )


@dataclass(frozen=True, slots=True)
class AnomalyConfig:
    """Thresholds of the box anomaly checks.

    ``min_side``: a box whose shorter side is below this many pixels is implausibly small (``tiny_box``);
    ``min_area_fraction``: or whose area is below this fraction of the image's. ``out_of_image_tolerance``:
    pixels a box may extend past the border before it is ``out_of_image``. ``duplicate_iou``: two boxes of
    the same class in one image overlapping at IoU >= this are a ``duplicate_box``.
    """

    min_side: float = 2.0
    min_area_fraction: float = 0.0
    out_of_image_tolerance: float = 0.5
    duplicate_iou: float = 0.9


def box_anomalies(records: Sequence[ImageRecord], config: AnomalyConfig | None = None) -> CheckResult:
    """Zero-area, out-of-image, duplicated and implausibly small boxes (check ``anomalies``).

    ``index`` in each issue is the label's position in ``record.labels``. Scores: 1.0 for zero-area and
    duplicates (by IoU), the fraction of the box outside the image, and 1 - side / min_side for tiny boxes.
    """
    cfg = config or AnomalyConfig()
    issues: list[Issue] = []
    for r in records:
        idx = [i for i, lab in enumerate(r.labels) if lab.bbox is not None and lab.kind.value != "label"]
        boxes = as_boxes([r.labels[i].bbox for i in idx])
        for k, i in enumerate(idx):
            x, y, w, h = boxes[k]
            lab = r.labels[i]
            base: dict[str, Any] = {"image": r.name, "index": i, "bbox": boxes[k].tolist(), "label": lab.label}
            size = {"width": r.width, "height": r.height} if r.width and r.height else {}
            if w <= 0 or h <= 0:
                issues.append(Issue("zero_area", 1.0, detail=size, **base))
                continue
            if r.width and r.height:
                t = cfg.out_of_image_tolerance
                if x < -t or y < -t or x + w > r.width + t or y + h > r.height + t:
                    iw = max(0.0, min(x + w, r.width) - max(x, 0.0))
                    ih = max(0.0, min(y + h, r.height) - max(y, 0.0))
                    outside = 1.0 - iw * ih / (w * h)
                    issues.append(Issue("out_of_image", float(outside), detail=size, **base))
                if w * h < cfg.min_area_fraction * r.width * r.height:
                    issues.append(
                        Issue(
                            "tiny_box",
                            float(1.0 - w * h / (cfg.min_area_fraction * r.width * r.height)),
                            detail=size,
                            **base,
                        )
                    )
                    continue
            if min(w, h) < cfg.min_side:
                issues.append(Issue("tiny_box", float(1.0 - min(w, h) / cfg.min_side), detail=size, **base))
        if len(idx) > 1:
            iou = np.triu(iou_matrix(boxes, boxes), k=1)
            for a, b in zip(*np.nonzero(iou >= cfg.duplicate_iou), strict=True):
                ia, ib = idx[int(a)], idx[int(b)]
                if r.labels[ia].label == r.labels[ib].label:
                    detail = {"duplicate_of": ia, "iou": float(iou[a, b])}
                    issues.append(
                        Issue(
                            "duplicate_box",
                            float(iou[a, b]),
                            r.name,
                            ib,
                            bbox=boxes[int(b)].tolist(),
                            label=r.labels[ib].label,
                            detail=detail,
                        )
                    )
    out = ranked(issues)
    kinds = ("zero_area", "out_of_image", "duplicate_box", "tiny_box")
    return CheckResult(
        "anomalies",
        summary={"n_images": len(records), "counts": {k: sum(1 for i in out if i.kind == k) for k in kinds}},
        issues=out,
        params=asdict(cfg),
    )

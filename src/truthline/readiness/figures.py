"""Figures of one model for readiness, all read from truthline.metrics match tables.

Image level, positive group (the policy's ``positive`` classes): an image is *positive* when
it holds a counted ground truth of a group class, and *alerts* when a counted detection of a
group class scores at least the threshold (``tm.production_figures`` with a class set).
An image's *confidence* is the highest score of any detection of a group class on it
(0 when there is none), counted or not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

from truthline import metrics as tm
from truthline.domain.errors import UserInputError
from truthline.metrics.slices import slice_values

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _f(x: Any) -> float | None:
    if x is None:
        return None
    v = float(x)
    return None if np.isnan(v) else v


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def class_indices(match: tm.MatchTable, classes: Sequence[str] | None) -> IntArray:
    """Indices of the group's classes in the match (every class when None)."""
    if classes is None:
        return np.arange(match.num_classes, dtype=np.int64)
    unknown = [c for c in classes if c not in match.category_names]
    if unknown:
        raise UserInputError(
            f"positive classes {unknown} are not in the ground truth",
            where="policy: positive.classes",
            fix=f"use classes of {list(match.category_names)}",
        )
    return np.asarray([match.category_names.index(c) for c in classes], dtype=np.int64)


@dataclass(frozen=True)
class ImageTable:
    """Per evaluation image: positive for the group, best counted group score (alerting), confidence."""

    image_ids: IntArray
    positive: BoolArray
    best_counted: FloatArray  # -inf when no counted group detection
    confidence: FloatArray  # 0 when no group detection


def image_table(match: tm.MatchTable, cls: IntArray, iou: float) -> ImageTable:
    tp = match.dt_true_positive(iou)
    fp = match.dt_false_positive(iou)
    g_ok = ~match.gt_ignored[0]
    in_group_dt = np.isin(match.dt_class, cls)
    in_group_gt = np.isin(match.gt_class, cls) & g_ok
    positive = np.zeros(match.num_images, dtype=bool)
    positive[match.gt_image[in_group_gt]] = True
    best = np.full(match.num_images, -np.inf)
    sel = in_group_dt & (tp | fp)
    np.maximum.at(best, match.dt_image[sel], match.dt_score[sel])
    conf = np.zeros(match.num_images)
    np.maximum.at(conf, match.dt_image[in_group_dt], match.dt_score[in_group_dt])
    return ImageTable(match.image_ids, positive, best, conf)


@dataclass(frozen=True)
class GroupFigures:
    """Image-level confusion of the positive group at one threshold, and its production re-weighting."""

    threshold: float
    images: int
    tp: int
    fp: int
    fn: int
    tn: int
    production: tm.BaseRateFigures | None  # None without both positive and negative images

    @property
    def recall(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def fpr(self) -> float | None:
        return _ratio(self.fp, self.fp + self.tn)

    @property
    def test_precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "images": self.images,
            "positives": self.tp + self.fn,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "recall": self.recall,
            "fpr": self.fpr,
            "test_precision": self.test_precision,
            "production": None if self.production is None else self.production.to_dict(),
        }


def group_at(
    table: ImageTable,
    threshold: float,
    prevalence: float,
    volume_per_day: float | None = None,
    mask: BoolArray | None = None,
) -> GroupFigures:
    """Image-level TP/FP/FN/TN at ``threshold`` over ``mask``, re-weighted with ``tm.reweight_to_prevalence``."""
    m = np.ones(table.image_ids.size, dtype=bool) if mask is None else mask
    alert = table.best_counted >= threshold
    pos = table.positive
    tp, fp = int((m & pos & alert).sum()), int((m & ~pos & alert).sum())
    fn, tn = int((m & pos & ~alert).sum()), int((m & ~pos & ~alert).sum())
    prod = None
    if tp + fn > 0 and fp + tn > 0:
        prod = tm.reweight_to_prevalence(tp, fp, fn, tn, prevalence, volume_per_day=volume_per_day)
    return GroupFigures(float(threshold), int(m.sum()), tp, fp, fn, tn, prod)


def group_sweep(match: tm.MatchTable, cls: IntArray, iou: float) -> tm.Sweep:
    """``tm.sweep`` for the group: pooled over all classes or for one class by the engine; else over the set."""
    if cls.size == match.num_classes:
        return tm.sweep(match, iou, None)
    if cls.size == 1:
        return tm.sweep(match, iou, int(match.category_ids[cls[0]]))
    table = image_table(match, cls, iou)
    tp_d, fp_d = match.dt_true_positive(iou), match.dt_false_positive(iou)
    sel = np.isin(match.dt_class, cls) & (tp_d | fp_d)
    order = np.argsort(-match.dt_score[sel], kind="stable")
    s = match.dt_score[sel][order]
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), s.size - 1] if s.size else np.zeros(0, dtype=np.int64)
    thr = s[last]
    pos_best = np.sort(table.best_counted[table.positive])
    neg_best = np.sort(table.best_counted[~table.positive])
    num_gt = int((np.isin(match.gt_class, cls) & ~match.gt_ignored[0]).sum())
    return tm.Sweep(
        category=None,
        iou=float(iou),
        num_images=match.num_images,
        num_gt=num_gt,
        thresholds=thr,
        tp=np.cumsum(tp_d[sel][order])[last].astype(np.int64),
        fp=np.cumsum(fp_d[sel][order])[last].astype(np.int64),
        images_positive=int(table.positive.sum()),
        images_alert_positive=(pos_best.size - np.searchsorted(pos_best, thr, "left")).astype(np.int64),
        images_alert_negative=(neg_best.size - np.searchsorted(neg_best, thr, "left")).astype(np.int64),
    )


def coco_ap(match: tm.MatchTable, mask: BoolArray | None = None) -> dict[str, float]:
    """AP and AP50 over ``mask`` via ``tm.summarize``; 0 with ground truth but no detection there, −1 with neither."""
    dets = match.dt_image if mask is None else match.dt_image[mask[match.dt_image]]
    if dets.size == 0:
        gts = ~match.gt_ignored[0] if mask is None else ~match.gt_ignored[0] & mask[match.gt_image]
        v = 0.0 if gts.any() else -1.0
        return {"AP": v, "AP50": v, "AP75": v}
    s = tm.summarize(match, mask).as_mapping()
    return {"AP": s["AP"], "AP50": s["AP50"], "AP75": s["AP75"]}


def auroc(clean: FloatArray, corrupted: FloatArray) -> float | None:
    """P(clean confidence > corrupted confidence), ties half (Mann–Whitney U / n₁n₂); None if a side is empty."""
    n1, n2 = clean.size, corrupted.size
    if n1 == 0 or n2 == 0:
        return None
    r = rankdata(np.r_[clean, corrupted])
    return float((r[:n1].sum() - n1 * (n1 + 1) / 2) / (n1 * n2))


@dataclass(frozen=True)
class SliceValue:
    """One value of a slice key: group image figures, COCO AP50, object figures and per-class rates."""

    key: str
    value: str
    group: GroupFigures
    ap50: float
    detections: int
    precision: float | None
    recall: float | None
    per_class: dict[str, Any]

    def metric(self, name: str) -> tuple[float | None, int]:
        """The figure a slice-gap gate reads, and the units behind it (positives, detections, images)."""
        if name == "recall":
            return self.group.recall, self.group.tp + self.group.fn
        if name == "precision":
            return self.precision, self.detections
        return (self.ap50 if self.ap50 >= 0 else None), self.group.images

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "images": self.group.images,
            "positives": self.group.tp + self.group.fn,
            "recall": self.group.recall,
            "fpr": self.group.fpr,
            "precision": self.precision,
            "object_recall": self.recall,
            "ap50": self.ap50,
            "per_class": self.per_class,
        }


def slice_figures(
    match: tm.MatchTable,
    table: ImageTable,
    meta: Mapping[int, Mapping[str, Any]],
    key: str,
    threshold: float,
    iou: float,
    prevalence: float,
) -> list[SliceValue]:
    """Figures per value of metadata ``key`` (values as ``tm.slice_metrics`` names them)."""
    rows = []
    for value, mask in slice_values(match, meta, key).items():
        op = tm.operating_point(match, threshold, iou, mask)
        tot = op.totals()
        rows.append(
            SliceValue(
                key=key,
                value=value,
                group=group_at(table, threshold, prevalence, mask=mask),
                ap50=coco_ap(match, mask)["AP50"],
                detections=int(tot["tp"] or 0) + int(tot["fp"] or 0),
                precision=_f(tot["precision"]),
                recall=_f(tot["recall"]),
                per_class={
                    name: {k: row[k] for k in ("tp", "fp", "fn", "recall", "miss_rate", "image_fpr", "fppi")}
                    for name, row in op.to_dict()["per_class"].items()
                },
            )
        )
    return rows


@dataclass(frozen=True)
class ProbeFigures:
    """One probe at one severity against the same images clean: drops in points, confidence AUROC."""

    condition: str
    severity: float
    images: int
    positives: int
    ap50_clean: float
    ap50: float
    recall_clean: float | None
    recall: float | None
    fpr_clean: float | None
    fpr: float | None
    auroc: float | None  # clean vs corrupted confidence on positive images
    auroc_all: float | None  # the same on every probed image
    confidence_clean: float | None  # mean confidence on positive images
    confidence: float | None

    @property
    def drop_ap50(self) -> float:
        return 100.0 * (max(self.ap50_clean, 0.0) - max(self.ap50, 0.0))

    @property
    def drop_recall(self) -> float | None:
        if self.recall_clean is None or self.recall is None:
            return None
        return 100.0 * (self.recall_clean - self.recall)

    @property
    def hurt(self) -> float:
        """The larger of the recall and AP50 drops, in points (0 when neither dropped)."""
        return max(self.drop_recall or 0.0, self.drop_ap50, 0.0)

    def drop(self, metric: str) -> float | None:
        return self.drop_recall if metric == "recall" else self.drop_ap50

    def to_dict(self) -> dict[str, Any]:
        return {
            "condition": self.condition,
            "severity": self.severity,
            "images": self.images,
            "positives": self.positives,
            "ap50_clean": self.ap50_clean,
            "ap50": self.ap50,
            "drop_ap50_points": self.drop_ap50,
            "recall_clean": self.recall_clean,
            "recall": self.recall,
            "drop_recall_points": self.drop_recall,
            "fpr_clean": self.fpr_clean,
            "fpr": self.fpr,
            "confidence_auroc": self.auroc,
            "confidence_auroc_all_images": self.auroc_all,
            "mean_confidence_clean": self.confidence_clean,
            "mean_confidence": self.confidence,
        }


def _mean(x: FloatArray) -> float | None:
    return float(x.mean()) if x.size else None


def probe_figures(
    match: tm.MatchTable,
    table: ImageTable,
    probe_match: tm.MatchTable,
    cls_names: Sequence[str] | None,
    condition: str,
    severity: float,
    threshold: float,
    iou: float,
    prevalence: float,
) -> ProbeFigures:
    """Compare a probe's match with the clean match restricted to the probed images."""
    mask = match.image_mask(probe_match.image_ids.tolist())
    clean = group_at(table, threshold, prevalence, mask=mask)
    p_table = image_table(probe_match, class_indices(probe_match, cls_names), iou)
    # positives are the clean images' (a displaced box may leave the frame; the part was still defective)
    pos_ids = set(table.image_ids[mask & table.positive].tolist())
    p_pos = np.isin(p_table.image_ids, list(pos_ids))
    p_table = ImageTable(p_table.image_ids, p_pos, p_table.best_counted, p_table.confidence)
    corrupted = group_at(p_table, threshold, prevalence)
    c_conf, p_conf = table.confidence[mask & table.positive], p_table.confidence[p_pos]
    return ProbeFigures(
        condition=condition,
        severity=float(severity),
        images=int(mask.sum()),
        positives=len(pos_ids),
        ap50_clean=coco_ap(match, mask)["AP50"],
        ap50=coco_ap(probe_match)["AP50"],
        recall_clean=clean.recall,
        recall=corrupted.recall,
        fpr_clean=clean.fpr,
        fpr=corrupted.fpr,
        auroc=auroc(c_conf, p_conf),
        auroc_all=auroc(table.confidence[mask], p_table.confidence),
        confidence_clean=_mean(c_conf),
        confidence=_mean(p_conf),
    )


def downsample(x: FloatArray, n: int = 200) -> list[float]:
    """At most ``n`` evenly spaced points of a curve (first and last kept), as floats."""
    if x.size <= n:
        return [float(v) for v in x]
    idx = np.unique(np.linspace(0, x.size - 1, n).round().astype(np.int64))
    return [float(v) for v in x[idx]]

"""Detector figures at a score threshold, whole threshold sweeps as arrays, and picking a threshold for a target.

Everything reads the match table at area "all" and the largest detection cap. Because COCO
matches in score order, a detection's status among those scoring at least ``s`` equals its
status in the full match, so every threshold is a prefix of one sorted table.

Object level: TP, FP, FN (missed ground truths), precision, recall, miss rate, false
positives per image (FPPI). Image level, per class: an image is positive when it holds a
ground truth of the class that counts, and alerts when it holds a counted detection of the
class scoring at least ``s``; the false-positive rate (FPR) is alerts on negative images
over negative images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.metrics.matchtable import MatchTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _ratio(num: Any, den: Any) -> Any:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return out


def _f(x: Any) -> float | None:
    v = float(x)
    return None if np.isnan(v) else v


@dataclass(frozen=True)
class OperatingPoint:
    """Per-class counts at one score threshold and IoU threshold."""

    threshold: float
    iou: float
    num_images: int
    category_ids: IntArray
    category_names: tuple[str, ...]
    tp: IntArray
    fp: IntArray
    fn: IntArray
    images_positive: IntArray
    images_negative: IntArray
    images_alert_positive: IntArray
    images_alert_negative: IntArray

    @property
    def precision(self) -> FloatArray:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> FloatArray:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def miss_rate(self) -> FloatArray:
        return _ratio(self.fn, self.tp + self.fn)

    @property
    def fppi(self) -> FloatArray:
        return _ratio(self.fp, np.full(self.fp.shape, self.num_images))

    @property
    def image_fpr(self) -> FloatArray:
        return _ratio(self.images_alert_negative, self.images_negative)

    @property
    def image_recall(self) -> FloatArray:
        return _ratio(self.images_alert_positive, self.images_positive)

    def totals(self) -> dict[str, float | int | None]:
        tp, fp, fn = int(self.tp.sum()), int(self.fp.sum()), int(self.fn.sum())
        return {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": _f(_ratio(tp, tp + fp)),
            "recall": _f(_ratio(tp, tp + fn)),
            "miss_rate": _f(_ratio(fn, tp + fn)),
            "fppi": _f(_ratio(fp, self.num_images)),
        }

    def to_dict(self) -> dict[str, Any]:
        per_class = {}
        cols = zip(
            self.category_names,
            self.category_ids,
            self.tp,
            self.fp,
            self.fn,
            self.precision,
            self.recall,
            self.miss_rate,
            self.fppi,
            self.image_fpr,
            self.image_recall,
            strict=True,
        )
        for name, cid, tp, fp, fn, pr, rc, mr, fppi, fpr, irc in cols:
            per_class[name] = {
                "id": int(cid),
                "tp": int(tp),
                "fp": int(fp),
                "fn": int(fn),
                "precision": _f(pr),
                "recall": _f(rc),
                "miss_rate": _f(mr),
                "fppi": _f(fppi),
                "image_fpr": _f(fpr),
                "image_recall": _f(irc),
            }
        return {
            "threshold": self.threshold,
            "iou": self.iou,
            "num_images": self.num_images,
            "total": self.totals(),
            "per_class": per_class,
        }


def _counted(match: MatchTable, iou: float) -> tuple[BoolArray, BoolArray, BoolArray]:
    t = match.iou_index(iou)
    ign = match.dt_ignored[0, t]
    tp = (match.dt_gt[0, t] >= 0) & ~ign
    return tp, ~ign & ~tp, ~match.gt_ignored[0]


def _image_sets(match: MatchTable, image_mask: BoolArray | None) -> BoolArray:
    return np.ones(match.num_images, dtype=bool) if image_mask is None else image_mask


def operating_point(
    match: MatchTable, threshold: float, iou: float = 0.5, image_mask: BoolArray | None = None
) -> OperatingPoint:
    """Per-class TP, FP, FN and image-level alerts for detections scoring at least ``threshold``."""
    K, n_img = match.num_classes, match.num_images
    imgs = _image_sets(match, image_mask)
    tp, fp, g_ok = _counted(match, iou)
    on = (match.dt_score >= threshold) & imgs[match.dt_image]
    g_in = g_ok & imgs[match.gt_image]
    tp_k = np.bincount(match.dt_class[on & tp], minlength=K)
    fp_k = np.bincount(match.dt_class[on & fp], minlength=K)
    n_gt = np.bincount(match.gt_class[g_in], minlength=K)
    pos = np.zeros((n_img, K), dtype=bool)
    pos[match.gt_image[g_in], match.gt_class[g_in]] = True
    alert = np.zeros((n_img, K), dtype=bool)
    sel = on & (tp | fp)
    alert[match.dt_image[sel], match.dt_class[sel]] = True
    pos_k = pos[imgs].sum(0)
    return OperatingPoint(
        threshold=float(threshold),
        iou=float(iou),
        num_images=int(imgs.sum()),
        category_ids=match.category_ids,
        category_names=match.category_names,
        tp=tp_k,
        fp=fp_k,
        fn=n_gt - tp_k,
        images_positive=pos_k,
        images_negative=int(imgs.sum()) - pos_k,
        images_alert_positive=(alert & pos)[imgs].sum(0),
        images_alert_negative=(alert & ~pos)[imgs].sum(0),
    )


@dataclass(frozen=True)
class Sweep:
    """Figures at every distinct score, highest first (row ``i``: detections scoring >= ``thresholds[i]``)."""

    category: str | None
    iou: float
    num_images: int
    num_gt: int
    thresholds: FloatArray
    tp: IntArray
    fp: IntArray
    images_positive: int
    images_alert_positive: IntArray
    images_alert_negative: IntArray

    @property
    def fn(self) -> IntArray:
        return self.num_gt - self.tp

    @property
    def precision(self) -> FloatArray:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> FloatArray:
        return _ratio(self.tp, np.full(self.tp.shape, self.num_gt))

    @property
    def fppi(self) -> FloatArray:
        return _ratio(self.fp, np.full(self.fp.shape, self.num_images))

    @property
    def image_fpr(self) -> FloatArray:
        return _ratio(self.images_alert_negative, np.full(self.tp.shape, self.num_images - self.images_positive))

    @property
    def image_recall(self) -> FloatArray:
        return _ratio(self.images_alert_positive, np.full(self.tp.shape, self.images_positive))

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "iou": self.iou,
            "num_images": self.num_images,
            "num_gt": self.num_gt,
            "thresholds": self.thresholds.tolist(),
            "tp": self.tp.tolist(),
            "fp": self.fp.tolist(),
            "fn": self.fn.tolist(),
            "precision": np.nan_to_num(self.precision, nan=1.0).tolist(),
            "recall": np.nan_to_num(self.recall, nan=0.0).tolist(),
            "fppi": np.nan_to_num(self.fppi).tolist(),
            "image_fpr": np.nan_to_num(self.image_fpr).tolist(),
        }


def sweep(
    match: MatchTable, iou: float = 0.5, category: int | str | None = None, image_mask: BoolArray | None = None
) -> Sweep:
    """Cumulative counts over all thresholds at once (one sort, cumulative sums; no loop per threshold).

    ``category`` None pools all classes: an image then alerts on a detection of any class
    and is positive when it holds any ground truth.
    """
    imgs = _image_sets(match, image_mask)
    tp, fp, g_ok = _counted(match, iou)
    dt_in = imgs[match.dt_image] & (tp | fp)
    g_in = g_ok & imgs[match.gt_image]
    name: str | None = None
    if category is not None:
        k = match.class_index(category)
        name = match.category_names[k]
        dt_in &= match.dt_class == k
        g_in &= match.gt_class == k
    score = match.dt_score[dt_in]
    order = np.argsort(-score, kind="stable")
    s = score[order]
    tpc = np.cumsum(tp[dt_in][order])
    fpc = np.cumsum(fp[dt_in][order])
    # the last row of each run of equal scores holds the counts at that threshold
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), s.size - 1] if s.size else np.zeros(0, dtype=np.int64)
    thr = s[last]
    # image level: an image alerts from its best counted detection's score down
    img_best = np.full(match.num_images, -np.inf)
    np.maximum.at(img_best, match.dt_image[dt_in], match.dt_score[dt_in])
    positive = np.zeros(match.num_images, dtype=bool)
    positive[match.gt_image[g_in]] = True
    pos_best = np.sort(img_best[imgs & positive])
    neg_best = np.sort(img_best[imgs & ~positive])
    alert_pos = pos_best.size - np.searchsorted(pos_best, thr, "left")
    alert_neg = neg_best.size - np.searchsorted(neg_best, thr, "left")
    return Sweep(
        category=name,
        iou=float(iou),
        num_images=int(imgs.sum()),
        num_gt=int(g_in.sum()),
        thresholds=thr,
        tp=tpc[last].astype(np.int64),
        fp=fpc[last].astype(np.int64),
        images_positive=int((imgs & positive).sum()),
        images_alert_positive=alert_pos.astype(np.int64),
        images_alert_negative=alert_neg.astype(np.int64),
    )


@dataclass(frozen=True)
class ThresholdChoice:
    """The threshold that meets a target, and the figures there; ``threshold`` None when none does."""

    threshold: float | None
    target: dict[str, float]
    precision: float | None
    recall: float | None
    fppi: float | None
    image_fpr: float | None
    image_recall: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "target": self.target,
            "precision": self.precision,
            "recall": self.recall,
            "fppi": self.fppi,
            "image_fpr": self.image_fpr,
            "image_recall": self.image_recall,
        }


def pick_threshold(
    sw: Sweep,
    *,
    min_recall: float | None = None,
    min_precision: float | None = None,
    max_fpr: float | None = None,
    max_fppi: float | None = None,
    min_image_recall: float | None = None,
) -> ThresholdChoice:
    """The threshold meeting every stated target.

    With a recall target (``min_recall``/``min_image_recall``) it is the highest such
    threshold (fewest false alarms for the recall asked); with only limits on false
    alarms or precision it is the lowest (most recall within the limit).
    ``max_fpr`` is the image-level false-positive rate; ``max_fppi`` false positives per image.
    """
    target = {
        k: float(v)
        for k, v in {
            "min_recall": min_recall,
            "min_precision": min_precision,
            "max_fpr": max_fpr,
            "max_fppi": max_fppi,
            "min_image_recall": min_image_recall,
        }.items()
        if v is not None
    }
    if not target:
        raise ValueError("state at least one target")
    ok = np.ones(sw.thresholds.size, dtype=bool)
    if min_recall is not None:
        ok &= np.nan_to_num(sw.recall, nan=0.0) >= min_recall
    if min_image_recall is not None:
        ok &= np.nan_to_num(sw.image_recall, nan=0.0) >= min_image_recall
    if min_precision is not None:
        ok &= np.nan_to_num(sw.precision, nan=0.0) >= min_precision
    if max_fpr is not None:
        ok &= np.nan_to_num(sw.image_fpr, nan=0.0) <= max_fpr
    if max_fppi is not None:
        ok &= np.nan_to_num(sw.fppi, nan=0.0) <= max_fppi
    hits = np.flatnonzero(ok)
    if hits.size == 0:
        return ThresholdChoice(None, target, None, None, None, None, None)
    wants_recall = min_recall is not None or min_image_recall is not None
    i = int(hits[0] if wants_recall else hits[-1])  # rows run from the highest threshold down
    return ThresholdChoice(
        threshold=float(sw.thresholds[i]),
        target=target,
        precision=_f(sw.precision[i]),
        recall=_f(sw.recall[i]),
        fppi=_f(sw.fppi[i]),
        image_fpr=_f(sw.image_fpr[i]),
        image_recall=_f(sw.image_recall[i]),
    )

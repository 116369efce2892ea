"""Classifier figures: accuracy, per-class precision/recall/F1, confusion, ROC and PR AUC, top-k.

Computed in numpy (scikit-learn costs over a second to import, and this has to slice and
re-weight cheaply); the tests hold every figure to scikit-learn's. Re-weighting to
production class priors gives each sample of class c the weight π_c / p̂_c (p̂_c its share
in the test set); recall and ROC AUC are unchanged by it, precision, accuracy and PR AUC are not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _binary_curve(y: npt.NDArray[np.bool_], score: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Cumulative weighted TP and FP at each distinct score, highest first."""
    order = np.argsort(-score, kind="mergesort")
    s, yy, ww = score[order], y[order], w[order]
    tps = np.cumsum(yy * ww)
    fps = np.cumsum(~yy * ww)
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    return tps[last], fps[last]


def roc_auc(y: npt.NDArray[np.bool_], score: FloatArray, weight: FloatArray | None = None) -> float | None:
    """Area under the ROC curve (trapezoids over distinct scores); None without both classes."""
    w = np.ones(score.size) if weight is None else np.asarray(weight, dtype=np.float64)
    tps, fps = _binary_curve(y, score, w)
    if tps.size == 0 or tps[-1] <= 0 or fps[-1] <= 0:
        return None
    tpr = np.r_[0.0, tps / tps[-1]]
    fpr = np.r_[0.0, fps / fps[-1]]
    return float(np.trapezoid(tpr, fpr))


def average_precision(y: npt.NDArray[np.bool_], score: FloatArray, weight: FloatArray | None = None) -> float | None:
    """Area under the PR curve as step sum Σ (R_n − R_{n−1}) P_n (scikit-learn's definition)."""
    w = np.ones(score.size) if weight is None else np.asarray(weight, dtype=np.float64)
    tps, fps = _binary_curve(y, score, w)
    if tps.size == 0 or tps[-1] <= 0:
        return None
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


@dataclass(frozen=True)
class ClassificationReport:
    labels: tuple[str, ...]
    support: FloatArray
    confusion: FloatArray  # rows true class, columns predicted
    accuracy: float
    precision: FloatArray
    recall: FloatArray
    f1: FloatArray
    roc_auc: tuple[float | None, ...]
    pr_auc: tuple[float | None, ...]
    top_k: dict[int, float]
    weighted_to: tuple[float, ...] | None

    @property
    def macro_f1(self) -> float:
        return float(np.mean(self.f1))

    @property
    def macro_roc_auc(self) -> float | None:
        v = [x for x in self.roc_auc if x is not None]
        return float(np.mean(v)) if v else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "macro_roc_auc": self.macro_roc_auc,
            "top_k": {str(k): v for k, v in self.top_k.items()},
            "weighted_to_prevalence": list(self.weighted_to) if self.weighted_to is not None else None,
            "confusion": self.confusion.tolist(),
            "per_class": {
                lbl: {
                    "support": float(s),
                    "precision": float(p),
                    "recall": float(r),
                    "f1": float(f),
                    "roc_auc": a,
                    "pr_auc": ap,
                }
                for lbl, s, p, r, f, a, ap in zip(
                    self.labels,
                    self.support,
                    self.precision,
                    self.recall,
                    self.f1,
                    self.roc_auc,
                    self.pr_auc,
                    strict=True,
                )
            },
        }


def _as_proba(proba: npt.ArrayLike) -> FloatArray:
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        p = np.stack([1.0 - p, p], axis=1)
    if p.ndim != 2:
        raise ValueError("proba must be (n,) for a binary task or (n, classes)")
    return p


def prevalence_weights(
    y_true: IntArray, n_classes: int, prevalence: Sequence[float] | Mapping[int, float]
) -> FloatArray:
    """Per-sample weights π_c / p̂_c that make the test mix look like production's."""
    prior = np.array([prevalence[c] for c in range(n_classes)], dtype=np.float64)
    if np.any(prior < 0) or abs(prior.sum() - 1.0) > 1e-6:
        raise ValueError("prevalence must be non-negative and sum to 1")
    share = np.bincount(y_true, minlength=n_classes) / y_true.size
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(share > 0, prior / share, 0.0)
    return ratio[y_true]


def classification_report(
    y_true: npt.ArrayLike,
    proba: npt.ArrayLike,
    *,
    labels: Sequence[str] | None = None,
    k: Sequence[int] = (1, 5),
    prevalence: Sequence[float] | Mapping[int, float] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> ClassificationReport:
    """Every classification figure from true class indices and class probabilities."""
    p = _as_proba(proba)
    y = np.asarray(y_true, dtype=np.int64)
    n, C = p.shape
    if y.shape != (n,) or (y.size and (y.min() < 0 or y.max() >= C)):
        raise ValueError("y_true must hold one class index in [0, classes) per row of proba")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if prevalence is not None:
        w = w * prevalence_weights(y, C, prevalence)
    pred = np.argmax(p, axis=1)
    conf = np.zeros((C, C))
    np.add.at(conf, (y, pred), w)
    diag = np.diag(conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(conf.sum(0) > 0, diag / conf.sum(0), 0.0)
        rec = np.where(conf.sum(1) > 0, diag / conf.sum(1), 0.0)
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    ranked = np.argsort(p, axis=1, kind="mergesort")[:, ::-1]
    top = {}
    for kk in k:
        if kk <= C:
            hits = (ranked[:, :kk] == y[:, None]).any(axis=1)
            top[int(kk)] = float(np.sum(hits * w) / np.sum(w))
    return ClassificationReport(
        labels=tuple(labels) if labels is not None else tuple(str(c) for c in range(C)),
        support=conf.sum(1),
        confusion=conf,
        accuracy=float(diag.sum() / conf.sum()),
        precision=prec,
        recall=rec,
        f1=f1,
        roc_auc=tuple(roc_auc(y == c, p[:, c], w) for c in range(C)),
        pr_auc=tuple(average_precision(y == c, p[:, c], w) for c in range(C)),
        top_k=top,
        weighted_to=tuple(float(prevalence[c]) for c in range(C)) if prevalence is not None else None,
    )


def classification_slices(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, groups: Sequence[Any], **kwargs: Any
) -> dict[str, ClassificationReport]:
    """One report per value of ``groups`` (a metadata value per sample: camera, lighting, …)."""
    y = np.asarray(y_true, dtype=np.int64)
    p = _as_proba(proba)
    g = np.asarray([str(v) for v in groups], dtype=object)
    return {v: classification_report(y[g == v], p[g == v], **kwargs) for v in sorted(set(g.tolist()))}

"""Calibration: expected and maximum calibration error with reliability-diagram data.

Equal-width confidence bins over [0, 1]; a confidence c falls in bin min(floor(c·B), B − 1).
ECE = Σ_b (n_b / N)·|acc_b − conf_b|, MCE = max_b |acc_b − conf_b| over non-empty bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.metrics.matchtable import MatchTable

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Calibration:
    ece: float
    mce: float
    bin_lower: FloatArray
    bin_upper: FloatArray
    count: FloatArray
    avg_confidence: FloatArray  # NaN for empty bins
    accuracy: FloatArray  # NaN for empty bins

    def to_dict(self) -> dict[str, Any]:
        return {
            "ece": self.ece,
            "mce": self.mce,
            "bins": [
                {
                    "lower": float(lo),
                    "upper": float(hi),
                    "count": float(n),
                    "avg_confidence": None if np.isnan(c) else float(c),
                    "accuracy": None if np.isnan(a) else float(a),
                }
                for lo, hi, n, c, a in zip(
                    self.bin_lower, self.bin_upper, self.count, self.avg_confidence, self.accuracy, strict=True
                )
            ],
        }


def calibration(
    confidence: npt.ArrayLike, correct: npt.ArrayLike, n_bins: int = 10, weight: npt.ArrayLike | None = None
) -> Calibration:
    """ECE, MCE and per-bin counts, mean confidence and accuracy."""
    c = np.clip(np.asarray(confidence, dtype=np.float64), 0.0, 1.0)
    ok = np.asarray(correct, dtype=np.float64)
    w = np.ones(c.size) if weight is None else np.asarray(weight, dtype=np.float64)
    b = np.minimum((c * n_bins).astype(np.int64), n_bins - 1)
    n = np.bincount(b, weights=w, minlength=n_bins).astype(np.float64)
    sc = np.bincount(b, weights=w * c, minlength=n_bins)
    sa = np.bincount(b, weights=w * ok, minlength=n_bins)
    with np.errstate(divide="ignore", invalid="ignore"):
        conf = np.where(n > 0, sc / n, np.nan)
        acc = np.where(n > 0, sa / n, np.nan)
    gap = np.abs(acc - conf)
    total = n.sum()
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return Calibration(
        ece=float(np.nansum(n * gap) / total) if total > 0 else 0.0,
        mce=float(np.nanmax(gap)) if np.any(n > 0) else 0.0,
        bin_lower=edges[:-1],
        bin_upper=edges[1:],
        count=n,
        avg_confidence=conf,
        accuracy=acc,
    )


def classifier_calibration(y_true: npt.ArrayLike, proba: npt.ArrayLike, n_bins: int = 10) -> Calibration:
    """Top-label calibration: confidence = highest probability, correct = it is the true class."""
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 1:
        p = np.stack([1.0 - p, p], axis=1)
    y = np.asarray(y_true, dtype=np.int64)
    return calibration(p.max(axis=1), np.argmax(p, axis=1) == y, n_bins)


def detection_calibration(match: MatchTable, iou: float = 0.5, n_bins: int = 10) -> Calibration:
    """Detector confidence against being a true positive at ``iou`` (area "all"; ignored detections left out)."""
    t = match.iou_index(iou)
    counted = ~match.dt_ignored[0, t]
    tp = match.dt_gt[0, t] >= 0
    return calibration(match.dt_score[counted], tp[counted], n_bins)

"""Figures re-weighted from the test set's mix to the production base rate (prevalence).

A test set is often balanced; a line where 98% of parts are good is not. Recall (TPR) and
the false-positive rate (FPR) are rates within the positives and within the negatives, so
they carry over; precision, alert volumes and false positives per image depend on the mix
and are recomputed for the stated prevalence π (formulas in docs/metrics.md):

    precision_prod  = π·TPR / (π·TPR + (1 − π)·FPR)
    alerts per unit = π·TPR + (1 − π)·FPR
    false alerts    = (1 − π)·FPR,   missed = π·(1 − TPR)
    FP objects/unit = π·FP_pos/N_pos + (1 − π)·FP_neg/N_neg
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from truthline.metrics.matchtable import MatchTable
from truthline.metrics.operating import _counted


@dataclass(frozen=True)
class BaseRateFigures:
    """Test-set rates and their production values at ``prevalence`` (per unit, and per day given a volume)."""

    prevalence: float
    test_prevalence: float
    tpr: float
    fpr: float
    test_precision: float | None
    precision: float | None
    alerts_per_unit: float
    false_alerts_per_unit: float
    missed_per_unit: float
    fp_objects_per_unit: float | None
    volume_per_day: float | None

    def per_day(self, rate: float | None) -> float | None:
        return None if rate is None or self.volume_per_day is None else rate * self.volume_per_day

    def to_dict(self) -> dict[str, Any]:
        return {
            "prevalence": self.prevalence,
            "test_prevalence": self.test_prevalence,
            "tpr": self.tpr,
            "fpr": self.fpr,
            "test_precision": self.test_precision,
            "precision": self.precision,
            "alerts_per_unit": self.alerts_per_unit,
            "false_alerts_per_unit": self.false_alerts_per_unit,
            "missed_per_unit": self.missed_per_unit,
            "fp_objects_per_unit": self.fp_objects_per_unit,
            "volume_per_day": self.volume_per_day,
            "alerts_per_day": self.per_day(self.alerts_per_unit),
            "false_alerts_per_day": self.per_day(self.false_alerts_per_unit),
            "missed_per_day": self.per_day(self.missed_per_unit),
            "fp_objects_per_day": self.per_day(self.fp_objects_per_unit),
        }


def reweight_to_prevalence(
    tp: float,
    fp: float,
    fn: float,
    tn: float,
    prevalence: float,
    *,
    volume_per_day: float | None = None,
    fp_objects_positive: float | None = None,
    fp_objects_negative: float | None = None,
) -> BaseRateFigures:
    """Re-weight a unit-level confusion (parts, images, samples) to production prevalence ``prevalence``.

    ``tp, fp, fn, tn`` count units (an image that alerts and holds a defect is a TP).
    ``fp_objects_positive/negative`` optionally give false-positive objects found on
    positive and on negative units, for the FP-objects-per-unit figure.
    """
    if not 0.0 <= prevalence <= 1.0:
        raise ValueError("prevalence must lie in [0, 1]")
    pos, neg = tp + fn, fp + tn
    if pos <= 0 or neg <= 0:
        raise ValueError("re-weighting needs both positive and negative units in the test set")
    tpr, fpr = tp / pos, fp / neg
    alerts = prevalence * tpr + (1 - prevalence) * fpr
    fp_obj = None
    if fp_objects_positive is not None and fp_objects_negative is not None:
        fp_obj = prevalence * fp_objects_positive / pos + (1 - prevalence) * fp_objects_negative / neg
    return BaseRateFigures(
        prevalence=float(prevalence),
        test_prevalence=pos / (pos + neg),
        tpr=tpr,
        fpr=fpr,
        test_precision=tp / (tp + fp) if tp + fp > 0 else None,
        precision=prevalence * tpr / alerts if alerts > 0 else None,
        alerts_per_unit=alerts,
        false_alerts_per_unit=(1 - prevalence) * fpr,
        missed_per_unit=prevalence * (1 - tpr),
        fp_objects_per_unit=fp_obj,
        volume_per_day=volume_per_day,
    )


def production_figures(
    match: MatchTable,
    threshold: float,
    prevalence: float,
    *,
    category: int | str | None = None,
    iou: float = 0.5,
    volume_per_day: float | None = None,
) -> BaseRateFigures:
    """Image-level detector figures at ``threshold`` re-weighted to ``prevalence``.

    An image is positive when it holds a counted ground truth of ``category`` (any class when
    None) and alerts when a counted detection of it scores at least ``threshold``.
    """
    tp_d, fp_d, g_ok = _counted(match, iou)
    dt_sel = match.dt_score >= threshold
    g_sel = g_ok.copy()
    if category is not None:
        k = match.class_index(category)
        dt_sel &= match.dt_class == k
        g_sel &= match.gt_class == k
    positive = np.zeros(match.num_images, dtype=bool)
    positive[match.gt_image[g_sel]] = True
    alert = np.zeros(match.num_images, dtype=bool)
    alert[match.dt_image[dt_sel & (tp_d | fp_d)]] = True
    fp_obj = np.bincount(match.dt_image[dt_sel & fp_d], minlength=match.num_images)
    return reweight_to_prevalence(
        tp=float((alert & positive).sum()),
        fp=float((alert & ~positive).sum()),
        fn=float((~alert & positive).sum()),
        tn=float((~alert & ~positive).sum()),
        prevalence=prevalence,
        volume_per_day=volume_per_day,
        fp_objects_positive=float(fp_obj[positive].sum()),
        fp_objects_negative=float(fp_obj[~positive].sum()),
    )

"""All readiness figures of one model (candidate or baseline): operating point, slices, calibration, probes, latency."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from truthline import metrics as tm
from truthline.metrics.coco import STAT_NAMES
from truthline.readiness.figures import (
    GroupFigures,
    ImageTable,
    ProbeFigures,
    SliceValue,
    class_indices,
    coco_ap,
    downsample,
    group_at,
    group_sweep,
    image_table,
    probe_figures,
    slice_figures,
)
from truthline.readiness.inputs import ProbeRun, subset_gt
from truthline.readiness.policy import ReadinessPolicy


@dataclass(frozen=True)
class LatencyFigures:
    """Wall time of one model call at one batch size: percentiles (ms) and throughput."""

    batch: int
    calls: int
    p50: float
    p95: float
    p99: float
    mean: float
    samples: tuple[float, ...]

    @property
    def images_per_s(self) -> float:
        return 1000.0 * self.batch / self.mean if self.mean > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "calls": self.calls,
            "p50_ms": self.p50,
            "p95_ms": self.p95,
            "p99_ms": self.p99,
            "mean_ms": self.mean,
            "ms_per_image_p50": self.p50 / self.batch,
            "images_per_s": self.images_per_s,
        }


def latency_figures(latency: Mapping[int, Sequence[float]]) -> dict[int, LatencyFigures]:
    """Percentiles (numpy's linear interpolation) of the per-call wall times of each batch size."""
    out = {}
    for batch, ms in sorted(latency.items()):
        x = np.asarray(ms, dtype=np.float64)
        if x.size == 0:
            continue
        p50, p95, p99 = (float(v) for v in np.percentile(x, [50, 95, 99]))
        out[int(batch)] = LatencyFigures(int(batch), int(x.size), p50, p95, p99, float(x.mean()), tuple(x.tolist()))
    return out


@dataclass(frozen=True)
class ThresholdInfo:
    """The operating threshold used, where it came from, and the threshold recommended for the policy's target."""

    value: float
    source: str  # "policy", "recommended", "fallback"
    recommended: tm.ThresholdChoice

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source, "recommended": self.recommended.to_dict()}


def choose_threshold(sw: tm.Sweep, policy: ReadinessPolicy) -> ThresholdInfo:
    """``tm.pick_threshold`` for the target; "auto" uses it, or, when no threshold meets it, max(recall − FPR)."""
    t = policy.target
    choice = tm.pick_threshold(sw, min_image_recall=t.min_recall, max_fpr=t.max_fpr)
    if not isinstance(policy.threshold, str):
        return ThresholdInfo(float(policy.threshold), "policy", choice)
    if choice.threshold is not None:
        return ThresholdInfo(choice.threshold, "recommended", choice)
    if sw.thresholds.size == 0:
        return ThresholdInfo(0.5, "fallback", choice)
    j = np.nan_to_num(sw.image_recall, nan=0.0) - np.nan_to_num(sw.image_fpr, nan=0.0)
    return ThresholdInfo(float(sw.thresholds[int(np.argmax(j))]), "fallback", choice)


@dataclass(frozen=True)
class ModelFigures:
    """One model's figures on the evaluation images at its operating threshold."""

    threshold: ThresholdInfo
    summary: dict[str, float]
    per_class: dict[str, dict[str, Any]]
    group: GroupFigures
    group_curve: dict[str, list[float]]
    pr_curves: dict[str, dict[str, list[float]]]
    slices: dict[str, list[SliceValue]]
    calibration: tm.Calibration | None
    confusion: dict[str, Any] | None
    probes: list[ProbeFigures]
    latency: dict[int, LatencyFigures]
    table: ImageTable
    detections: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold.to_dict(),
            "summary": self.summary,
            "per_class": self.per_class,
            "positive": self.group.to_dict(),
            "group_curve": self.group_curve,
            "pr_curves": self.pr_curves,
            "slices": {k: [v.to_dict() for v in rows] for k, rows in self.slices.items()},
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "confusion": self.confusion,
            "probes": [p.to_dict() for p in self.probes],
            "latency": {str(b): f.to_dict() for b, f in self.latency.items()},
            "detections": self.detections,
        }


def _summary(match: tm.MatchTable) -> dict[str, float]:
    if match.num_detections == 0:
        ap = coco_ap(match)
        return {name: ap["AP"] if name.startswith("AP") else 0.0 for name in STAT_NAMES}
    return tm.summarize(match).as_mapping()


def _per_class(match: tm.MatchTable, threshold: float, iou: float) -> dict[str, dict[str, Any]]:
    op = tm.operating_point(match, threshold, iou).to_dict()["per_class"]
    if match.num_detections == 0:
        aps = {n: {"AP": 0.0, "AP50": 0.0, "AP75": 0.0} for n in match.category_names}
    else:
        aps = tm.per_class_ap(match).to_dict()
    return {name: {**aps[name], **op[name]} for name in match.category_names}


def _confusion(match: tm.MatchTable, iou: float) -> dict[str, Any] | None:
    if match.num_detections == 0:
        return None
    try:
        cm = tm.tide_breakdown(match, pos_thr=iou)
    except (ValueError, RuntimeError):  # hotcoco could not run on these inputs: leave the plot out
        return None
    return {"labels": [*cm.labels, "background"], "matrix": cm.confusion.astype(np.int64).tolist()}


def _curves(match: tm.MatchTable, sw: tm.Sweep, prevalence: float) -> tuple[dict[str, Any], dict[str, Any]]:
    rc, fpr = np.nan_to_num(sw.image_recall, nan=0.0), np.nan_to_num(sw.image_fpr, nan=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        alerts = prevalence * rc + (1 - prevalence) * fpr
        prec = np.where(alerts > 0, prevalence * rc / np.where(alerts > 0, alerts, 1.0), 1.0)
    group = {
        "thresholds": downsample(sw.thresholds),
        "recall": downsample(rc),
        "fpr": downsample(fpr),
        "precision_at_prevalence": downsample(prec),
    }
    pr: dict[str, Any] = {}
    for k, name in enumerate(match.category_names):
        s = tm.sweep(match, sw.iou, int(match.category_ids[k]))
        if s.num_gt == 0 or s.thresholds.size == 0:
            continue
        pr[name] = {
            "recall": downsample(np.nan_to_num(s.recall, nan=0.0)),
            "precision": downsample(np.nan_to_num(s.precision, nan=1.0)),
        }
    return group, pr


def _probe_match(gt: Mapping[str, Any], run: ProbeRun) -> tm.MatchTable:
    ids = {int(i) for i in run.image_ids}
    pgt = subset_gt(run.gt if run.gt is not None else gt, sorted(ids))
    return tm.match_coco(pgt, [d for d in run.dt if int(d["image_id"]) in ids])


def model_figures(
    gt: Mapping[str, Any],
    dt: Sequence[Mapping[str, Any]],
    probes: Sequence[ProbeRun],
    latency: Mapping[int, Sequence[float]],
    meta: Mapping[int, Mapping[str, Any]],
    policy: ReadinessPolicy,
) -> ModelFigures:
    """Match once (``tm.match_coco``) and derive every figure the gates and reports read."""
    iou, prev = policy.iou, policy.production.prevalence
    match = tm.match_coco(dict(gt), list(dt))
    cls = class_indices(match, policy.positive.classes)
    table = image_table(match, cls, iou)
    sw = group_sweep(match, cls, iou)
    thr = choose_threshold(sw, policy)
    t = thr.value
    group = group_at(table, t, prev, policy.production.volume_per_day)
    group_curve, pr = _curves(match, sw, prev)
    calib = tm.detection_calibration(match, iou, policy.report.calibration_bins) if match.num_detections > 0 else None
    probe_rows = [
        probe_figures(
            match, table, _probe_match(gt, run), policy.positive.classes, run.condition, run.severity, t, iou, prev
        )
        for run in sorted(probes, key=lambda r: (r.condition, r.severity))
    ]
    return ModelFigures(
        threshold=thr,
        summary=_summary(match),
        per_class=_per_class(match, t, iou),
        group=group,
        group_curve=group_curve,
        pr_curves=pr,
        slices={key: slice_figures(match, table, meta, key, t, iou, prev) for key in policy.slice_keys()},
        calibration=calib,
        confusion=_confusion(match, iou),
        probes=probe_rows,
        latency=latency_figures(latency),
        table=table,
        detections=match.num_detections,
    )

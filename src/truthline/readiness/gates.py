"""Gate evaluation: each policy gate against the figures, with its value, threshold, verdict and evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from truthline.readiness.figures import ProbeFigures
from truthline.readiness.measure import ModelFigures
from truthline.readiness.policy import (
    MaxBaselineRegression,
    MaxEce,
    MaxFpr,
    MaxLatencyP95,
    MaxNearDuplicates,
    MaxProbeDrop,
    MaxSliceGap,
    MinAp50,
    MinPrecisionAtPrevalence,
    MinProbeConfidenceAuroc,
    MinProvenanceShare,
    MinRecall,
    ReadinessPolicy,
)


@dataclass(frozen=True)
class ProvenanceFigures:
    """Where the evaluation images come from, and their overlap with training images."""

    key: str | None
    production_values: tuple[str, ...]
    counts: dict[str, int]
    images: int
    non_production: tuple[int, ...]  # image ids from a source that is not production
    near_duplicates_checked: bool
    near_duplicates: tuple[tuple[int, int, float], ...]

    @property
    def measured(self) -> bool:
        return self.key is not None and bool(self.production_values) and self.images > 0

    @property
    def production_share(self) -> float | None:
        return (self.images - len(self.non_production)) / self.images if self.measured else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "production_values": list(self.production_values),
            "counts": self.counts,
            "images": self.images,
            "production_share": self.production_share,
            "non_production_images": list(self.non_production[:50]),
            "near_duplicates_checked": self.near_duplicates_checked,
            "near_duplicates": [list(p) for p in self.near_duplicates[:50]],
            "near_duplicate_test_images": len({p[0] for p in self.near_duplicates}),
        }


@dataclass(frozen=True)
class GateResult:
    """One gate's outcome. ``status``: pass, fail, warn (failed, not blocking), not measured, skipped."""

    name: str
    kind: str
    value: float | None
    threshold: float
    passed: bool
    status: str
    evidence: str
    blocking: bool = True
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def fails_verdict(self) -> bool:
        return self.blocking and self.status in ("fail", "not measured")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "value": self.value,
            "threshold": self.threshold,
            "passed": self.passed,
            "status": self.status,
            "blocking": self.blocking,
            "evidence": self.evidence,
            "details": self.details,
        }


# value, threshold, higher is better, evidence, detail rows, status (None: decide from the value)
Measured = tuple[float | None, float, bool, str, list[dict[str, Any]], str | None]


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "n/a" if x is None else format(x, spec)


def probe_selected(condition: str, names: Sequence[str] | None) -> bool:
    """A gate's probe list names a condition exactly ('lighting=night') or by name ('lighting')."""
    return names is None or condition in names or condition.split("=")[0] in names


def _default_name(g: Any) -> str:
    extra = getattr(g, "key", None) or getattr(g, "on", None) or getattr(g, "metric", None)
    if isinstance(g, MaxLatencyP95):
        extra = f"batch {g.batch}"
    if isinstance(g, MinProbeConfidenceAuroc | MaxProbeDrop) and g.probes:
        extra = ",".join(g.probes)
    return f"{g.kind}[{extra}]" if extra else g.kind


class _Judge:
    def __init__(
        self, policy: ReadinessPolicy, fig: ModelFigures, base: ModelFigures | None, prov: ProvenanceFigures
    ) -> None:
        self.p, self.f, self.b, self.prov = policy, fig, base, prov
        self.group = policy.positive.name

    def judge(self, g: Any) -> GateResult:
        value, limit, higher_ok, evidence, details, status = self._measure(g)
        if status is None:
            ok = value is not None and (value >= limit if higher_ok else value <= limit)
            status = "pass" if ok else ("fail" if g.on_fail == "fail" else "warn")
        passed = status in ("pass", "skipped")
        return GateResult(
            g.name or _default_name(g), g.kind, value, limit, passed, status, evidence, g.on_fail == "fail", details
        )

    def _measure(self, g: Any) -> Measured:
        f, t = self.f, self.f.threshold.value
        gr = f.group
        if isinstance(g, MinRecall):
            if g.on is None:
                ev = f"{gr.tp}/{gr.tp + gr.fn} '{self.group}' images alerted at score ≥ {t:.3f}"
                return gr.recall, g.min, True, ev, [], None if gr.recall is not None else "not measured"
            row = f.per_class.get(g.on)
            if row is None:
                return None, g.min, True, f"class '{g.on}' is not in the ground truth", [], "not measured"
            ev = f"'{g.on}': {row['tp']} of {row['tp'] + row['fn']} boxes found at score ≥ {t:.3f}, IoU {self.p.iou}"
            return row["recall"], g.min, True, ev, [], None if row["recall"] is not None else "not measured"
        if isinstance(g, MaxFpr):
            ev = f"{gr.fp}/{gr.fp + gr.tn} images without '{self.group}' alerted at score ≥ {t:.3f}"
            if gr.production is not None and gr.production.volume_per_day:
                ev += f"; {gr.production.to_dict()['false_alerts_per_day']:.0f} false alerts/day in production"
            return gr.fpr, g.max, False, ev, [], None if gr.fpr is not None else "not measured"
        if isinstance(g, MinPrecisionAtPrevalence):
            prod = gr.production
            if prod is None or prod.precision is None:
                return None, g.min, True, "needs positive and negative images that alert", [], "not measured"
            ev = (
                f"π={prod.prevalence:g}: π·TPR/(π·TPR+(1−π)·FPR) with TPR {prod.tpr:.3f}, FPR {prod.fpr:.4f} "
                f"(test-set precision {_fmt(prod.test_precision)})"
            )
            return prod.precision, g.min, True, ev, [], None
        if isinstance(g, MaxSliceGap):
            return self._slice_gap(g)
        if isinstance(g, MaxLatencyP95):
            lat = f.latency.get(g.batch)
            if lat is None:
                return None, g.max, False, f"no latency measured at batch {g.batch}", [], "not measured"
            ev = f"{lat.calls} calls at batch {g.batch}: p50 {lat.p50:.1f} ms, p95 {lat.p95:.1f}, p99 {lat.p99:.1f}"
            return lat.p95, g.max, False, ev, [], None
        if isinstance(g, MinProbeConfidenceAuroc):
            return self._probe_auroc(g)
        if isinstance(g, MaxProbeDrop):
            return self._probe_drop(g)
        if isinstance(g, MaxEce):
            if f.calibration is None:
                return None, g.max, False, "no detections to calibrate", [], "not measured"
            ev = f"{int(f.calibration.count.sum())} detections, {len(f.calibration.count)} bins, TP at IoU {self.p.iou}"
            return f.calibration.ece, g.max, False, ev, [], None
        if isinstance(g, MaxBaselineRegression):
            return self._baseline(g)
        if isinstance(g, MinAp50):
            v = f.summary["AP50"] if g.on is None else f.per_class.get(g.on, {}).get("AP50")
            if v is None or v < 0:
                return None, g.min, True, f"no ground truth for {g.on or 'any class'}", [], "not measured"
            return v, g.min, True, f"COCO AP at IoU 0.5 ({g.on or 'all classes'})", [], None
        if isinstance(g, MinProvenanceShare):
            pv = self.prov
            if not pv.measured:
                ev = "policy names no production.provenance_key and production_values, or no values were given"
                return None, g.min, True, ev, [], "not measured"
            bad = ", ".join(str(i) for i in pv.non_production[:10])
            ev = f"{pv.images - len(pv.non_production)}/{pv.images} images from {list(pv.production_values)}"
            ev += f" by '{pv.key}'" + (f"; not production: {bad}" if bad else "")
            return pv.production_share, g.min, True, ev, [{"value": k, "images": n} for k, n in pv.counts.items()], None
        if isinstance(g, MaxNearDuplicates):
            if not self.prov.near_duplicates_checked:
                return (
                    None,
                    float(g.max),
                    False,
                    "near-duplicates of training images were not searched",
                    [],
                    "not measured",
                )
            pairs = [p for p in self.prov.near_duplicates if g.max_distance is None or p[2] <= g.max_distance]
            n = len({p[0] for p in pairs})
            shown = "; ".join(f"test {a} ≈ train {b} (d={d:g})" for a, b, d in pairs[:5])
            ev = f"{n} evaluation images duplicate a training image" + (f": {shown}" if shown else "")
            return (
                float(n),
                float(g.max),
                False,
                ev,
                [{"test": a, "train": b, "distance": d} for a, b, d in pairs],
                None,
            )
        raise AssertionError(f"unhandled gate {g.kind}")

    def _overall(self, metric: str) -> float | None:
        if metric == "recall":
            return self.f.group.recall
        if metric == "ap50":
            return self.f.summary["AP50"]
        tp = sum(r["tp"] for r in self.f.per_class.values())
        fp = sum(r["fp"] for r in self.f.per_class.values())
        return tp / (tp + fp) if tp + fp else None

    def _slice_gap(self, g: MaxSliceGap) -> Measured:
        overall = self._overall(g.metric)
        rows: list[dict[str, Any]] = []
        skipped: list[str] = []
        worst: dict[str, Any] | None = None
        for sv in self.f.slices.get(g.key, []):
            v, support = sv.metric(g.metric)
            if v is None or support < g.min_support or overall is None:
                skipped.append(f"{sv.value} ({support})")
                continue
            gap = 100.0 * (overall - v)
            rows.append({"value": sv.value, "metric": v, "support": support, "gap_points": gap})
            if worst is None or gap > worst["gap_points"]:
                worst = rows[-1]
        if worst is None:
            ev = f"no value of '{g.key}' has {g.min_support}+ units behind its {g.metric}"
            return None, g.points, False, ev, rows, "not measured"
        ev = (
            f"worst {g.key}={worst['value']}: {g.metric} {worst['metric']:.3f} vs {overall:.3f} overall "
            f"({worst['gap_points']:.1f} points below, {worst['support']} units); {len(rows)} values judged"
        )
        if skipped:
            ev += f", too few units: {', '.join(skipped)}"
        return max(worst["gap_points"], 0.0), g.points, False, ev, rows, None

    def _probe_rows(self, names: Sequence[str] | None) -> list[ProbeFigures]:
        return [p for p in self.f.probes if probe_selected(p.condition, names)]

    def _probe_auroc(self, g: MinProbeConfidenceAuroc) -> Measured:
        rows = self._probe_rows(g.probes)
        if not rows:
            return None, g.min, True, "no probe of this gate was run", [], "not measured"
        judged = [p for p in rows if p.auroc is not None and p.hurt >= g.when_drop_points]
        details = [
            {"probe": p.condition, "severity": p.severity, "auroc": p.auroc, "drop_points": p.hurt} for p in rows
        ]
        if not judged:
            ev = f"no probe severity cut recall or AP50 by ≥ {g.when_drop_points:g} points: nothing to flag"
            return None, g.min, True, ev, details, "pass"
        w = min(judged, key=lambda p: p.auroc or 0.0)
        ev = (
            f"worst {w.condition}@{w.severity:g}: drop recall {_fmt(w.drop_recall, '.1f')} / AP50 {w.drop_ap50:.1f} "
            f"points, confidence AUROC "
            f"{w.auroc:.3f} (mean confidence {_fmt(w.confidence_clean, '.2f')} → {_fmt(w.confidence, '.2f')} "
            f"on {w.positives} positive images); {len(judged)} of {len(rows)} severities judged"
        )
        return w.auroc, g.min, True, ev, details, None

    def _probe_drop(self, g: MaxProbeDrop) -> Measured:
        rows = [
            p
            for p in self._probe_rows(g.probes)
            if (g.max_severity is None or p.severity <= g.max_severity) and p.drop(g.metric) is not None
        ]
        if not rows:
            return None, g.points, False, "no probe of this gate was run (or no positives)", [], "not measured"
        details = [{"probe": p.condition, "severity": p.severity, "drop_points": p.drop(g.metric)} for p in rows]
        w = max(rows, key=lambda p: p.drop(g.metric) or 0.0)
        d = w.drop(g.metric) or 0.0
        clean, now = (w.recall_clean, w.recall) if g.metric == "recall" else (w.ap50_clean, w.ap50)
        ev = (
            f"worst {w.condition}@{w.severity:g}: {g.metric} {_fmt(clean)} → {_fmt(now)} ({d:+.1f} points) "
            f"on {w.images} images; {len(rows)} severities judged"
        )
        return d, g.points, False, ev, details, None

    def _baseline(self, g: MaxBaselineRegression) -> Measured:
        if self.b is None:
            return None, g.max, False, "no baseline model given", [], "skipped"
        c, b = comparable(self.f, g.metric), comparable(self.b, g.metric)
        if c is None or b is None:
            return None, g.max, False, f"{g.metric} unavailable for a model", [], "not measured"
        reg = (c - b) if g.metric == "fpr" else (b - c)
        ev = f"{g.metric}: candidate {c:.4f}, baseline {b:.4f} ({'+' if reg <= 0 else '−'}{abs(reg):.4f})"
        return reg, g.max, False, ev, [], None


def comparable(f: ModelFigures, metric: str) -> float | None:
    """A headline figure by name, for baseline comparison (ap, ap50, recall, fpr, precision_at_prevalence)."""
    if metric == "ap":
        return f.summary["AP"]
    if metric == "ap50":
        return f.summary["AP50"]
    if metric == "recall":
        return f.group.recall
    if metric == "fpr":
        return f.group.fpr
    prod = f.group.production
    return None if prod is None else prod.precision


def judge_gates(
    policy: ReadinessPolicy, fig: ModelFigures, base: ModelFigures | None, prov: ProvenanceFigures
) -> list[GateResult]:
    """Every gate of the policy, in order."""
    judge = _Judge(policy, fig, base, prov)
    return [judge.judge(g) for g in policy.gates]

"""The readiness assessment: figures, gates, verdict, checklist and worst failures of a candidate model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truthline.readiness.gates import GateResult, ProvenanceFigures, comparable, judge_gates
from truthline.readiness.inputs import ReadinessInputs
from truthline.readiness.measure import ModelFigures, model_figures
from truthline.readiness.policy import ReadinessPolicy

SILENT_DROP_POINTS = 10.0  # a probe severity that cuts recall this much …
SILENT_AUROC = 0.7  # … while confidence separates clean from corrupted worse than this fails silently
SLICE_FLAG_POINTS = 5.0


@dataclass(frozen=True)
class ChecklistItem:
    """One question of the field's production-readiness checklist: answered with evidence, partly, or open."""

    key: str
    question: str
    status: str  # answered, partial, open
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "question": self.question, "status": self.status, "evidence": self.evidence}


@dataclass(frozen=True)
class FailureExample:
    """A worst failure at the operating point: a missed positive image or a false alert, with its boxes."""

    image_id: int
    kind: str  # "missed" or "false alert"
    score: float  # the image's best group score (0 when none)
    gt_boxes: list[tuple[str, list[float]]]
    dt_boxes: list[tuple[str, list[float], float]]
    meta: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "image_id": self.image_id,
            "kind": self.kind,
            "score": self.score,
            "gt": [{"label": lb, "bbox": b} for lb, b in self.gt_boxes],
            "dt": [{"label": lb, "bbox": b, "score": s} for lb, b, s in self.dt_boxes],
            "meta": self.meta,
        }


@dataclass(frozen=True)
class ReadinessResult:
    """Everything a readiness report shows; ``to_dict()`` is the JSON stored with the Evaluation."""

    policy: ReadinessPolicy
    model: dict[str, Any]
    dataset: dict[str, Any]
    candidate: ModelFigures
    baseline: ModelFigures | None
    baseline_model: dict[str, Any]
    provenance: ProvenanceFigures
    gates: list[GateResult]
    checklist: list[ChecklistItem]
    flags: list[str]
    failures: list[FailureExample] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "fail" if any(g.fails_verdict for g in self.gates) else "pass"

    @property
    def exit_code(self) -> int:
        return 0 if self.verdict == "pass" else 1

    @property
    def checklist_score(self) -> str:
        return f"{sum(c.status == 'answered' for c in self.checklist)}/{len(self.checklist)} answered"

    def comparison(self) -> list[dict[str, Any]]:
        """Candidate vs baseline headline figures (delta = candidate − baseline)."""
        if self.baseline is None:
            return []
        rows = []
        for metric in ("ap", "ap50", "recall", "fpr", "precision_at_prevalence"):
            c, b = comparable(self.candidate, metric), comparable(self.baseline, metric)
            rows.append(
                {
                    "metric": metric,
                    "candidate": c,
                    "baseline": b,
                    "delta": None if c is None or b is None else c - b,
                    "higher_is_better": metric != "fpr",
                }
            )
        for batch, lat in self.candidate.latency.items():
            bl = self.baseline.latency.get(batch)
            rows.append(
                {
                    "metric": f"latency_p95_ms_batch{batch}",
                    "candidate": lat.p95,
                    "baseline": None if bl is None else bl.p95,
                    "delta": None if bl is None else lat.p95 - bl.p95,
                    "higher_is_better": False,
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "policy": self.policy.model_dump(mode="json"),
            "model": self.model,
            "dataset": self.dataset,
            "gates": [g.to_dict() for g in self.gates],
            "checklist": [c.to_dict() for c in self.checklist],
            "checklist_score": self.checklist_score,
            "flags": self.flags,
            "candidate": self.candidate.to_dict(),
            "baseline": None if self.baseline is None else self.baseline.to_dict(),
            "baseline_model": self.baseline_model,
            "comparison": self.comparison(),
            "provenance": self.provenance.to_dict(),
            "failures": [f.to_dict() for f in self.failures],
        }


def _provenance(inputs: ReadinessInputs, policy: ReadinessPolicy, meta: Mapping[int, Mapping[str, Any]]) -> Any:
    key = policy.production.provenance_key
    allowed = tuple(policy.production.production_values)
    ids = sorted(meta)
    source: dict[int, str] = {}
    if inputs.provenance is not None:
        source = {int(k): str(v) for k, v in inputs.provenance.items()}
    elif key is not None:
        source = {i: str(meta[i][key]) for i in ids if meta[i].get(key) not in (None, "")}
    counts: dict[str, int] = {}
    for i in ids:
        v = source.get(i, "(missing)")
        counts[v] = counts.get(v, 0) + 1
    bad = tuple(i for i in ids if source.get(i) not in allowed)
    pairs = tuple((int(a), int(b), float(d)) for a, b, d in (inputs.near_duplicates or ()))
    return ProvenanceFigures(
        key=key,
        production_values=allowed,
        counts=counts,
        images=len(ids) if key is not None else 0,
        non_production=bad,
        near_duplicates_checked=inputs.near_duplicates is not None,
        near_duplicates=pairs,
    )


def _checklist(
    policy: ReadinessPolicy, inputs: ReadinessInputs, f: ModelFigures, prov: ProvenanceFigures, flags: Sequence[str]
) -> list[ChecklistItem]:
    items = []

    def add(key: str, question: str, status: str, evidence: str) -> None:
        items.append(ChecklistItem(key, question, status, evidence))

    parts = []
    if prov.measured:
        parts.append(f"{prov.images - len(prov.non_production)}/{prov.images} test images from production {prov.key}s")
    if prov.near_duplicates_checked:
        parts.append(f"{len({p[0] for p in prov.near_duplicates})} near-duplicates of training images")
    n = prov.measured + prov.near_duplicates_checked
    add(
        "provenance",
        "Where does the test data come from: production cameras or sites, and kept apart from training?",
        ("open", "partial", "answered")[n],
        "; ".join(parts) or "no provenance key in the policy and no near-duplicate search",
    )
    rec = f.threshold.recommended
    prod = f.group.production
    ev = f"production prevalence {policy.production.prevalence:g} (policy)"
    if rec.threshold is not None:
        ev += f"; threshold {rec.threshold:.3f} recommended for {rec.target}"
    else:
        ev += f"; no threshold meets {rec.target} on these images"
    if prod is not None and prod.precision is not None:
        ev += f"; precision there {prod.precision:.3f}"
        if prod.volume_per_day:
            ev += f", {prod.to_dict()['alerts_per_day']:.0f} alerts/day"
    add(
        "base_rates",
        "What are the production class base rates, and is the threshold tuned to them?",
        "answered" if rec.threshold is not None and prod is not None else "partial",
        ev,
    )
    n_slices = sum(len(v) > 1 for v in f.slices.values())
    add(
        "per_environment",
        "What are the per-class false-positive and false-negative rates per environment?",
        "answered" if n_slices else "partial",
        f"per class × {', '.join(f.slices) or 'overall only'} at score ≥ {f.threshold.value:.3f}",
    )
    want = set(policy.latency.batch_sizes)
    have = want & set(f.latency)
    add(
        "latency",
        "What are latency p50/p95 at production batch size on the target hardware?",
        "answered" if have == want else ("partial" if f.latency else "open"),
        "; ".join(f"batch {b}: p50 {x.p50:.1f} ms, p95 {x.p95:.1f} ms" for b, x in f.latency.items())
        or "no timings given",
    )
    silent = [x for x in flags if "silently" in x]
    add(
        "out_of_distribution",
        "On out-of-distribution inputs, does it fail loud (low confidence) or silently (high confidence)?",
        "answered" if f.probes else "open",
        (f"{len(f.probes)} probe runs; " + (f"{len(silent)} silent failures" if silent else "no silent failure"))
        if f.probes
        else "no probes run",
    )
    add(
        "drift_monitoring",
        "Is drift monitoring in place for this model?",
        "answered" if inputs.drift_monitor else "open",
        inputs.drift_monitor or "no monitor named; this evaluation's slice and confidence figures are its reference",
    )
    add(
        "calibration",
        "Are its confidence scores calibrated (do they mean what they say)?",
        "answered" if f.calibration is not None else "open",
        f"ECE {f.calibration.ece:.3f} over {int(f.calibration.count.sum())} detections"
        if f.calibration is not None
        else "no detections",
    )
    add(
        "baseline",
        "Is it better than the model in production now (champion)?",
        "answered" if inputs.baseline is not None else "open",
        "compared side by side with " + str(inputs.baseline.model.get("id", "the baseline"))
        if inputs.baseline is not None
        else "no baseline model given",
    )
    return items


def _flags(policy: ReadinessPolicy, f: ModelFigures, gates: Sequence[GateResult]) -> list[str]:
    out = [f"{g.name}: {g.evidence}" for g in gates if g.status in ("fail", "warn", "not measured")]
    if f.group.recall is not None:
        for key, rows in f.slices.items():
            for sv in rows:
                r, n = sv.metric("recall")
                if r is not None and n >= 5 and 100 * (f.group.recall - r) > SLICE_FLAG_POINTS:
                    out.append(
                        f"slice {key}={sv.value}: recall {r:.3f} vs {f.group.recall:.3f} overall ({n} positive images)"
                    )
    for p in f.probes:
        if p.hurt >= SILENT_DROP_POINTS and p.auroc is not None and p.auroc < SILENT_AUROC:
            out.append(
                f"probe {p.condition}@{p.severity:g} fails silently: drop recall {p.drop_recall or 0:.1f} / "
                f"AP50 {p.drop_ap50:.1f} points, "
                f"confidence AUROC {p.auroc:.2f} (clean vs corrupted)"
            )
    return out


def _failures(
    inputs: ReadinessInputs, f: ModelFigures, meta: Mapping[int, Mapping[str, Any]], n: int
) -> list[FailureExample]:
    t, tab = f.threshold.value, f.table
    alert = tab.best_counted >= t
    missed = np.flatnonzero(tab.positive & ~alert)
    false = np.flatnonzero(~tab.positive & alert)
    missed = missed[np.argsort(tab.confidence[missed], kind="stable")]  # least confident miss first
    false = false[np.argsort(-tab.best_counted[false], kind="stable")]  # most confident false alert first
    order: list[tuple[int, str]] = []
    for i in range(max(missed.size, false.size)):
        if i < missed.size:
            order.append((int(missed[i]), "missed"))
        if i < false.size:
            order.append((int(false[i]), "false alert"))
    names = {int(c["id"]): str(c["name"]) for c in inputs.gt.get("categories", [])}
    out = []
    for row, kind in order[:n]:
        img = int(tab.image_ids[row])
        gt = [
            (names.get(int(a["category_id"]), "?"), [float(v) for v in a["bbox"]])
            for a in inputs.gt.get("annotations", [])
            if int(a["image_id"]) == img
        ]
        dts = sorted((d for d in inputs.dt if int(d["image_id"]) == img), key=lambda d: -float(d["score"]))
        shown = [d for d in dts if float(d["score"]) >= t] or dts[:1]
        dt = [(names.get(int(d["category_id"]), "?"), [float(v) for v in d["bbox"]], float(d["score"])) for d in shown]
        out.append(FailureExample(img, kind, float(tab.confidence[row]), gt, dt, dict(meta.get(img, {}))))
    return out


def assess(inputs: ReadinessInputs, policy: ReadinessPolicy) -> ReadinessResult:
    """Judge a candidate model against a readiness policy; every figure comes from ``truthline.metrics``."""
    meta = inputs.metadata()
    fig = model_figures(inputs.gt, inputs.dt, inputs.probes, inputs.latency, meta, policy)
    base = None
    if inputs.baseline is not None:
        b = inputs.baseline
        base = model_figures(inputs.gt, b.dt, b.probes, b.latency, meta, policy)
    prov = _provenance(inputs, policy, meta)
    gates = judge_gates(policy, fig, base, prov)
    flags = _flags(policy, fig, gates)
    return ReadinessResult(
        policy=policy,
        model=dict(inputs.model),
        dataset=dict(inputs.dataset),
        candidate=fig,
        baseline=base,
        baseline_model=dict(inputs.baseline.model) if inputs.baseline is not None else {},
        provenance=prov,
        gates=gates,
        checklist=_checklist(policy, inputs, fig, prov, flags),
        flags=flags,
        failures=_failures(inputs, fig, meta, policy.report.examples),
    )


def worst_failures(result: ReadinessResult, n: int | None = None) -> list[int]:
    """Image ids whose thumbnails the report wants (worst misses and false alerts, interleaved)."""
    ids = [f.image_id for f in result.failures]
    return ids if n is None else ids[:n]

"""assess(): figures through truthline.metrics, gates, verdict, checklist, worst failures."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from truthline import metrics as tm
from truthline.readiness import BaselineRun, assess, parse_policy, worst_failures
from truthline.readiness.figures import auroc, class_indices, group_at, group_sweep, image_table

BLOCKING_FAILS = {"max_slice_gap[lighting]", "min_probe_confidence_auroc[defocus]", "max_probe_drop[defocus]"}


def _failed(result: Any) -> set[str]:
    return {g.name for g in result.gates if g.status == "fail"}


def test_a_good_model_passes(scene: Any, policy: Any, build: Any) -> None:
    r = assess(build(scene, good=True), policy)
    assert r.verdict == "pass"
    assert r.exit_code == 0
    assert {g.status for g in r.gates} == {"pass", "skipped"}
    assert next(g for g in r.gates if g.kind == "max_baseline_regression").status == "skipped"
    assert not any("silently" in f for f in r.flags)


def test_a_night_blind_silently_confident_model_fails_exactly_those_gates(scene: Any, policy: Any, build: Any) -> None:
    r = assess(build(scene, good=False), policy)
    assert r.verdict == "fail"
    assert r.exit_code == 1
    assert _failed(r) == BLOCKING_FAILS
    gap = next(g for g in r.gates if g.kind == "max_slice_gap")
    assert "lighting=night" in gap.evidence
    assert gap.value is not None and gap.value > 10
    assert any(f.startswith("slice lighting=night") for f in r.flags)
    assert any(f.startswith("probe defocus@") and "silently" in f for f in r.flags)


def test_a_warn_gate_flags_without_failing(scene: Any, policy_data: dict[str, Any], build: Any) -> None:
    for g in policy_data["gates"]:
        if g["kind"] in ("max_slice_gap", "min_probe_confidence_auroc", "max_probe_drop"):
            g["on_fail"] = "warn"
    r = assess(build(scene, good=False), parse_policy(policy_data))
    assert r.verdict == "pass"
    assert {g.name for g in r.gates if g.status == "warn"} == BLOCKING_FAILS
    assert all(not g.passed for g in r.gates if g.status == "warn")


def test_group_figures_agree_with_the_metrics_engine(scene: Any, build: Any) -> None:
    inputs = build(scene, good=True)
    match = tm.match_coco(scene.gt, inputs.dt)
    cls = class_indices(match, None)
    table = image_table(match, cls, 0.5)
    mine = group_at(table, 0.5, 0.02, 20000)
    ref = tm.production_figures(match, 0.5, 0.02, volume_per_day=20000)
    assert mine.production is not None
    assert mine.production.tpr == ref.tpr
    assert mine.production.fpr == ref.fpr
    assert mine.production.precision == ref.precision
    # a two-class group: the sweep's image counts equal the image table at every threshold
    two = class_indices(match, ["scratch", "dent"])
    sw = group_sweep(match, two, 0.5)
    t2 = image_table(match, two, 0.5)
    for i in range(0, sw.thresholds.size, 7):
        g = group_at(t2, float(sw.thresholds[i]), 0.02)
        assert (g.tp, g.fp) == (sw.images_alert_positive[i], sw.images_alert_negative[i])
    # one class: the engine's own sweep
    one = group_sweep(match, class_indices(match, ["dent"]), 0.5)
    ref_one = tm.sweep(match, 0.5, "dent")
    assert np.array_equal(one.images_alert_positive, ref_one.images_alert_positive)


def test_auroc_is_the_rank_statistic() -> None:
    rng = np.random.default_rng(0)
    clean = np.round(rng.uniform(0, 1, 50), 1)  # ties on purpose
    bad = np.round(rng.uniform(0, 0.8, 40), 1)
    want = roc_auc_score(np.r_[np.ones(50), np.zeros(40)], np.r_[clean, bad])
    assert auroc(clean, bad) == pytest.approx(want, abs=1e-12)
    assert auroc(clean, np.zeros(0)) is None


def test_auto_threshold_is_the_recommended_one(scene: Any, policy_data: dict[str, Any], build: Any) -> None:
    policy_data["threshold"] = "auto"
    policy_data["target"] = {"min_recall": 0.9}
    r = assess(build(scene, good=True), parse_policy(policy_data))
    thr = r.candidate.threshold
    assert thr.source == "recommended"
    assert thr.value == thr.recommended.threshold
    assert r.candidate.group.recall is not None and r.candidate.group.recall >= 0.9
    base = next(c for c in r.checklist if c.key == "base_rates")
    assert base.status == "answered"


def test_baseline_regression_and_comparison(scene: Any, policy: Any, build: Any) -> None:
    good = build(scene, good=True)
    bad = build(scene, good=False, baseline=BaselineRun(dt=good.dt, model={"id": "mdl_champion"}))
    r = assess(bad, policy)
    gate = next(g for g in r.gates if g.kind == "max_baseline_regression")
    assert r.baseline is not None
    want = r.baseline.summary["AP50"] - r.candidate.summary["AP50"]
    assert gate.status == "fail"
    assert gate.value == pytest.approx(want)
    row = next(c for c in r.comparison() if c["metric"] == "ap50")
    assert row["delta"] == pytest.approx(-want)
    assert next(c for c in r.checklist if c.key == "baseline").status == "answered"


def test_provenance_and_near_duplicates(scene: Any, policy: Any, build: Any) -> None:
    inputs = build(scene, good=True)
    ids = [im["id"] for im in scene.gt["images"]]
    prov = {i: ("lab-bench" if i % 10 == 0 else "cam1") for i in ids}
    dupes = [(3, 9001, 2.0), (3, 9002, 4.0), (7, 9003, 12.0)]
    r = assess(dataclasses.replace(inputs, provenance=prov, near_duplicates=dupes), policy)
    share = next(g for g in r.gates if g.kind == "min_provenance_share")
    dup = next(g for g in r.gates if g.kind == "max_near_duplicates")
    assert share.status == "fail"
    assert share.value == pytest.approx(1 - len([i for i in ids if i % 10 == 0]) / len(ids))
    assert dup.status == "fail"
    assert dup.value == 2
    r2 = assess(dataclasses.replace(inputs, near_duplicates=None), policy)
    dup2 = next(g for g in r2.gates if g.kind == "max_near_duplicates")
    assert dup2.status == "not measured"
    assert r2.verdict == "fail"  # a gate that cannot be checked is not passed
    assert next(c for c in r2.checklist if c.key == "provenance").status == "partial"


def test_worst_failures_are_misses_and_false_alerts(scene: Any, policy: Any, build: Any) -> None:
    r = assess(build(scene, good=False), policy)
    ids = worst_failures(r, 4)
    assert len(ids) == 4
    tab = r.candidate.table
    t = r.candidate.threshold.value
    for ex in r.failures:
        row = int(np.flatnonzero(tab.image_ids == ex.image_id)[0])
        alerted = tab.best_counted[row] >= t
        assert (ex.kind == "missed") == (tab.positive[row] and not alerted)
        assert (ex.kind == "false alert") == (not tab.positive[row] and alerted)
    assert r.failures[0].kind == "missed"
    assert r.failures[0].gt_boxes


def test_no_detections_at_all(scene: Any, policy: Any, build: Any) -> None:
    inputs = dataclasses.replace(build(scene, good=True), dt=[], probes=[])
    r = assess(inputs, policy)
    assert r.candidate.summary["AP50"] == 0.0
    assert r.candidate.group.recall == 0.0
    statuses = {g.kind: g.status for g in r.gates}
    assert statuses["max_ece"] == "not measured"
    assert statuses["min_probe_confidence_auroc"] == "not measured"
    assert r.verdict == "fail"


def test_to_dict_is_strict_json(scene: Any, policy: Any, build: Any) -> None:
    r = assess(build(scene, good=False), policy)
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["verdict"] == "fail"
    assert d["checklist_score"] == r.checklist_score == "5/8 answered"
    assert len(d["candidate"]["probes"]) == 3
    assert d["candidate"]["slices"]["lighting"][1]["value"] == "night"

"""`truthline ready`: run a model on a version's evaluation split, clean and under probes, time it, check
provenance and leakage, judge it against a policy, and store the verdict as an Evaluation with its report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from truthline.domain.errors import UserInputError
from truthline.domain.ids import Kind, new_id
from truthline.store import models as model_rows
from truthline.store.events import log_event
from truthline.workflows.inference import load_registered, predict_split
from truthline.workflows.samples import SplitData, load_split, parse_data_ref

if TYPE_CHECKING:
    from truthline.models import Detector
    from truthline.readiness import ProbeRun, ReadinessPolicy
    from truthline.workflows.workspace import Workspace

Say = Callable[[str], Any]
EVAL_SCORE_FLOOR = 0.01  # keep low-scoring detections: the sweep, threshold and reliability diagram need them
SCENE_CONDITIONS = {"novel", "redesign"}  # change the scene itself: measured on synth data, not as probes


def _quiet(_: str) -> None:
    return None


def _low_floor(adapter: Detector) -> Detector:
    """The same adapter keeping detections down to EVAL_SCORE_FLOOR (when it lets us set its floor)."""
    post = getattr(adapter, "postprocess", None)
    if post is not None and post.score_threshold > EVAL_SCORE_FLOOR:
        adapter.postprocess = post.model_copy(update={"score_threshold": EVAL_SCORE_FLOOR})  # type: ignore[attr-defined]
    return adapter


def run_probes(adapter: Detector, split: SplitData, policy: ReadinessPolicy, say: Say = _quiet) -> list[ProbeRun]:
    """Each policy probe at each severity on the same chosen evaluation images (seeded)."""
    from truthline.readiness import ProbeRun, probe_image_ids
    from truthline.synth import parse_condition
    from truthline.synth.corruptions import apply_condition_with_boxes
    from truthline.workflows.inference import category_ids

    by_id = {split.image_ids[r.name]: r for r in split.records}
    truth: dict[int, list[Any]] = {}
    for a in split.coco_gt["annotations"]:
        truth.setdefault(a["image_id"], []).append(a["bbox"])
    cats = category_ids(split, adapter.class_names)
    runs: list[ProbeRun] = []
    for p, spec in enumerate(policy.probes):
        cond = parse_condition(spec.condition)
        if cond.name in SCENE_CONDITIONS:
            say(f"   probe {spec.condition}: changes the scene itself; evaluate synth data made with it instead")
            continue
        ids = probe_image_ids(split.coco_gt, policy, spec.max_images, seed=p)
        images = {i: split.image(by_id[i]) for i in ids}
        for severity in spec.severities:
            rng = np.random.default_rng([p, int(severity * 1000)])
            moved: dict[int, np.ndarray] = {}
            corrupted = []
            for i in ids:
                boxes = np.array(truth.get(i, []), np.float64).reshape(-1, 4)
                img, new_boxes, _ = apply_condition_with_boxes(
                    images[i], boxes, cond.name, float(severity), rng, variant=cond.variant, params=cond.params
                )
                corrupted.append(img)
                if cond.name == "displacement":
                    moved[i] = new_boxes
            dt: list[dict[str, Any]] = []
            for k in range(0, len(ids), 8):
                for i, dets in zip(ids[k : k + 8], adapter.predict(corrupted[k : k + 8]), strict=True):
                    dt += dets.to_coco(i, cats)
            gt = _moved_gt(split.coco_gt, moved) if moved else None
            runs.append(ProbeRun(spec.condition, float(severity), ids, dt, gt))
        say(f"   probe {spec.condition}: {len(ids)} images × severities {spec.severities}")
    return runs


def _moved_gt(gt: dict[str, Any], moved: dict[int, np.ndarray]) -> dict[str, Any]:
    anns, seen = [], {i: 0 for i in moved}
    for a in gt["annotations"]:
        i = a["image_id"]
        if i in moved:
            x, y, w, h = (float(v) for v in moved[i][seen[i]])
            seen[i] += 1
            a = {**a, "bbox": [x, y, w, h], "area": w * h}
        anns.append(a)
    return {**gt, "annotations": anns}


def latency(adapter: Detector, split: SplitData, policy: ReadinessPolicy) -> dict[int, list[float]]:
    """Wall milliseconds of each timed call per batch size, on the evaluation images."""
    from truthline.models import bench

    images = [split.image(r) for r in split.records[: max(policy.latency.batch_sizes) * 2]]
    runs = bench(adapter, images, policy.latency.batch_sizes, n=policy.latency.n, warmup=policy.latency.warmup)
    return {b.batch_size: list(b.samples_ms) for b in runs}


def near_duplicates(ws: Workspace, split: SplitData) -> list[tuple[int, int, float]]:
    """Evaluation images that (near-)duplicate a training image of the same version."""
    from truthline.qa import leakage
    from truthline.workflows.leakage import COMMIT_MAX_DISTANCE, hash_matrix

    train = load_split(ws, split.version, "train")
    test_shas = [r.path.name for r in split.records if r.path is not None]
    train_shas = [r.path.name for r in train.records if r.path is not None]

    result = leakage(
        hash_matrix(ws, train_shas),
        hash_matrix(ws, test_shas),
        train_names=[r.name for r in train.records],
        test_names=[r.name for r in split.records],
        max_distance=COMMIT_MAX_DISTANCE,
    )
    train_index = {r.name: k for k, r in enumerate(train.records)}
    return [
        (
            split.image_ids[str(i.image)],
            train_index.get(str(i.detail.get("other")), -1),
            float(i.detail.get("distance", 0)),
        )
        for i in result.issues
    ]


def ready(
    ws: Workspace,
    model_id: str,
    data: str,
    policy_path: Path,
    out: Path,
    *,
    baseline: str | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Judge a model against a readiness policy; write report.html, readiness.json, summary.md; store it."""
    from truthline.readiness import (
        BaselineRun,
        ReadinessInputs,
        ReadinessPolicy,
        assess,
        render_html,
        render_markdown,
        worst_failures,
    )

    policy = ReadinessPolicy.from_yaml(policy_path)
    version, split_name = parse_data_ref(data)
    split = load_split(ws, version, split_name or policy.split)
    meta = {split.image_ids[r.name]: r.metadata for r in split.records}

    def measure(mid: str) -> tuple[Any, list[dict[str, Any]], list[ProbeRun], dict[int, list[float]]]:
        row, adapter = load_registered(ws, mid)
        adapter = _low_floor(adapter)
        say(f"   {mid}: predicting {len(split.records)} images of {split.version}:{split.split}")
        dt = predict_split(adapter, split)
        probes = run_probes(adapter, split, policy, say)
        return row, dt, probes, latency(adapter, split, policy)

    row, dt, probes, lat = measure(model_id)
    champion = None
    if baseline:
        brow, bdt, bprobes, blat = measure(baseline)
        champion = BaselineRun(bdt, bprobes, blat, {"id": baseline, "name": brow.name})
    inputs = ReadinessInputs(
        gt=split.coco_gt,
        dt=dt,
        probes=probes,
        latency=lat,
        near_duplicates=near_duplicates(ws, split),
        image_meta=meta,
        baseline=champion,
        model={"id": model_id, "name": row.name, "training_run": row.training_run_id},
        dataset={"id": split.version, "split": split.split},
    )
    result = assess(inputs, policy)
    by_id = {split.image_ids[r.name]: r for r in split.records}
    thumbs = {i: Path(str(by_id[i].path)).read_bytes() for i in worst_failures(result, policy.report.examples)}
    html = render_html(result, thumbs)
    report = result.to_dict()
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.html").write_text(html, encoding="utf-8")
    (out / "readiness.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (out / "summary.md").write_text(render_markdown(result), encoding="utf-8")
    blob = ws.blobs.put_bytes(html.encode("utf-8"))
    eid = new_id(Kind.EVALUATION)
    with ws.transaction() as conn:
        from truthline.store.images import ensure_blobs

        ensure_blobs(conn, [(blob, len(html.encode("utf-8")), "text/html")])
        model_rows.insert_evaluation(
            conn,
            {
                "id": eid,
                "model_version_id": model_id,
                "dataset_version_id": split.version,
                "split": split.split,
                "policy": policy.model_dump(mode="json"),
                "metrics": report,
                "verdict": result.verdict,
                "report_blob": blob,
                "actor": ws.actor,
            },
        )
        log_event(conn, ws.actor, eid, "evaluation.created", model=model_id, verdict=result.verdict, baseline=baseline)
    if not result.gates:
        raise UserInputError("the policy has no gates, so nothing was judged", where=str(policy_path))
    return {
        "evaluation": eid,
        "verdict": result.verdict,
        "exit_code": result.exit_code,
        "checklist": result.checklist_score,
        "gates": [
            {"name": g.name, "status": g.status, "value": g.value, "threshold": g.threshold} for g in result.gates
        ],
        "report": str(out / "report.html"),
        "json": str(out / "readiness.json"),
        "markdown": str(out / "summary.md"),
    }

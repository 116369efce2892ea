"""`truthline demo`: the whole loop on generated data, narrated as it runs.

Story: an inspection line with three daylight cameras. A detector trained on daylight data passes in
distribution but fails its readiness gate on the night slice; label QA finds the label errors hidden in the
data and a reviewer fixes them; night images are added, the detector is retrained, passes, and is promoted
with its evaluation as evidence. Every step lands in one lineage graph.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from truthline.domain.errors import ConflictError, UserInputError
from truthline.workflows.workspace import Workspace

MARKER = "TRUTHLINE_DEMO"
Say = Callable[[str], Any]

#: (camera, seed, images, conditions, split). Daylight cameras for training, the production camera for test.
DAYLIGHT = [
    ("cam2", 11, 350, [], "train=0.8,val=0.2"),
    ("cam3", 12, 350, ["lighting=afternoon:0.3"], "train=0.8,val=0.2"),
]
TEST = [("cam1", 21, 120, [], "test=1"), ("cam1", 22, 120, ["lighting=night:0.6"], "test=1")]
NIGHT = [("cam2", 31, 300, ["lighting=night:0.6"], "train=0.8,val=0.2")]
DEFECT_RATE = 0.5  # training and test sets oversample defects; the policy re-weights to the line's 2%
TRAIN = {"epochs": 14, "seed": 0}
INJECT = {"wrong_class": 0.04, "missing_box": 0.04, "spurious_box": 0.02, "bad_localisation": 0.04}

POLICY = """\
# Readiness policy of the demo line (see docs/readiness.md; `truthline schema readiness`).
name: inspection-line-1
split: test
positive: {name: defect, classes: [scratch, dent, missing_component, contamination]}
threshold: 0.3
target: {min_recall: 0.90}
production: {prevalence: 0.02, volume_per_day: 20000, provenance_key: camera, production_values: [cam1]}
slices: [lighting]
probes:
  - {condition: defocus, severities: [0.3, 0.6], max_images: 60}
  - {condition: noise, severities: [0.3, 0.6], max_images: 60}
  - {condition: jpeg, severities: [0.5], max_images: 60}
  - {condition: displacement, severities: [0.5], max_images: 60}
latency: {batch_sizes: [1, 8], n: 40, warmup: 5}
gates:
  - {kind: min_recall, min: 0.80}
  - {kind: max_fpr, max: 0.20}
  - {kind: min_ap50, min: 0.5}
  - {kind: max_slice_gap, key: lighting, metric: ap50, points: 15}
  - {kind: max_probe_drop, probes: [defocus], metric: ap50, points: 10, on_fail: warn}
  - {kind: min_probe_confidence_auroc, min: 0.6, when_drop_points: 10, on_fail: warn}
  - {kind: max_latency_p95_ms, batch: 1, max: 200}
  - {kind: max_ece, max: 0.25, on_fail: warn}
  - {kind: min_provenance_share, min: 1.0}
  - {kind: max_near_duplicates, max: 0, on_fail: warn}  # look-alike clean parts of a fixed camera are flagged
  - {kind: max_baseline_regression, metric: ap50, max: 0.01}
"""


def _fresh(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise UserInputError(
                f"{out} exists and is not a truthline demo folder", fix="pass --out with a new or empty folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("created by `truthline demo`; safe to delete\n")


def _synth(
    ws: Workspace, batches: Sequence[tuple[str, int, int, list[str], str]], say: Say, inject: bool = False
) -> list[Any]:
    """Generate each batch into the workspace; with ``inject``, hide label errors in the first batch."""
    from truthline.domain.splits import parse_split_spec
    from truthline.qa import inject_synth
    from truthline.synth import ImagePlan
    from truthline.workflows.synth import write_to_workspace

    injected: list[Any] = []
    for k, (camera, seed, n, conditions, split) in enumerate(batches):
        plan = ImagePlan.build("inspection", seed=seed, camera=camera, defect_rate=DEFECT_RATE, conditions=conditions)
        records = [plan.record(i) for i in range(n)]
        if inject and k == 0:
            records, injected = inject_synth(records, plan.taxonomy.box_names, rates=INJECT, seed=seed)
        info = write_to_workspace(ws, records, plan.taxonomy, split=parse_split_spec(split), seed=seed)
        what = " ".join(conditions) or "daylight"
        say(f"   {camera} {what}: {info['images']} images, {info['annotations']} labels → {split.split('=')[0]}…")
    return injected


def run_demo(out: Path, say: Say = print) -> dict[str, Any]:
    """Build a demo workspace in ``out`` and walk the loop; returns the ids it made."""
    from truthline.workflows.qa import apply_decisions, run_qa
    from truthline.workflows.readiness import ready
    from truthline.workflows.registry import promote
    from truthline.workflows.training import train_builtin

    t0 = time.perf_counter()
    out = out.resolve()
    _fresh(out)
    policy = out / "readiness.yaml"
    policy.write_text(POLICY)
    say(f"[bold]1. workspace[/] {out}/.truthline (SQLite + content-addressed blobs)")
    ws = Workspace.init(out)
    result: dict[str, Any] = {"workspace": str(out)}
    try:
        say("[bold]2. synth[/] an inspection line: scratch/dent/missing/contamination defects with exact boxes")
        injected = _synth(ws, DAYLIGHT, say, inject=True)
        _synth(ws, TEST, say)
        v1 = ws.commit("daylight training data; day and night test shifts from the production camera")
        result["v1"] = v1["id"]
        shown = ws.show(v1["id"])
        splits = {s: e["images"] for s, e in shown["stats"]["splits"].items()}
        say(f"   committed {v1['id']}: {v1['n_images']} images, {v1['n_annotations']} annotations, splits {splits}")
        say(f"   slice keys from the synth conditions: {', '.join(sorted(shown['stats']['slices']))}")

        say(f"[bold]3. train[/] the built-in detector on {v1['id']}:train, validated on :val")
        m1 = train_builtin(ws, v1["id"], name="inspection-detector", config=TRAIN, say=say)
        result["model_1"] = m1["model"]
        node = ws.lineage(m1["model"])
        say(
            f"   {m1['model']} ← run {node['up']['training_run']} ← {node['up']['dataset_version']} ← taxonomy "
            f"{node['up']['taxonomy']} ← annotators {node['up']['annotators']}"
        )
        promote(ws, m1["model"], "candidate")
        try:
            promote(ws, m1["model"], "production")
        except ConflictError as exc:
            say(f"   promotion to production refused: {exc.what}")

        say(f"[bold]4. ready[/] {m1['model']} against {policy.name} on {v1['id']}:test")
        r1 = ready(ws, m1["model"], f"{v1['id']}:test", policy, out / "readiness-1", say=say)
        _say_verdict(r1, say)
        result["evaluation_1"] = r1

        say(f"[bold]5. label QA[/] of {v1['id']} with {m1['model']}'s predictions")
        qa = run_qa(ws, v1["id"], out / "qa", predictions=m1["model"], min_score=0.3, say=say)
        decisions = _review(out / "qa" / "qa.json", injected, say)
        (out / "decisions.json").write_text(json.dumps(decisions, indent=2))
        applied = apply_decisions(ws, out / "decisions.json")
        say(f"   reviewer {applied['reviewer']} applied {applied['applied']} (decisions.json); report {qa['report']}")

        say("[bold]6. more data[/] night images from a training camera")
        _synth(ws, NIGHT, say)
        v2 = ws.commit("night images; label fixes from QA review")
        result["v2"] = v2["id"]
        d = ws.diff(v1["id"], v2["id"])
        say(
            f"   {v2['id']}: +{len(d['images_added'])} images, {len(d['annotations_changed'])} annotations changed, "
            f"{len(d['annotations_removed'])} removed, {len(d['annotations_added'])} added (diff {v1['id']} {v2['id']})"
        )

        say(f"[bold]7. retrain[/] on {v2['id']} and judge again, against {m1['model']} as the champion")
        m2 = train_builtin(ws, v2["id"], name="inspection-detector", config=TRAIN, say=say)
        result["model_2"] = m2["model"]
        r2 = ready(ws, m2["model"], f"{v2['id']}:test", policy, out / "readiness-2", baseline=m1["model"], say=say)
        _say_verdict(r2, say)
        result["evaluation_2"] = r2
        promote(ws, m2["model"], "candidate")
        if r2["verdict"] == "pass":
            p = promote(ws, m2["model"], "production")
            say(f"   {m2['model']} promoted to production on evidence {p['evidence']}")
        result["round_trip"] = _round_trip(ws, out, v2["id"], say)
    finally:
        ws.close()
    say(
        f"done in {time.perf_counter() - t0:.0f} s. Look around: cd {out} && truthline model list && "
        f"truthline lineage {result.get('model_2', '')}; open readiness-1/report.html and qa/report.html"
    )
    return result


def _say_verdict(r: dict[str, Any], say: Say) -> None:
    colour = "green" if r["verdict"] == "pass" else "red"
    say(f"   [bold {colour}]{r['verdict'].upper()}[/] {r['evaluation']} (checklist {r['checklist']}), {r['report']}")
    for g in r["gates"]:
        if g["status"] != "pass":
            say(f"     {g['status']}: {g['name']} = {g['value']} (threshold {g['threshold']})")


def _review(qa_json: Path, injected: list[Any], say: Say) -> dict[str, Any]:
    """A reviewer accepts the QA suggestions on the candidates that are real errors (here: the injected ones)."""
    doc = json.loads(qa_json.read_text())
    issues = [i for c in doc["checks"] if c["check"] == "label_errors" for i in c["issues"]]
    truth = {(e.image, e.kind) for e in injected}
    found = {(i["image"], i["kind"]) for i in issues} & truth
    by_kind: dict[str, list[int]] = {}
    for e in injected:
        by_kind.setdefault(e.kind, [0, 0])[0] += 1
        by_kind[e.kind][1] += (e.image, e.kind) in found
    say("   injected errors found: " + ", ".join(f"{k} {f}/{n}" for k, (n, f) in sorted(by_kind.items())))
    decisions: list[dict[str, Any]] = []
    done: set[tuple[str, str]] = set()
    for i in issues:
        key = (i["image"], i["kind"])
        if key not in found or key in done:
            continue
        done.add(key)
        if i["kind"] == "missing_box":
            decisions.append(
                {"action": "add", "image": i["image"], "label": i["suggested_label"], "bbox": i["suggested_bbox"]}
            )
        elif i["kind"] == "spurious_box":
            decisions.append({"action": "delete", "annotation_id": i["annotation_id"]})
        elif i["kind"] == "wrong_class":
            decisions.append({"action": "relabel", "annotation_id": i["annotation_id"], "label": i["suggested_label"]})
        elif i["kind"] == "bad_localisation":
            decisions.append({"action": "move", "annotation_id": i["annotation_id"], "bbox": i["suggested_bbox"]})
    return {"reviewer": "demo-reviewer", "decisions": decisions}


def _round_trip(ws: Workspace, out: Path, version: str, say: Say) -> dict[str, bool]:
    """Export the version to COCO and YOLO, re-import each into a fresh workspace, compare the box sets."""
    from truthline.workflows.transfer import version_content

    def boxes(content: Any) -> set[tuple[str, str, tuple[float, ...]]]:
        return {
            (img.name.rsplit("/", 1)[-1], lab.label, tuple(round(v, 3) for v in lab.bbox))
            for img in content.images
            for lab in img.labels
            if lab.bbox is not None
        }

    say("[bold]8. formats[/] export to COCO and YOLO, re-import each into a fresh workspace, compare the boxes")
    _, content = version_content(ws, version)
    ours = boxes(content)
    same: dict[str, bool] = {}
    for fmt in ("coco", "yolo"):
        folder = out / "exports" / fmt
        _, report = ws.export_dataset(version, fmt, folder)
        with Workspace.init(out / "reimport" / fmt) as other:
            if fmt == "coco":
                for split_file in sorted((folder / "annotations").glob("instances_*.json")):
                    split = split_file.stem.removeprefix("instances_")
                    other.import_dataset(fmt, split_file, images=folder / "images" / split)
            else:
                other.import_dataset(fmt, folder)
            _, back = version_content(other, other.commit(f"re-import of {fmt} export")["id"])
        same[fmt] = boxes(back) == ours
        lost = "; ".join(f"{e.what} ×{e.count}" for e in report.entries) or "nothing"
        say(f"   {fmt}: re-imported boxes identical: {same[fmt]}; loss report: {lost}")
    return same

"""Train, register, predict, judge, review and promote on a tiny synth dataset, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from truthline.domain.errors import ConflictError, UserInputError
from truthline.domain.splits import parse_split_spec
from truthline.synth import ImagePlan
from truthline.workflows.inference import predict
from truthline.workflows.qa import apply_decisions, run_qa
from truthline.workflows.readiness import ready
from truthline.workflows.registry import promote, register_source, show_model
from truthline.workflows.synth import write_to_workspace
from truthline.workflows.training import rerun, train_builtin
from truthline.workflows.workspace import Workspace

TINY = {"epochs": 1, "seed": 0, "batch_size": 8, "input_size": [64, 64], "width": 8}
POLICY = """
name: tiny
split: test
positive: {name: defect, classes: [scratch, dent, missing_component, contamination]}
threshold: 0.3
production: {prevalence: 0.02, volume_per_day: 1000, provenance_key: camera, production_values: [cam9]}
slices: [lighting]
probes:
  - {condition: defocus, severities: [0.5], max_images: 6}
  - {condition: displacement, severities: [0.5], max_images: 6}
latency: {batch_sizes: [1], n: 3, warmup: 1}
gates:
  - {kind: min_provenance_share, min: 1.0}
  - {kind: max_latency_p95_ms, batch: 1, max: 100000}
"""


def _data(ws: Workspace) -> str:
    for camera, seed, n, split in (("cam1", 1, 24, "train=0.7,val=0.3"), ("cam9", 2, 10, "test=1")):
        plan = ImagePlan.build("inspection", seed=seed, camera=camera, defect_rate=0.6, width=96, height=96)
        write_to_workspace(ws, [plan.record(i) for i in range(n)], plan.taxonomy, split=parse_split_spec(split))
    return str(ws.commit("tiny")["id"])


def test_train_predict_ready_promote(ws: Workspace, tmp_path: Path) -> None:
    vid = _data(ws)
    shown = ws.show(vid)
    assert {s: e["images"] for s, e in shown["stats"]["splits"].items()} == {"test": 10, "train": 17, "val": 7}
    trained = train_builtin(ws, vid, name="det", config=TINY)
    mid = trained["model"]
    node = ws.lineage(mid)
    assert node["up"]["dataset_version"] == vid and node["up"]["annotators"] == ["synth"]
    run = ws.lineage(node["up"]["training_run"])
    assert run["summary"]["status"] == "finished" and run["down"]["models"] == [mid]
    assert run["summary"]["config"]["trainer"]["preprocess"]["input_size"] == [64, 64]
    assert ws.lineage(vid)["down"]["models"] == [mid]

    out = tmp_path / "pred.json"
    info = predict(ws, mid, f"{vid}:test", out, gt_out=tmp_path / "gt.json")
    results = json.loads(out.read_text())
    gt = json.loads((tmp_path / "gt.json").read_text())
    assert info["images"] == 10 and len(gt["images"]) == 10
    assert {r["image_id"] for r in results} <= {i["id"] for i in gt["images"]}

    promote(ws, mid, "candidate")
    with pytest.raises(ConflictError):
        promote(ws, mid, "production")
    (tmp_path / "policy.yaml").write_text(POLICY)
    verdict = ready(ws, mid, f"{vid}:test", tmp_path / "policy.yaml", tmp_path / "ready")
    assert verdict["verdict"] == "pass", verdict["gates"]
    html = (tmp_path / "ready" / "report.html").read_text()
    assert "<svg" in html and 'src="http' not in html
    assert "tiny" in (tmp_path / "ready" / "summary.md").read_text()
    assert show_model(ws, mid)["evaluations"][0]["verdict"] == "pass"
    assert promote(ws, mid, "production")["evidence"] == verdict["evaluation"]

    from truthline.synth import parse_schedule, write_video
    from truthline.workflows.benchmark import benchmark

    side = benchmark(ws, [mid, mid], f"{vid}:test", tmp_path / "bench", threshold=0.3)
    a, b = side["models"]
    assert a["tp"] + a["fn"] == sum(1 for x in gt["annotations"]) and a == b  # same model, same figures
    assert "<table>" in (tmp_path / "bench" / "report.html").read_text()
    schedule = parse_schedule({"scenario": "inspection", "frames": 12, "fps": 4, "width": 96, "height": 96, "seed": 3})
    video = write_video(schedule, tmp_path / "line.mp4")
    frames = benchmark(ws, [mid], str(video.path), tmp_path / "vbench", threshold=0.3)["models"][0]
    assert len(frames["per_frame"]["tp"]) == 12 and frames["tracks"]["tracks"] >= 0
    truth = sum(len(json.loads(line)["annotations"]) for line in video.ground_truth_path.read_text().splitlines())
    assert frames["tp"] + frames["fn"] == truth

    again = rerun(ws, node["up"]["training_run"])
    figures = {k: v for k, v in trained["metrics"].items() if k != "seconds"}
    assert again["model"] != mid  # a new run and model from the same record: same seed, same figures
    assert {k: v for k, v in again["metrics"].items() if k != "seconds"} == figures


def test_serving_spec_must_match_the_training_spec(ws: Workspace, tmp_path: Path) -> None:
    vid = _data(ws)
    mid = train_builtin(ws, vid, name="det", config=TINY)["model"]
    from truthline.store.schema import model_versions

    with ws.transaction() as conn:
        row = conn.execute(model_versions.select().where(model_versions.c.id == mid)).first()
        config = {**row.config, "preprocess": {**row.config["preprocess"], "colour": "bgr"}}
        conn.execute(model_versions.update().where(model_versions.c.id == mid).values(config=config))
    with pytest.raises(UserInputError, match="colour"):
        predict(ws, mid, f"{vid}:test", tmp_path / "p.json")


def test_qa_finds_anomalies_and_reviewer_decisions_land_in_the_next_version(ws: Workspace, tmp_path: Path) -> None:
    from truthline.domain.labels import Label
    from truthline.workflows.transfer import version_content

    vid = _data(ws)

    ids: dict[str, list[str]] = {}
    _, content = version_content(ws, vid, ids=ids)
    target = next(r for r in content.images if any(lab.bbox for lab in r.labels))
    ws.add_labels({target.name: [Label.box("dent", 0, 0, 0, 0)]})  # a zero-area box
    v2 = ws.commit("with an anomaly")["id"]
    result = run_qa(ws, v2, tmp_path / "qa")
    assert result["issues"]["anomalies"] >= 1
    doc = json.loads((tmp_path / "qa" / "qa.json").read_text())
    zero = next(i for c in doc["checks"] if c["check"] == "anomalies" for i in c["issues"] if i["kind"] == "zero_area")
    assert zero["image"] == target.name and zero["annotation_id"]
    html = (tmp_path / "qa" / "report.html").read_text()
    assert "data:image" in html and 'src="http' not in html
    box_id = ids[target.name][[lab.bbox is not None for lab in target.labels].index(True)]
    decisions = {
        "reviewer": "amy",
        "decisions": [
            {"action": "delete", "annotation_id": zero["annotation_id"]},
            {"action": "relabel", "annotation_id": box_id, "label": "scratch"},
            {"action": "add", "image": target.name, "label": "dent", "bbox": [1, 1, 5, 5]},
        ],
    }
    (tmp_path / "d.json").write_text(json.dumps(decisions))
    applied = apply_decisions(ws, tmp_path / "d.json")
    assert applied["applied"] == {"delete": 1, "relabel": 1, "add": 1}
    v3 = ws.commit("review")["id"]
    d = ws.diff(v2, v3)
    assert d["annotations_removed"] == [zero["annotation_id"]]
    assert [c["old"] for c in d["annotations_changed"]] == [box_id] and len(d["annotations_added"]) == 1
    assert ws.lineage(d["annotations_added"][0])["summary"]["annotator"] == "amy"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"reviewer": "amy", "decisions": [{"action": "explode", "annotation_id": box_id}]}))
    with pytest.raises(UserInputError, match="unknown action"):
        apply_decisions(ws, bad)
    assert ws.diff(v2, v3) == d  # nothing half-applied


def test_builtin_detector_registers_by_name(ws: Workspace) -> None:
    mid = register_source(ws, "opencv:hog-people")
    info = show_model(ws, mid)
    assert info["format"] == "opencv" and info["config"]["class_names"] == ["person"] and info["blob"] is None


EXTERNAL = """
import json, sys
from pathlib import Path
import torch

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
data, out = Path(args["--data"]), Path(args["--out"])
assert (data / "data.yaml").is_file()
for epoch in (1, 2):
    print(json.dumps({"epoch": epoch, "loss": 1.0 / epoch}))


class Head(torch.nn.Module):  # a YOLOv8-layout output: (1, 4 + C, N) boxes cx, cy, w, h in input pixels
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        box = torch.tensor([[16.0, 16.0, 8.0, 8.0]]).repeat(n, 1)
        cls = torch.zeros(n, 4)
        cls[:, 1] = 0.9
        return torch.cat([box, cls], 1).unsqueeze(-1) + 0 * x.mean()


torch.onnx.export(Head(), torch.zeros(1, 3, 32, 32), out / "model.onnx", input_names=["images"],
                  output_names=["output"], dynamic_axes={"images": {0: "n"}, "output": {0: "n"}}, dynamo=False)
spec = "input_size: [32, 32]\\nmode: letterbox\\ncolour: rgb\\nscale: 0.00392156862745098\\n"
(out / "preprocess.yaml").write_text(spec)
"""


def test_external_trainer_is_recorded_and_its_model_serves(ws: Workspace, tmp_path: Path) -> None:
    import sys

    from truthline.workflows.training import train_external

    vid = _data(ws)
    script = tmp_path / "ext_train.py"
    script.write_text(EXTERNAL)
    result = train_external(
        ws, vid, f"{sys.executable} {script} --data {{data}} --out {{out}}", fmt="yolo", layout="yolov8", name="ext"
    )
    run = ws.lineage(result["run"])
    assert run["summary"]["status"] == "finished" and run["summary"]["config"]["command"].endswith("--out {out}")
    with ws.read() as conn:
        from truthline.store.models import get_run

        metrics = get_run(conn, result["run"]).metrics
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2]
    predict(ws, result["model"], f"{vid}:test", tmp_path / "p.json")
    dets = json.loads((tmp_path / "p.json").read_text())
    assert dets and all(d["bbox"][2] > 0 for d in dets)
    failing = tmp_path / "fail.py"
    failing.write_text("import sys; print('boom', file=sys.stderr); sys.exit(3)")
    with pytest.raises(UserInputError, match="exited 3"):
        train_external(ws, vid, f"{sys.executable} {failing} {{data}} {{out}}", layout="yolov8")

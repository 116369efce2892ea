"""The model loop through the CLI: synth → commit → train → promote refused → ready (exit 1, then 0) → promote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

POLICY = """
name: cli
positive: {{name: defect, classes: [scratch, dent, missing_component, contamination]}}
threshold: 0.3
production: {{prevalence: 0.02, volume_per_day: 1000, provenance_key: camera, production_values: [cam9]}}
latency: {{batch_sizes: [1], n: 3, warmup: 1}}
gates:
  - {{kind: max_latency_p95_ms, batch: 1, max: {latency}}}
"""


def tl(*args: str, cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRUTHLINE_DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "truthline.cli.main", *args], cwd=cwd, capture_output=True, text=True, env=env
    )
    assert proc.returncode == code, (args, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def test_model_commands(tmp_path: Path) -> None:
    tl("init", cwd=tmp_path)
    common = ["--width", "64", "--height", "64", "--defect-rate", "0.6", "--workspace"]
    tl("synth", "images", "--n", "20", "--seed", "1", "--split", "train=0.7,val=0.3", *common, cwd=tmp_path)
    tl("synth", "images", "--n", "8", "--seed", "2", "--split", "test=1", *common, cwd=tmp_path)
    v = json.loads(tl("dataset", "commit", "-m", "tiny", "--json", cwd=tmp_path).stdout)
    trained = json.loads(tl("train", "--epochs", "1", "--name", "det", "--json", cwd=tmp_path).stdout)
    mid = trained["model"]
    models = json.loads(tl("model", "list", "--json", cwd=tmp_path).stdout)
    assert [m["id"] for m in models] == [mid] and models[0]["stage"] == "none"
    tl("model", "promote", mid, "--to", "candidate", cwd=tmp_path)
    refused = tl("model", "promote", mid, "--to", "production", cwd=tmp_path, code=2)
    assert "no passing readiness evaluation" in refused.stderr

    (tmp_path / "strict.yaml").write_text(POLICY.format(latency=0.0001))
    (tmp_path / "loose.yaml").write_text(POLICY.format(latency=100000))
    data = f"{v['id']}:test"
    failed = tl("ready", mid, "--data", data, "--policy", "strict.yaml", "--out", "r1", cwd=tmp_path, code=1)
    assert "FAIL" in failed.stdout
    passed = json.loads(
        tl("ready", mid, "--data", data, "--policy", "loose.yaml", "--out", "r2", "--json", cwd=tmp_path).stdout
    )
    assert passed["verdict"] == "pass" and (tmp_path / "r2" / "report.html").is_file()
    promoted = json.loads(tl("model", "promote", mid, "--to", "production", "--json", cwd=tmp_path).stdout)
    assert promoted["evidence"] == passed["evaluation"]

    bad = tl("ready", mid, "--data", data, "--policy", "missing.yaml", cwd=tmp_path, code=2)
    assert bad.stderr.startswith("error:") and "Traceback" not in bad.stderr
    tl("predict", mid, "--data", data, "--out", "p.json", "--gt-out", "g.json", cwd=tmp_path)
    coco = tl("eval", "coco", "--gt", "g.json", "--dt", "p.json", cwd=tmp_path).stdout
    assert coco.startswith(" Average Precision  (AP) @[ IoU=0.50:0.95")
    rows = json.loads(tl("model", "bench", mid, "--batch", "1,2", "--n", "3", "--json", cwd=tmp_path).stdout)
    assert [r["batch_size"] for r in rows] == [1, 2] and all(r["p95_ms"] >= r["p50_ms"] for r in rows)
    qa = json.loads(tl("qa", "--predictions", mid, "--out", "qa", "--json", cwd=tmp_path).stdout)
    assert "label_errors" in qa["issues"] and (tmp_path / "qa" / "report.html").is_file()
    lineage = json.loads(tl("lineage", mid, "--json", cwd=tmp_path).stdout)
    assert lineage["up"]["dataset_version"] == v["id"]
    schema = json.loads(tl("schema", "readiness", cwd=tmp_path).stdout)
    assert "gates" in schema["properties"]

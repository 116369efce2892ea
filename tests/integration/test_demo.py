"""`truthline demo` runs the loop end to end and leaves a workspace a newcomer can explore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import truthline
from truthline.workflows.registry import list_models, show_model


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "truthline.cli.main", "demo", "--out", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "promotion to production refused" in proc.stdout and "Look around" in proc.stdout
    with truthline.open_workspace(out) as ws:
        versions = ws.log()
        assert len(versions) == 2
        first = ws.show(versions[-1]["id"])
        assert {"camera", "lighting"} <= set(first["stats"]["slices"])
        assert set(first["stats"]["slices"]["camera"]["cam1"]) == {"test"}  # the production camera is the test set
        diff = ws.diff(versions[-1]["id"], versions[0]["id"])
        assert diff["images_added"] and (diff["annotations_changed"] or diff["annotations_removed"])  # QA fixes
        models = {m["id"]: m for m in list_models(ws)}
        assert sorted(m["stage"] for m in models.values()) == ["candidate", "production"]
        verdicts = {mid: [e["verdict"] for e in show_model(ws, mid)["evaluations"]] for mid in models}
        assert sorted(map(tuple, verdicts.values())) == [("fail",), ("pass",)]
        live = next(mid for mid, m in models.items() if m["stage"] == "production")
        assert verdicts[live] == ["pass"]
        assert ws.lineage(live)["up"]["dataset_version"] == versions[0]["id"]
        assert ws.doctor()["ok"]
    for report in ("readiness-1/report.html", "readiness-2/report.html", "qa/report.html"):
        html = (out / report).read_text()
        assert "<html" in html and 'src="http' not in html and 'href="http' not in html
    assert "re-imported boxes identical: True" in proc.stdout
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "precious.txt").write_text("keep me")
    refused = subprocess.run(
        [sys.executable, "-m", "truthline.cli.main", "demo", "--out", str(tmp_path / "mine")],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and (tmp_path / "mine" / "precious.txt").exists()

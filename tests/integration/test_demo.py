"""`truthline demo` runs the loop end to end and leaves a workspace a newcomer can explore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import truthline


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "truthline.cli.main", "demo", "--out", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "lineage" in proc.stdout and "Look around" in proc.stdout
    with truthline.open_workspace(out) as ws:
        versions = ws.log()
        assert len(versions) >= 2
        shown = ws.show(versions[-1]["id"])
        assert {"camera", "lighting"} <= set(shown["stats"]["slices"])
        cams = shown["stats"]["slices"]["camera"]
        assert all(len(splits) == 1 for splits in cams.values())  # a camera never spans two splits
        assert ws.doctor()["ok"]
    again = subprocess.run(
        [sys.executable, "-m", "truthline.cli.main", "demo", "--out", str(out)], capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr  # a demo folder is rebuilt, not refused
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "precious.txt").write_text("keep me")
    refused = subprocess.run(
        [sys.executable, "-m", "truthline.cli.main", "demo", "--out", str(tmp_path / "mine")],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and (tmp_path / "mine" / "precious.txt").exists()

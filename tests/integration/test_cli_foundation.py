"""The CLI end to end in subprocesses: init, add, commit, show, diff, lineage, JSON output and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from builders import write_images, write_meta


def tl(*args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRUTHLINE_DATABASE_URL"}
    proc = subprocess.run(
        [sys.executable, "-m", "truthline.cli.main", *args], cwd=cwd, capture_output=True, text=True, env=env
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_cli_flow_with_json_and_lineage(tmp_path: Path) -> None:
    names = write_images(tmp_path / "imgs", 12)
    write_meta(tmp_path / "meta.csv", {n: {"camera": f"cam{i % 3}", "lighting": "night"} for i, n in enumerate(names)})
    (tmp_path / "tax.yaml").write_text("- name: dent\n  guideline: a dent\n- scratch\n")
    (tmp_path / "anns.jsonl").write_text(
        "".join(
            json.dumps({"image": n, "label": "dent", "bbox": [1, 1, 4, 4], "annotator": "amy"}) + "\n" for n in names
        )
    )
    tl("init", cwd=tmp_path)
    assert (tmp_path / ".truthline" / "truthline.db").is_file()
    sub = tmp_path / "imgs"  # commands find the workspace by walking up
    tl("dataset", "add-images", ".", "--meta", "../meta.csv", cwd=sub)
    tl("taxonomy", "set", "tax.yaml", cwd=tmp_path)
    tl("dataset", "add-annotations", "anns.jsonl", cwd=tmp_path)
    v1 = json.loads(tl("dataset", "commit", "-m", "v1", "--group-by", "camera", "--json", cwd=tmp_path).stdout)
    assert v1["n_images"] == 12 and v1["n_annotations"] == 12
    shown = json.loads(tl("dataset", "show", v1["id"], "--json", cwd=tmp_path).stdout)
    assert shown["stats"]["slices"]["lighting"] == {"night": shown["stats"]["slices"]["lighting"]["night"]}
    assert sum(shown["stats"]["slices"]["lighting"]["night"].values()) == 12
    text = tl("dataset", "show", cwd=tmp_path).stdout
    assert "camera" in text and "cam2" in text
    tl("dataset", "remove", names[0], cwd=tmp_path)
    v2 = json.loads(tl("dataset", "commit", "-m", "v2", "--json", cwd=tmp_path).stdout)
    d = json.loads(tl("dataset", "diff", v1["id"], v2["id"], "--json", cwd=tmp_path).stdout)
    assert d["images_removed"] == [names[0]] and len(d["annotations_removed"]) == 1
    log = json.loads(tl("dataset", "log", "--json", cwd=tmp_path).stdout)
    assert [v["id"] for v in log] == [v2["id"], v1["id"]]
    node = json.loads(tl("lineage", d["annotations_removed"][0], "--json", cwd=tmp_path).stdout)
    assert node["up"]["image"]["name"] == names[0] and node["down"]["dataset_versions"] == [v1["id"]]
    tax = json.loads(tl("taxonomy", "show", "--json", cwd=tmp_path).stdout)
    assert [c["name"] for c in tax["classes"]] == ["dent", "scratch"]
    doc = json.loads(tl("doctor", "--json", cwd=tmp_path).stdout)
    assert doc["ok"] and doc["database"]["dialect"] == "sqlite"


def test_user_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    proc = tl("dataset", "log", cwd=tmp_path, ok=False)
    assert proc.returncode == 2 and "no truthline workspace" in proc.stderr and "Traceback" not in proc.stderr
    tl("init", cwd=tmp_path)
    write_images(tmp_path / "imgs", 2)
    (tmp_path / "bad.csv").write_text("file,camera\nnot_there.png,c1\n")
    cases = [
        ("dataset", "add-images", "imgs", "--meta", "bad.csv"),
        ("dataset", "commit", "-m", "x"),
        ("lineage", "zzz"),
        ("dataset", "commit", "-m", "x", "--split", "train=2"),
        ("taxonomy", "set", "missing.yaml"),
    ]
    for args in cases:
        proc = tl(*args, cwd=tmp_path, ok=False)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(lines) == 1 and lines[0].startswith("error:"), (args, proc.stderr)
    assert "bad.csv:line 2" in tl(*cases[0], cwd=tmp_path, ok=False).stderr
    debug = tl("--debug", "lineage", "zzz", cwd=tmp_path, ok=False)
    assert "Traceback" in debug.stderr

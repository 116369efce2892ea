"""`truthline eval coco` end to end: pycocotools' 12 lines, the operating-point table, slices, JSON, errors."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truthline.cli.eval import app

sys.path.insert(0, str(Path(__file__).parents[1] / "unit" / "metrics"))
from metrics_cases import make_coco, pycoco_eval

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, list[str]]:
    gt, dt = make_coco(41, n_img=30)
    d = tmp_path_factory.mktemp("eval")
    (d / "gt.json").write_text(json.dumps(gt))
    (d / "dt.json").write_text(json.dumps(dt))
    rows = ["image_id,camera"] + [f"{im['id']},cam{k % 2}" for k, im in enumerate(gt["images"])]
    (d / "meta.csv").write_text("\n".join(rows) + "\n")
    ev = pycoco_eval(gt, dt)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ev.summarize()
    return d / "gt.json", d / "dt.json", d / "meta.csv", buf.getvalue().strip("\n").split("\n")


def test_prints_pycocotools_lines_then_operating_table(files: tuple[Path, Path, Path, list[str]]) -> None:
    gt, dt, _, ref_lines = files
    res = runner.invoke(app, ["coco", "--gt", str(gt), "--dt", str(dt), "--threshold", "0.4"])
    assert res.exit_code == 0, res.output
    lines = res.output.split("\n")
    assert lines[:12] == ref_lines
    assert any(line.startswith("Operating point: score >= 0.4") for line in lines)
    assert any(line.startswith("all ") for line in lines)


def test_slices_and_json(files: tuple[Path, Path, Path, list[str]]) -> None:
    gt, dt, meta, ref_lines = files
    res = runner.invoke(app, ["coco", "--gt", str(gt), "--dt", str(dt), "--meta", str(meta), "--slice-by", "camera"])
    assert res.exit_code == 0, res.output
    assert "Slices by camera" in res.output and "cam1" in res.output
    res = runner.invoke(
        app, ["coco", "--gt", str(gt), "--dt", str(dt), "--meta", str(meta), "--slice-by", "camera", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["summary"]["lines"] == ref_lines
    assert {r["value"] for r in out["slices"]["rows"]} == {"cam0", "cam1"}
    for key in ("per_class_ap", "operating_point", "sweep", "calibration", "errors"):
        assert key in out
    assert "missed" in out["errors"]["tide"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--iou-type", "keypoints"], "--iou-type must be bbox or segm"),
        (["--slice-by", "camera"], "--slice-by needs --meta"),
        (["--threshold", "2"], "outside [0, 1]"),
    ],
)
def test_user_errors(files: tuple[Path, Path, Path, list[str]], args: list[str], message: str) -> None:
    from truthline.domain.errors import UserInputError

    gt, dt, _, _ = files
    res = runner.invoke(app, ["coco", "--gt", str(gt), "--dt", str(dt), *args])
    assert res.exit_code != 0
    assert isinstance(res.exception, UserInputError) and message in str(res.exception)


def test_bad_json_is_a_format_error(files: tuple[Path, Path, Path, list[str]], tmp_path: Path) -> None:
    from truthline.domain.errors import FormatError

    gt, _, _, _ = files
    bad = tmp_path / "dt.json"
    bad.write_text("[{")
    res = runner.invoke(app, ["coco", "--gt", str(gt), "--dt", str(bad)])
    assert isinstance(res.exception, FormatError) and "not valid JSON" in str(res.exception)


def test_module_entry_point_exits_2_with_one_line(files: tuple[Path, Path, Path, list[str]], tmp_path: Path) -> None:
    import subprocess

    gt, _, _, _ = files
    r = subprocess.run(
        [sys.executable, "-m", "truthline.cli.eval", "coco", "--gt", str(gt), "--dt", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "cannot read" in r.stderr

"""`truthline synth images --out` and `truthline synth video` end to end through the Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import yaml
from typer.testing import CliRunner

from truthline.cli.synth import app
from truthline.domain.errors import UserInputError

runner = CliRunner()


def test_images_to_folder_in_coco_and_yolo_layout(tmp_path: Path) -> None:
    out = tmp_path / "set"
    args = [
        "images",
        "--scenario",
        "inspection",
        "--n",
        "12",
        "--seed",
        "3",
        "--defect-rate",
        "0.5",
        "--condition",
        "lighting=night:0.6",
        "-c",
        "noise:0.2",
        "--out",
        str(out),
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["images"] == 12 and sum(summary["splits"].values()) == 12
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert list(data["names"].values()) == ["scratch", "dent", "missing_component", "contamination"]
    coco = json.loads((out / "annotations" / "instances_train.json").read_text())
    assert all(
        i["metadata"]["lighting"] == "night" and i["metadata"]["lighting_severity"] == 0.6 for i in coco["images"]
    )
    assert len(list((out / "images").rglob("*.png"))) == 12
    # same arguments, same bytes
    again = tmp_path / "again"
    assert runner.invoke(app, [*args[:-3], "--out", str(again)]).exit_code == 0
    for png in (out / "images").rglob("*.png"):
        assert png.read_bytes() == (again / png.relative_to(out)).read_bytes()
    # a non-empty folder is refused unless --overwrite
    refused = runner.invoke(app, [*args[:-3], "--out", str(again)])
    assert isinstance(refused.exception, UserInputError)


def test_bad_input_raises_user_errors(tmp_path: Path) -> None:
    for args in (
        ["images", "--n", "2", "--condition", "rain:0.5", "--out", str(tmp_path / "a")],
        ["images", "--n", "2", "--condition", "fog:1.5", "--out", str(tmp_path / "b")],
        ["images", "--n", "2"],
        ["images", "--n", "2", "--scenario", "traffic", "--out", str(tmp_path / "c")],
        ["video", "--schedule", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "v.mp4")],
    ):
        result = runner.invoke(app, args)
        assert isinstance(result.exception, UserInputError), (args, result.output)
        assert not (tmp_path / "a").exists()


def test_video_from_schedule(tmp_path: Path) -> None:
    schedule = tmp_path / "s.yaml"
    schedule.write_text(
        yaml.safe_dump(
            {
                "scenario": "inspection",
                "frames": 30,
                "fps": 10,
                "seed": 2,
                "defect_rate": 0.5,
                "speed": 4,
                "conditions": [
                    {"condition": "lighting", "variant": "dusk", "severity": 0.5, "start": 10},
                    {"condition": "motion_blur", "severity": 0.4, "start": 20, "params": {"angle_deg": 0}},
                ],
            }
        )
    )
    video = tmp_path / "out" / "clip.mp4"
    result = runner.invoke(app, ["video", "--schedule", str(schedule), "--out", str(video), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["frames"] == 30
    cap = cv2.VideoCapture(str(video))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 30
    lines = [json.loads(x) for x in Path(info["ground_truth"]).read_text().splitlines()]
    assert [x["metadata"]["lighting"] for x in lines] == ["day"] * 10 + ["dusk"] * 20
    assert all(x["metadata"]["motion_blur_angle_deg"] == 0.0 for x in lines[20:])
    assert any(x["annotations"] for x in lines)
    tracks = {a["track_id"] for x in lines for a in x["annotations"]}
    assert tracks and all(isinstance(t, int) for t in tracks)

"""Video: the expected number of frames, decodable by OpenCV, ground truth that follows the schedule."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from truthline.domain.errors import FormatError, UserInputError
from truthline.synth import load_schedule, parse_schedule, render_video, write_video

from .conftest import brightness

SCHEDULE = """
scenario: shelf
frames: 60
fps: 20
seed: 5
speed: 3
conditions:
  - {condition: lighting, variant: day, severity: 0.2, start: 0, end: 20}
  - {condition: lighting, variant: night, severity: 0.8, start: 20}
  - {condition: smear, severity: 0.6, start: 30}
  - {condition: displacement, start: 40, params: {rotation_deg: 2}}
  - {condition: novel, severity: 0.6, start: 50}
"""


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], list[np.ndarray]]:
    d = tmp_path_factory.mktemp("video")
    (d / "schedule.yaml").write_text(SCHEDULE)
    summary = write_video(load_schedule(d / "schedule.yaml"), d / "clip.mp4")
    assert summary.frames == 60 and summary.ground_truth_path == d / "clip.jsonl"
    lines = [json.loads(x) for x in summary.ground_truth_path.read_text().splitlines()]
    cap = cv2.VideoCapture(str(summary.path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return summary.path, lines, frames


def test_frame_count_and_decoding(video: tuple[Path, list[dict[str, Any]], list[np.ndarray]]) -> None:
    _, lines, frames = video
    assert len(frames) == 60 and len(lines) == 60
    assert frames[0].shape == (256, 256, 3)
    assert [line["frame"] for line in lines] == list(range(60))


def test_ground_truth_follows_the_schedule(video: tuple[Path, list[dict[str, Any]], list[np.ndarray]]) -> None:
    _, lines, frames = video
    meta = [line["metadata"] for line in lines]
    assert all(m["lighting"] == "day" for m in meta[:20])
    assert all(m["lighting"] == "night" for m in meta[20:])
    assert brightness(frames[25]) < 0.6 * brightness(frames[15])
    assert not any("smear_severity" in m for m in meta[:30])
    assert all(m["smear_severity"] == 0.6 for m in meta[30:])
    assert all(m["displacement_rotation_deg"] == 2.0 for m in meta[40:])
    assert not any(line["novel_objects"] for line in lines[:50])
    assert any(line["novel_objects"] for line in lines[50:])
    assert lines[59]["time_s"] == pytest.approx(59 / 20)


def test_tracks_move_with_the_world(video: tuple[Path, list[dict[str, Any]], list[np.ndarray]]) -> None:
    _, lines, _ = video
    a = {x["track_id"]: x["bbox"] for x in lines[5]["annotations"] if not x.get("truncated")}
    b = {x["track_id"]: x["bbox"] for x in lines[6]["annotations"] if not x.get("truncated")}
    common = set(a) & set(b)
    assert len(common) >= 5
    assert all(a[t][0] - b[t][0] == pytest.approx(3.0, abs=1.0) for t in common)
    labels = {x["track_id"]: x["label"] for line in lines for x in line["annotations"]}
    for line in lines:
        for x in line["annotations"]:
            assert labels[x["track_id"]] == x["label"]


def test_video_ground_truth_is_deterministic() -> None:
    s = parse_schedule(
        {
            "scenario": "inspection",
            "frames": 6,
            "seed": 1,
            "defect_rate": 0.5,
            "conditions": [{"condition": "noise", "severity": 0.4}],
        }
    )
    a = [(f.ground_truth, f.image.tobytes()) for f in render_video(s)]
    b = [(f.ground_truth, f.image.tobytes()) for f in render_video(s)]
    assert a == b
    assert a[0][1] != a[1][1]  # the belt moves and the noise is fresh every frame


def test_mp4_bytes_are_deterministic(tmp_path: Path) -> None:
    s = parse_schedule(
        {"scenario": "shelf", "frames": 8, "seed": 2, "conditions": [{"condition": "noise", "severity": 0.3}]}
    )
    a = write_video(s, tmp_path / "a.mp4")
    b = write_video(s, tmp_path / "b.mp4")
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.ground_truth_path.read_bytes() == b.ground_truth_path.read_bytes()


@pytest.mark.parametrize(
    "bad",
    [
        {"frames": 0},
        {"frames": 5, "width": 255},
        {"frames": 5, "conditions": [{"condition": "rain"}]},
        {"frames": 5, "conditions": [{"condition": "fog", "severity": 2}]},
        {"frames": 5, "conditions": [{"condition": "fog", "start": 5, "end": 3}]},
        {"frames": 5, "conditions": [{"condition": "fog", "start": 0}, {"condition": "fog", "start": 3}]},
        {"frames": 5, "colour": "red"},
    ],
)
def test_bad_schedules_raise_format_errors(bad: dict[str, object]) -> None:
    with pytest.raises(FormatError):
        parse_schedule(bad)


def test_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(UserInputError):
        load_schedule(tmp_path / "missing.yaml")
    with pytest.raises(UserInputError):
        write_video(parse_schedule({"frames": 2}), tmp_path / "clip.avi")


def test_inspection_video_defects_ride_the_belt() -> None:
    s = parse_schedule({"scenario": "inspection", "frames": 12, "seed": 3, "defect_rate": 1.0, "speed": 5})
    frames: list[dict[str, Any]] = [f.ground_truth for f in render_video(s)]
    moves = []
    for a, b in pairwise(frames):
        prev = {x["track_id"]: x["bbox"] for x in a["annotations"] if not x.get("truncated")}
        for x in b["annotations"]:
            if x["track_id"] in prev and not x.get("truncated"):
                moves.append(prev[x["track_id"]][0] - x["bbox"][0])
    assert len(moves) >= 10
    assert np.median(moves) == pytest.approx(5.0, abs=1.0)

"""`truthline benchmark`: models side by side on the same golden truth — a dataset version split, or a video with
per-frame ground truth (JSON lines, as `truthline synth video` writes) — in one report."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from truthline.domain.errors import FormatError, UserInputError
from truthline.store.events import log_event
from truthline.workflows.inference import load_registered, predict_split
from truthline.workflows.readiness import _low_floor
from truthline.workflows.samples import load_split, parse_data_ref

if TYPE_CHECKING:
    from truthline.readiness import ModelScore
    from truthline.workflows.workspace import Workspace

Say = Callable[[str], Any]


def _quiet(_: str) -> None:
    return None


def benchmark(
    ws: Workspace,
    models: Sequence[str],
    data: str,
    out: Path,
    *,
    threshold: float = 0.5,
    ground_truth: Path | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Score every model on ``data`` (``DSV[:split]`` or a video file) and write report.html and benchmark.json."""
    from truthline.readiness import render_comparison, score_images

    if len(models) < 1:
        raise UserInputError("name at least one model", fix="--models mdl_A mdl_B")
    scores: list[ModelScore] = []
    video = Path(data)
    if video.suffix.lower() in (".mp4", ".avi", ".mov", ".mkv"):
        gt = _video_truth(video, ground_truth or video.with_suffix(".jsonl"))
        for mid in models:
            scores.append(_score_video(ws, mid, video, gt, threshold, say))
        title = f"Golden-truth benchmark on {video.name}"
    else:
        version, split_name = parse_data_ref(data)
        split = load_split(ws, version, split_name)
        for mid in models:
            row, adapter = load_registered(ws, mid)
            say(f"   {mid}: {len(split.records)} images of {split.version}:{split.split}")
            dt = predict_split(_low_floor(adapter), split)
            scores.append(score_images(mid, row.name, split.coco_gt, dt, threshold))
        title = f"Golden-truth benchmark on {split.version}:{split.split}"
    out.mkdir(parents=True, exist_ok=True)
    result = {"data": data, "threshold": threshold, "models": [s.to_dict() for s in scores]}
    (out / "benchmark.json").write_text(json.dumps(result, indent=2))
    (out / "report.html").write_text(render_comparison(title, scores, threshold, data), encoding="utf-8")
    with ws.transaction() as conn:
        for mid in models:
            log_event(conn, ws.actor, mid, "model.benchmarked", data=data, out=str(out))
    return {**result, "report": str(out / "report.html")}


def _video_truth(video: Path, path: Path) -> list[tuple[int, int, list[float]]]:
    """(frame, track id, box) of every annotated object in a per-frame JSON-lines ground truth."""
    if not video.is_file():
        raise UserInputError(f"video not found: {video}", fix="pass the video file")
    if not path.is_file():
        raise UserInputError(f"no ground truth next to the video: {path}", fix="pass --ground-truth FILE.jsonl")
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            for k, a in enumerate(rec.get("annotations", [])):
                out.append((int(rec["frame"]), int(a.get("track_id", n * 1000 + k)), [float(v) for v in a["bbox"]]))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise FormatError(f"bad ground-truth line ({exc})", where=f"{path}:line {n}") from None
    return out


def _score_video(
    ws: Workspace, mid: str, video: Path, gt: list[tuple[int, int, list[float]]], threshold: float, say: Say
) -> ModelScore:
    import cv2

    from truthline.readiness import score_frames

    row, adapter = load_registered(ws, mid)
    adapter = _low_floor(adapter)
    cap = cv2.VideoCapture(str(video))
    dt: list[tuple[int, list[float], float]] = []
    frame = 0
    batch: list[Any] = []
    while True:
        ok, image = cap.read()
        if ok:
            batch.append(image)
        if batch and (not ok or len(batch) == 8):
            for k, dets in enumerate(adapter.predict(batch)):
                dt += [
                    (frame + k, [float(v) for v in b], float(s)) for b, s in zip(dets.boxes, dets.scores, strict=True)
                ]
            frame += len(batch)
            batch = []
        if not ok:
            break
    cap.release()
    say(f"   {mid}: {frame} frames of {video.name}")
    return score_frames(mid, row.name, gt, dt, frame, threshold)

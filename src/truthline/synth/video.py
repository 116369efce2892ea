"""Synthetic video: frames rendered from a schedule, written as MP4 with per-frame ground truth (JSON lines)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from truthline.domain.errors import UserInputError
from truthline.synth.conditions import CONDITIONS, condition_stream
from truthline.synth.generator import DEFAULT_START_TIME, iso_time
from truthline.synth.render import Active, check_redesign, render_frame
from truthline.synth.scenes import View, get_scene
from truthline.synth.schedule import VideoSchedule

_STATIC, _PER_FRAME = 2, 3


@dataclass
class VideoFrame:
    """One rendered frame and its ground-truth line."""

    index: int
    image: np.ndarray
    ground_truth: dict[str, Any]


@dataclass(frozen=True)
class VideoSummary:
    path: Path
    ground_truth_path: Path
    frames: int
    fps: float
    width: int
    height: int
    codec: str


def render_video(schedule: VideoSchedule) -> Iterator[VideoFrame]:
    """Yield every frame of the schedule with its ground truth.

    The world moves ``speed`` scene pixels per frame, so objects cross the frame and keep their
    ``track_id``. A condition's random choices (where a smear sits, which way the camera was knocked) are
    drawn once per schedule entry; noise and JPEG draw fresh randomness every frame.
    """
    scene = get_scene(schedule.scenario)
    for entry in schedule.conditions:
        if entry.condition == "redesign":
            check_redesign(scene, entry.variant)
    rate = scene.default_rate if schedule.defect_rate is None else schedule.defect_rate
    t0 = schedule.start_time or DEFAULT_START_TIME
    w, h, seed = schedule.width, schedule.height, schedule.seed
    scale = h / 256.0
    for f in range(schedule.frames):
        view = View(seed, f, w, h, rate, video=True, offset=f * schedule.speed * scale)
        active, rngs = [], {}
        for i, e in schedule.active(f):
            info = CONDITIONS[e.condition]
            key = (
                [seed, _PER_FRAME, i, condition_stream(e.condition), f]
                if info.per_frame
                else [seed, _STATIC, i, condition_stream(e.condition)]
            )
            rngs[e.condition] = np.random.default_rng(key)
            active.append(
                Active(e.condition, e.severity_at(f, w, h), e.variant or info.default_variant, dict(e.params))
            )
        frame = render_frame(scene, view, active, rngs.__getitem__, occlusion_static=True)
        meta: dict[str, Any] = {
            "scenario": scene.name,
            "camera": schedule.camera or scene.default_camera,
            "site": schedule.site or scene.default_site,
            "captured_at": iso_time(t0 + timedelta(seconds=f / schedule.fps)),
            "seed": seed,
            "conditions": ",".join(
                (a.name + (f"={a.variant}" if a.variant else "") + f":{a.severity:g}") for a in active
            )
            or "none",
        }
        meta.update(frame.metadata)
        gt = {
            "frame": f,
            "time_s": round(f / schedule.fps, 6),
            "metadata": meta,
            "annotations": frame.annotations,
            "novel_objects": frame.novel_objects,
        }
        yield VideoFrame(f, frame.image, gt)


class _Encoder:
    """MP4 encoding through PyAV (libx264, else mpeg4), or OpenCV's mp4v when PyAV is missing."""

    def __init__(self, path: Path, width: int, height: int, fps: float) -> None:
        self.path = path
        self._av: Any = None
        self._cv: Any = None
        self.stream: Any = None
        av: Any
        try:
            import av
        except ImportError:  # pragma: no cover - PyAV is installed in CI
            av = None
        if av is not None:
            from fractions import Fraction

            codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
            self._av = av
            self.container = av.open(str(path), mode="w", format="mp4")
            self.stream = self.container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
            cc = self.stream.codec_context
            cc.width, cc.height, cc.pix_fmt = width, height, "yuv420p"
            cc.thread_count = 1
            if codec == "libx264":
                cc.options = {"crf": "18", "preset": "veryfast", "threads": "1"}
            else:
                cc.bit_rate = 4_000_000
            self.codec = codec
        else:  # pragma: no cover
            import cv2

            self._cv = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
            if not self._cv.isOpened():
                raise UserInputError(f"cannot write video {path}", fix="install PyAV (pip install av)")
            self.codec = "mp4v"

    def write(self, image: np.ndarray) -> None:
        if self._av is not None:
            frame = self._av.VideoFrame.from_ndarray(image, format="bgr24")
            for packet in self.stream.encode(frame):
                self.container.mux(packet)
        else:  # pragma: no cover
            self._cv.write(image)

    def close(self) -> None:
        if self._av is not None:
            for packet in self.stream.encode():
                self.container.mux(packet)
            self.container.close()
        else:  # pragma: no cover
            self._cv.release()


def write_video(
    schedule: VideoSchedule,
    out: str | os.PathLike[str],
    ground_truth: str | os.PathLike[str] | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> VideoSummary:
    """Render the schedule to an MP4 at ``out`` and per-frame ground truth as JSON lines.

    The ground truth goes to ``ground_truth`` or, by default, next to the video as ``<stem>.jsonl``.
    Both files are written under temporary names and moved into place at the end.
    """
    path = Path(out)
    if path.suffix.lower() != ".mp4":
        raise UserInputError(f"video path {path} does not end in .mp4", where="--out", fix="name it FILE.mp4")
    gt_path = Path(ground_truth) if ground_truth is not None else path.with_suffix(".jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    gt_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_video = path.with_name(path.stem + ".partial.mp4")
    tmp_gt = gt_path.with_name(gt_path.name + ".partial")
    encoder = _Encoder(tmp_video, schedule.width, schedule.height, schedule.fps)
    try:
        with tmp_gt.open("w", encoding="utf-8") as fh:
            for frame in render_video(schedule):
                encoder.write(frame.image)
                fh.write(json.dumps(frame.ground_truth, sort_keys=True, separators=(",", ":")) + "\n")
                if on_frame is not None:
                    on_frame(frame.index)
        encoder.close()
    except BaseException:
        tmp_video.unlink(missing_ok=True)
        tmp_gt.unlink(missing_ok=True)
        raise
    os.replace(tmp_video, path)
    os.replace(tmp_gt, gt_path)
    return VideoSummary(path, gt_path, schedule.frames, schedule.fps, schedule.width, schedule.height, encoder.codec)

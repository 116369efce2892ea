"""Golden-truth benchmark: several models on the same data, side by side, one report (images or video frames)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np

from truthline.readiness.plots import PALETTE, _svg
from truthline.readiness.render import CSS, _plot, _section, _table


@dataclass(frozen=True)
class ModelScore:
    """One model's figures on the golden truth at the operating threshold (IoU 0.5, any class for video)."""

    model: str
    name: str
    tp: int
    fp: int
    fn: int
    units: int  # images or frames
    ap50: float | None = None
    ap: float | None = None
    unit_fpr: float | None = None  # share of truth-free images/frames with a false alarm
    per_frame: dict[str, list[int]] = field(default_factory=dict)  # video: frames, tp, fp, fn
    tracks: dict[str, Any] = field(default_factory=dict)  # video: detection rate, first-detection delay

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "name": self.name,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "units": self.units,
            "precision": self.precision,
            "recall": self.recall,
            "fp_per_unit": self.fp / self.units if self.units else None,
            "unit_fpr": self.unit_fpr,
            "ap50": self.ap50,
            "ap": self.ap,
            "tracks": self.tracks,
            "per_frame": self.per_frame,
        }


def score_images(
    model: str, name: str, gt: Mapping[str, Any], dt: Sequence[Mapping[str, Any]], threshold: float
) -> ModelScore:
    """Detections on a COCO ground truth: COCO AP, and TP/FP/FN at the threshold (class-aware, IoU 0.5)."""
    from truthline.metrics import match_coco, operating_point, summarize

    match = match_coco(dict(gt), list(dt))
    stats = summarize(match).stats
    op = operating_point(match, threshold, iou=0.5)
    with_truth = {int(a["image_id"]) for a in gt.get("annotations", [])}
    empty = {int(i["id"]) for i in gt.get("images", [])} - with_truth
    alarmed = {int(d["image_id"]) for d in dt if float(d["score"]) >= threshold} & empty
    return ModelScore(
        model,
        name,
        int(op.tp.sum()),
        int(op.fp.sum()),
        int(op.fn.sum()),
        op.num_images,
        ap50=float(stats[1]),
        ap=float(stats[0]),
        unit_fpr=len(alarmed) / len(empty) if empty else None,
    )


def score_frames(
    model: str,
    name: str,
    gt: Sequence[tuple[int, int, Sequence[float]]],
    dt: Sequence[tuple[int, Sequence[float], float]],
    frames: int,
    threshold: float,
) -> ModelScore:
    """Detections on golden-truth video: per-frame TP/FP/FN, per-track detection rate and first-detection delay.

    ``gt``: (frame, track id, [x, y, w, h]); ``dt``: (frame, [x, y, w, h], score). Classes are not compared.
    """
    from truthline.metrics import track_metrics

    kept = [d for d in dt if d[2] >= threshold]
    res = track_metrics(
        [g[0] for g in gt],
        [g[1] for g in gt],
        np.array([g[2] for g in gt], float).reshape(-1, 4),
        [d[0] for d in kept],
        None,
        np.array([d[1] for d in kept], float).reshape(-1, 4),
    )
    per = {"frames": list(range(frames)), "tp": [0] * frames, "fp": [0] * frames, "fn": [0] * frames}
    for f, tp, fp, fn in zip(res.frames, res.frame_tp, res.frame_fp, res.frame_fn, strict=True):
        if 0 <= f < frames:
            per["tp"][f], per["fp"][f], per["fn"][f] = int(tp), int(fp), int(fn)
    truth_frames = {g[0] for g in gt}
    empty = [f for f in range(frames) if f not in truth_frames]
    delays = res.track_first_delay[~np.isnan(res.track_first_delay)]
    tracks = {
        "tracks": int(res.track_ids.size),
        "detected": int((res.track_detected > 0).sum()),
        "detection_rate": float((res.track_detected / np.maximum(res.track_frames, 1)).mean())
        if res.track_ids.size
        else None,
        "median_first_delay_frames": float(np.median(delays)) if delays.size else None,
    }
    return ModelScore(
        model,
        name,
        res.tp,
        res.fp,
        res.fn,
        frames,
        unit_fpr=sum(per["fp"][f] > 0 for f in empty) / len(empty) if empty else None,
        per_frame=per,
        tracks=tracks,
    )


def render_comparison(title: str, scores: Sequence[ModelScore], threshold: float, data: str) -> str:
    """One self-contained HTML page: the side-by-side table and, for video, TP/FP/FN frame by frame."""
    rows = [s.to_dict() for s in scores]
    head = ["model", "name", "precision", "recall", "FP / unit", "unit FPR", "AP50", "AP", "TP", "FP", "FN"]
    table = _table(
        head,
        [
            [
                r["model"],
                r["name"],
                r["precision"],
                r["recall"],
                r["fp_per_unit"],
                r["unit_fpr"],
                r["ap50"],
                r["ap"],
                r["tp"],
                r["fp"],
                r["fn"],
            ]
            for r in rows
        ],
    )
    body = [f"<h1>{escape(title)}</h1>", f"<p>{escape(data)} · threshold {threshold:g} · IoU 0.5</p>", table]
    if any(s.tracks for s in scores):
        body.append(
            _section(
                "Tracks",
                _table(
                    ["model", "tracks", "detected", "detection rate", "median first-detection delay (frames)"],
                    [
                        [
                            s.model,
                            s.tracks.get("tracks"),
                            s.tracks.get("detected"),
                            s.tracks.get("detection_rate"),
                            s.tracks.get("median_first_delay_frames"),
                        ]
                        for s in scores
                    ],
                ),
            )
        )
        body.append(_section("Frame by frame", _plot(_frames_plot(scores))))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{''.join(body)}</body></html>"
    )


def _frames_plot(scores: Sequence[ModelScore]) -> str:
    def draw(fig: Any) -> None:
        axes = fig.subplots(3, 1, sharex=True)
        for k, s in enumerate(scores):
            for ax, key in zip(axes, ("tp", "fp", "fn"), strict=True):
                ax.plot(
                    s.per_frame.get("frames", []),
                    s.per_frame.get(key, []),
                    color=PALETTE[k % len(PALETTE)],
                    label=s.model[-8:],
                    linewidth=0.8,
                )
                ax.set_ylabel(key.upper())
        axes[0].legend(loc="upper right", fontsize=6)
        axes[-1].set_xlabel("frame")

    return _svg(draw, size=(7.0, 4.5))

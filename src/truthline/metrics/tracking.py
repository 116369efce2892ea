"""Frame-by-frame and track figures on video: per-frame TP/FP/FN, per-track detection rate and delay, MOTA, IDF1.

Per frame, detections are paired with golden-truth boxes the CLEAR-MOT way (as
py-motmetrics does): pairs established earlier are kept while their IoU still reaches the
threshold, the rest are assigned by minimum total distance (1 − IoU, Hungarian), and a
truth whose partner changed counts as an identity switch. MOTA = 1 − (FN + FP + IDSW) / GT.
IDF1 = 2·IDTP / (GT + DT), IDTP from the one-to-one truth-track/detection-track assignment
that maximises frames in agreement. A loop runs per frame, never per box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _iou_matrix(a: FloatArray, b: FloatArray) -> FloatArray:
    """IoU of ``[x, y, w, h]`` boxes, all pairs, shape ``(len(a), len(b))``."""
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    w = np.minimum(ax2[:, None], bx2[None, :]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(ay2[:, None], by2[None, :]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _assign(cost: FloatArray) -> tuple[IntArray, IntArray]:
    """Minimum-cost assignment over finite entries (most valid pairs first, then least cost)."""
    from scipy.optimize import linear_sum_assignment

    finite = np.isfinite(cost)
    if not finite.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    big = (np.abs(cost[finite]).max() + 1.0) * (cost.shape[0] + cost.shape[1] + 1)
    r, c = linear_sum_assignment(np.where(finite, cost, big))
    ok = finite[r, c]
    return r[ok].astype(np.int64), c[ok].astype(np.int64)


@dataclass(frozen=True)
class TrackingResult:
    """Per frame, per truth track and overall figures."""

    frames: IntArray
    frame_tp: IntArray
    frame_fp: IntArray
    frame_fn: IntArray
    frame_switches: IntArray
    track_ids: IntArray
    track_frames: IntArray
    track_detected: IntArray
    track_first_delay: FloatArray  # frames from first appearance to first detection; NaN never detected
    num_gt: int
    num_dt: int
    idtp: int

    @property
    def tp(self) -> int:
        return int(self.frame_tp.sum())

    @property
    def fp(self) -> int:
        return int(self.frame_fp.sum())

    @property
    def fn(self) -> int:
        return int(self.frame_fn.sum())

    @property
    def switches(self) -> int:
        return int(self.frame_switches.sum())

    @property
    def mota(self) -> float:
        return 1.0 - (self.fn + self.fp + self.switches) / self.num_gt if self.num_gt else float("nan")

    @property
    def idf1(self) -> float:
        d = self.num_gt + self.num_dt
        return 2.0 * self.idtp / d if d else float("nan")

    @property
    def track_detection_rate(self) -> FloatArray:
        return self.track_detected / np.maximum(self.track_frames, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "num_gt": self.num_gt,
            "num_dt": self.num_dt,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "id_switches": self.switches,
            "mota": self.mota,
            "idf1": self.idf1,
            "idtp": self.idtp,
            "frames": {
                "frame": self.frames.tolist(),
                "tp": self.frame_tp.tolist(),
                "fp": self.frame_fp.tolist(),
                "fn": self.frame_fn.tolist(),
                "id_switches": self.frame_switches.tolist(),
            },
            "tracks": {
                str(t): {
                    "frames": int(n),
                    "detected": int(d),
                    "detection_rate": float(r),
                    "first_detection_delay": None if np.isnan(dl) else float(dl),
                }
                for t, n, d, r, dl in zip(
                    self.track_ids,
                    self.track_frames,
                    self.track_detected,
                    self.track_detection_rate,
                    self.track_first_delay,
                    strict=True,
                )
            },
        }


def track_metrics(
    gt_frame: npt.ArrayLike,
    gt_track: npt.ArrayLike,
    gt_box: npt.ArrayLike,
    dt_frame: npt.ArrayLike,
    dt_track: npt.ArrayLike | None,
    dt_box: npt.ArrayLike,
    iou: float = 0.5,
) -> TrackingResult:
    """CLEAR-MOT and identity figures; ``dt_track`` None treats every detection as its own track."""
    gf = np.asarray(gt_frame, dtype=np.int64)
    gi = np.asarray(gt_track, dtype=np.int64)
    gb = np.asarray(gt_box, dtype=np.float64).reshape(-1, 4)
    df = np.asarray(dt_frame, dtype=np.int64)
    db = np.asarray(dt_box, dtype=np.float64).reshape(-1, 4)
    di = np.arange(df.size, dtype=np.int64) if dt_track is None else np.asarray(dt_track, dtype=np.int64)
    max_dist = 1.0 - iou
    frames = np.union1d(gf, df)
    g_sort, d_sort = np.argsort(gf, kind="stable"), np.argsort(df, kind="stable")
    g_lo, g_hi = np.searchsorted(gf[g_sort], frames), np.searchsorted(gf[g_sort], frames, "right")
    d_lo, d_hi = np.searchsorted(df[d_sort], frames), np.searchsorted(df[d_sort], frames, "right")
    tracks = np.unique(gi)
    t_index = {int(t): k for k, t in enumerate(tracks)}
    h_tracks = np.unique(di)
    h_index = {int(t): k for k, t in enumerate(h_tracks)}
    agree = np.zeros((tracks.size, h_tracks.size), dtype=np.int64)
    first_seen = np.full(tracks.size, -1, dtype=np.int64)
    first_hit = np.full(tracks.size, -1, dtype=np.int64)
    seen = np.zeros(tracks.size, dtype=np.int64)
    hit = np.zeros(tracks.size, dtype=np.int64)
    out = np.zeros((4, frames.size), dtype=np.int64)
    last_pair: dict[int, int] = {}
    for f, frame in enumerate(frames.tolist()):
        gs, ds = g_sort[g_lo[f] : g_hi[f]], d_sort[d_lo[f] : d_hi[f]]
        oids, hids = gi[gs], di[ds]
        dist = 1.0 - _iou_matrix(gb[gs], db[ds])
        dist[dist > max_dist] = np.nan
        rows = np.array([t_index[int(o)] for o in oids], dtype=np.int64)
        seen[rows] += 1
        first_seen[rows] = np.where(first_seen[rows] < 0, frame, first_seen[rows])
        if oids.size and hids.size:
            vi, vj = np.nonzero(np.isfinite(dist))
            np.add.at(agree, (rows[vi], np.array([h_index[int(h)] for h in hids[vj]], dtype=np.int64)), 1)
        o_used = np.zeros(oids.size, dtype=bool)
        h_used = np.zeros(hids.size, dtype=bool)
        n_match = n_switch = 0
        if oids.size and hids.size:
            for i, o in enumerate(oids.tolist()):
                prev = last_pair.get(o)
                if prev is None:
                    continue
                js = np.flatnonzero(~h_used & (hids == prev))
                if js.size and np.isfinite(dist[i, js[0]]):
                    o_used[i] = h_used[js[0]] = True
                    n_match += 1
            sub = dist.copy()
            sub[o_used, :] = np.nan
            sub[:, h_used] = np.nan
            for i, j in zip(*_assign(sub), strict=True):
                o, h = int(oids[i]), int(hids[j])
                if o in last_pair and last_pair[o] != h:
                    n_switch += 1
                else:
                    n_match += 1
                last_pair[o] = h
                o_used[i] = h_used[j] = True
        matched_rows = rows[o_used]
        hit[matched_rows] += 1
        first_hit[matched_rows] = np.where(first_hit[matched_rows] < 0, frame, first_hit[matched_rows])
        out[:, f] = (n_match + n_switch, int((~h_used).sum()), int((~o_used).sum()), n_switch)
    idtp = 0
    if agree.size:
        from scipy.optimize import linear_sum_assignment

        r, c = linear_sum_assignment(-agree)
        idtp = int(agree[r, c].sum())
    delay = np.where(first_hit >= 0, (first_hit - first_seen).astype(np.float64), np.nan)
    return TrackingResult(
        frames=frames,
        frame_tp=out[0],
        frame_fp=out[1],
        frame_fn=out[2],
        frame_switches=out[3],
        track_ids=tracks,
        track_frames=seen,
        track_detected=hit,
        track_first_delay=delay,
        num_gt=int(gf.size),
        num_dt=int(df.size),
        idtp=idtp,
    )


def frame_metrics(
    gt_frame: npt.ArrayLike, gt_box: npt.ArrayLike, dt_frame: npt.ArrayLike, dt_box: npt.ArrayLike, iou: float = 0.5
) -> TrackingResult:
    """Per-frame TP/FP/FN without identities (each box its own track; no switches)."""
    gf = np.asarray(gt_frame, dtype=np.int64)
    return track_metrics(gf, np.arange(gf.size), gt_box, dt_frame, None, dt_box, iou)

"""One COCO match for every IoU threshold and area range at once, as array operations.

COCO's rule (pycocotools ``evaluateImg``): within one image and class, detections are
taken in descending score (ties in input order) up to ``max_dets[-1]``; each takes, among
the ground truths still free (crowds never run out) whose IoU reaches the threshold, the
one with the highest IoU, preferring ground truths that count over ignored ones, and the
later one on an exact tie.

hotcoco runs that rule in Rust but hands its per-detection result back only as Python
dicts (``eval_imgs``: 16.7 s on 2,000 images x 100 detections; ``image_diagnostics``:
0.5 s per IoU threshold, area "all" only). So truthline applies the same rule here, to all
(area range, threshold) pairs and all (image, class) groups together: a loop over the
rank within a group (at most ``max_dets``), never over detections. Only detections that
reach the lowest threshold against some ground truth of their group take part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import FormatError
from truthline.metrics.cocoio import (
    CocoDetections,
    CocoGroundTruth,
    load_detections,
    load_ground_truth,
    lookup,
)
from truthline.metrics.matchtable import MatchTable
from truthline.metrics.overlap import box_iou_pairs, mask_area_and_box, mask_iou_groups, to_rle
from truthline.metrics.params import CocoParams

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

GroundTruthSource = str | Path | Mapping[str, Any] | CocoGroundTruth
DetectionSource = str | Path | Sequence[Mapping[str, Any]] | npt.NDArray[Any] | CocoDetections


def _group_starts(keys: IntArray) -> IntArray:
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1].astype(np.int64)


def match_coco(
    gt: GroundTruthSource,
    dt: DetectionSource,
    iou_type: str = "bbox",
    params: CocoParams | None = None,
) -> MatchTable:
    """Match detections to ground truth once, COCO's way, and return the match table.

    ``gt``: a COCO annotation dict or path; ``dt``: a results list, path or (N, 7) array.
    Detections on images the ground truth does not list are an error (as in pycocotools);
    detections of classes it does not list are left out and counted.
    """
    p = params or CocoParams(iou_type=iou_type)
    G = gt if isinstance(gt, CocoGroundTruth) else load_ground_truth(gt, iou_type=p.iou_type)
    D = dt if isinstance(dt, CocoDetections) else load_detections(dt)
    K = G.num_classes
    notes = list(G.notes)

    di, di_ok = lookup(G.image_ids, D.image_id)
    if not di_ok.all():
        bad = int(D.image_id[~di_ok][0])
        raise FormatError(
            f"{int((~di_ok).sum())} detections are on images the ground truth does not list (first: {bad})",
            where="dt:image_id",
            fix="evaluate against the annotation file the detections were made for",
        )
    dc, dc_ok = lookup(G.category_ids, D.category_id)
    unknown = int((~dc_ok).sum())
    if unknown:
        notes.append(f"{unknown} detections of classes the ground truth does not list were left out")
    idx = np.flatnonzero(dc_ok)
    # group by (image, class); within a group, score descending, ties in input order
    idx = idx[np.argsort(-D.score[idx], kind="stable")]
    idx = idx[np.argsort(di[idx] * K + dc[idx], kind="stable")]
    group = di[idx] * K + dc[idx]
    starts = _group_starts(group)
    sizes = np.diff(np.r_[starts, group.size])
    rank = np.arange(group.size, dtype=np.int64) - np.repeat(starts, sizes)
    cap = rank < p.max_det
    over_cap = int((~cap).sum())
    idx, group, rank = idx[cap], group[cap], rank[cap]
    N = idx.size

    # ground truths grouped by (image, class), input order within a group
    g_order = np.argsort(G.ann_image * K + G.ann_class, kind="stable")
    g_group = G.ann_image[g_order] * K + G.ann_class[g_order]
    g_area = G.area[g_order]
    g_crowd = G.iscrowd[g_order]
    gs = np.searchsorted(g_group, group, "left")
    ng = np.searchsorted(g_group, group, "right") - gs

    # dt area (masks without a box: the mask's area, as loadRes computes it)
    dt_rles: list[dict[str, Any]] | None = None
    gt_rles: list[dict[str, Any]] | None = None
    if p.iou_type == "segm":
        if D.segmentation is None:
            raise FormatError("segm evaluation needs a segmentation in every result", where="dt", fix="add masks")
        hh = G.image_height[di[idx]]
        ww = G.image_width[di[idx]]
        dt_rles = [to_rle(D.segmentation[i], int(h), int(w), f"dt[{i}]") for i, h, w in zip(idx, hh, ww, strict=True)]
        if D.area is None:
            dt_area, _ = mask_area_and_box(dt_rles)
        else:
            dt_area = D.area[idx]
        assert G.segmentation is not None
        gimg = G.ann_image[g_order]
        gt_rles = [
            to_rle(G.segmentation[j], int(G.image_height[gimg[k]]), int(G.image_width[gimg[k]]), f"gt[{j}]")
            for k, j in enumerate(g_order.tolist())
        ]
    else:
        assert D.area is not None
        dt_area = D.area[idx]

    # pairs: each detection against every ground truth of its group, detection-major
    has = ng > 0
    pd = np.flatnonzero(has)
    cnt = ng[pd]
    pair_start = np.zeros(N, dtype=np.int64)
    pair_start[pd] = np.cumsum(cnt) - cnt
    total = int(cnt.sum())
    pair_dt = np.repeat(pd, cnt)
    pair_gt = np.repeat(gs[pd] - pair_start[pd], cnt) + np.arange(total, dtype=np.int64)
    if p.iou_type == "bbox":
        iou = box_iou_pairs(D.bbox[idx[pair_dt]], G.bbox[g_order[pair_gt]], g_crowd[pair_gt])
    else:
        assert dt_rles is not None and gt_rles is not None
        gstart = _group_starts(group[pd])
        gcount = np.diff(np.r_[gstart, pd.size])
        iou = mask_iou_groups(dt_rles, gt_rles, g_crowd, pd[gstart], gcount, gs[pd[gstart]], ng[pd[gstart]])
    best = np.zeros(N)
    if total:
        best[pd] = np.maximum.reduceat(iou, pair_start[pd])

    thr = np.minimum(p.iou_array, 1 - 1e-10)
    A, T = len(p.area_ranges), thr.size
    rng = p.area_array
    gt_ig = g_crowd[None, :] | (g_area[None, :] < rng[:, :1]) | (g_area[None, :] > rng[:, 1:])
    mdt = np.flatnonzero(best >= thr.min())  # only these can take a ground truth
    res_m = _greedy(iou, pair_start, group, gs, ng, mdt, thr, gt_ig, g_crowd)

    # final row order: class, score descending, image, rank (the order COCO accumulates in)
    score = D.score[idx]
    dt_image = di[idx]
    dt_class = dc[idx]
    order = np.argsort(-score, kind="stable")  # rows are in (image, class, rank) order already
    order = order[np.argsort(dt_class[order], kind="stable")]
    inv = np.empty(N, dtype=np.int64)
    inv[order] = np.arange(N)
    dt_area = dt_area[order]
    dt_out = (dt_area[None, :] < rng[:, :1]) | (dt_area[None, :] > rng[:, 1:])
    dt_ignored = np.repeat(dt_out[:, None, :], T, axis=1)
    res = np.full((A, T, N), -1, dtype=np.int32)
    dt_iou = np.full((T, N), np.nan)
    gt_dt = np.full((A, T, g_group.size), -1, dtype=np.int32)
    if mdt.size:
        pos = inv[mdt]
        res[:, :, pos] = res_m
        matched = res_m >= 0
        safe = np.maximum(res_m, 0)
        dt_ignored[:, :, pos] = np.where(matched, gt_ig[np.arange(A)[:, None, None], safe], dt_out[:, None, pos])
        a_m, t_m, d_m = np.nonzero(matched)
        gt_dt[a_m, t_m, res_m[a_m, t_m, d_m]] = pos[d_m]
        pair_of = pair_start[mdt][None, :] + (safe[0] - gs[mdt][None, :])
        dt_iou[:, pos] = np.where(matched[0], iou[np.where(matched[0], pair_of, 0)], np.nan)
    best = best[order]
    return MatchTable(
        params=p,
        image_ids=G.image_ids,
        category_ids=G.category_ids,
        category_names=G.category_names,
        dt_id=idx[order].astype(np.int64) + 1,
        dt_image=dt_image[order],
        dt_class=dt_class[order],
        dt_score=score[order],
        dt_area=dt_area,
        dt_rank=rank[order],
        dt_gt=res,
        dt_ignored=dt_ignored,
        dt_iou=dt_iou,
        dt_best_iou=best,
        gt_id=G.ann_ids[g_order],
        gt_image=G.ann_image[g_order],
        gt_class=G.ann_class[g_order],
        gt_area=g_area,
        gt_crowd=g_crowd,
        gt_ignored=gt_ig,
        gt_dt=gt_dt,
        dropped_unknown_class=unknown,
        dropped_over_cap=over_cap,
        notes=tuple(notes),
        source_gt=G,
        source_dt=D,
    )


def _greedy(
    iou: FloatArray,
    pair_start: IntArray,
    group: IntArray,
    gs: IntArray,
    ng: IntArray,
    mdt: IntArray,
    thr: FloatArray,
    gt_ig: BoolArray,
    g_crowd: BoolArray,
) -> npt.NDArray[np.int32]:
    """The ground-truth row each matchable detection takes, ``(A, T, len(mdt))``, -1 for none."""
    A, T = gt_ig.shape[0], thr.size
    res = np.full((A, T, mdt.size), -1, dtype=np.int32)
    if mdt.size == 0:
        return res
    mstart = _group_starts(group[mdt])
    n_dt = np.diff(np.r_[mstart, mdt.size])
    n_gt = ng[mdt[mstart]]
    g_first = gs[mdt[mstart]]
    # buckets of groups with similar numbers of ground truths keep the padding small
    bucket = np.ceil(np.log2(np.maximum(n_gt, 1))).astype(np.int64)
    for b in np.unique(bucket):
        sel = np.flatnonzero(bucket == b)
        sel = sel[np.argsort(-n_dt[sel], kind="stable")]
        _greedy_bucket(res, iou, pair_start[mdt], mstart[sel], n_dt[sel], n_gt[sel], g_first[sel], thr, gt_ig, g_crowd)
    return res


def _greedy_bucket(
    res: npt.NDArray[np.int32],
    iou: FloatArray,
    pair_start: IntArray,
    mstart: IntArray,
    n_dt: IntArray,
    n_gt: IntArray,
    g_first: IntArray,
    thr: FloatArray,
    gt_ig: BoolArray,
    g_crowd: BoolArray,
) -> None:
    A, T = gt_ig.shape[0], thr.size
    nG = mstart.size
    gmax = int(n_gt.max())
    jj = np.arange(gmax)
    valid = jj[None, :] < n_gt[:, None]
    gpos = np.where(valid, g_first[:, None] + jj[None, :], 0)
    ig = gt_ig[:, gpos] & valid[None]  # (A, nG, gmax)
    crowd = g_crowd[gpos] & valid
    free = np.ones((A, T, nG, gmax), dtype=bool)
    thr4 = thr[None, :, None, None]
    rev = slice(None, None, -1)
    for r in range(int(n_dt[0])):
        n_r = int(np.count_nonzero(n_dt > r))  # groups sorted by size, so a prefix
        d = mstart[:n_r] + r  # positions among the matchable detections
        v = valid[:n_r]
        ious = np.where(v, iou[np.where(v, pair_start[d][:, None] + jj[None, :], 0)], -1.0)
        cand = (ious[None, None] >= thr4) & (free[:, :, :n_r] | crowd[None, None, :n_r])
        ig_r = ig[:, None, :n_r, :]
        c_keep = cand & ~ig_r
        c_ign = cand & ig_r
        # highest IoU, the later ground truth on a tie: argmax over the reversed axis
        m_keep = gmax - 1 - np.argmax(np.where(c_keep, ious, -1.0)[..., rev], axis=-1)
        m_ign = gmax - 1 - np.argmax(np.where(c_ign, ious, -1.0)[..., rev], axis=-1)
        m = np.where(c_keep.any(-1), m_keep, np.where(c_ign.any(-1), m_ign, -1))
        took = (jj == m[..., None]) & ~crowd[None, None, :n_r]
        free[:, :, :n_r] &= ~took
        res[:, :, d] = np.where(m >= 0, g_first[:n_r][None, None, :] + m, -1)

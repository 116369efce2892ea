"""COCO AP/AR from the match table: precision/recall arrays, the 12 summary stats and per-class AP.

The arithmetic is pycocotools' ``accumulate``/``summarize`` as array operations over all
classes at once: the same cumulative sums, the same ``tp / (fp + tp + eps)``, the same
precision envelope and recall-grid lookup, the same means, so the figures are the same
doubles (tests hold them to pycocotools on generated and hand-built data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.metrics.matchtable import MatchTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

STAT_NAMES: tuple[str, ...] = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


@dataclass(frozen=True)
class CocoAccumulation:
    """pycocotools' ``eval`` arrays: precision and scores ``(T, R, K, A, M)``, recall ``(T, K, A, M)``; -1 absent."""

    precision: FloatArray
    recall: FloatArray
    scores: FloatArray


@dataclass(frozen=True)
class CocoSummary:
    """The 12 COCO summary stats, in pycocotools' order, and the lines it prints."""

    stats: FloatArray
    lines: tuple[str, ...]

    def as_mapping(self) -> dict[str, float]:
        return {name: float(v) for name, v in zip(STAT_NAMES, self.stats, strict=True)}

    def to_dict(self) -> dict[str, Any]:
        return {"stats": self.as_mapping(), "lines": list(self.lines)}


def _segmented_suffix_max(values: FloatArray, seg_start_flags: BoolArray) -> FloatArray:
    """Running maximum from the right within segments, exact (done on ranks, not on shifted floats)."""
    if values.size == 0:
        return values
    srt = np.sort(values)
    rank = np.searchsorted(srt, values)
    seg = np.cumsum(seg_start_flags) - 1
    big = values.size + 1
    key = (seg.max() - seg) * big + rank  # grows along the reversed array, segment by segment
    run = np.maximum.accumulate(key[::-1])[::-1]
    return srt[run % big]


def _accumulate_one(
    match: MatchTable, a: int, m: int, image_mask: BoolArray | None, want_precision: bool
) -> tuple[FloatArray | None, FloatArray, FloatArray | None]:
    """Precision ``(T, R, K)``, recall ``(T, K)`` and scores ``(T, R, K)`` for one area range and cap."""
    p = match.params
    K = match.num_classes
    T = len(p.iou_thresholds)
    rec_thrs = p.recall_array
    R = rec_thrs.size
    keep = match.dt_rank < p.max_dets[m]
    if image_mask is not None:
        keep &= image_mask[match.dt_image]
    everything = bool(keep.all())

    g_keep = ~match.gt_ignored[a]
    if image_mask is not None:
        g_keep = g_keep & image_mask[match.gt_image]
    npig = np.bincount(match.gt_class[g_keep], minlength=K)
    present = npig > 0
    n_k = np.bincount(match.dt_class[keep], minlength=K)

    dt_gt = match.dt_gt[a] if everything else match.dt_gt[a][:, keep]
    ign = match.dt_ignored[a] if everything else match.dt_ignored[a][:, keep]
    cls = match.dt_class if everything else match.dt_class[keep]
    n = cls.size
    tps = (dt_gt >= 0) & ~ign  # (T, n), rows in accumulation order
    tp_flat = np.flatnonzero(tps)
    tp_t = tp_flat // max(n, 1)
    tp_cls = cls[tp_flat - tp_t * n]
    n_tp = np.bincount(tp_t * K + tp_cls, minlength=T * K).reshape(T, K)
    with np.errstate(divide="ignore", invalid="ignore"):
        rc_last = n_tp.astype(np.float64) / npig[None, :]
    recall = np.where(present[None, :], np.where(n_k[None, :] > 0, rc_last, 0.0), -1.0)
    if not want_precision:
        return None, recall, None

    precision = np.full((T, R, K), -1.0)
    scores = np.full((T, R, K), -1.0)
    if not present.any():
        return precision, recall, scores
    if n == 0:  # no detection at all: pycocotools leaves precision and score at 0 for classes with truth
        precision[:, :, present] = 0.0
        scores[:, :, present] = 0.0
        return precision, recall, scores
    seg_start = np.r_[0, np.cumsum(n_k)[:-1]]
    # precision only changes at true positives; between them it falls. So the envelope
    # max(pr[i:]) at any grid point is the running maximum over the class's true positives.
    fps = ~((dt_gt >= 0) | ign)
    fpc = np.cumsum(fps, axis=1, dtype=np.int64).ravel()
    seg_base = np.arange(T)[:, None] * n + seg_start[None, :]  # flat start of each (t, k)
    fp_before = np.where(seg_start[None, :] > 0, fpc[np.maximum(seg_base - 1, 0)], 0)
    cum = (np.cumsum(n_tp.ravel()) - n_tp.ravel()).reshape(T, K)  # TPs before each (t, k)
    tp_seg = tp_t * K + tp_cls
    tp_count = (np.arange(tp_flat.size) - cum.ravel()[tp_seg] + 1).astype(np.float64)
    fp_count = (fpc[tp_flat] - fp_before.ravel()[tp_seg]).astype(np.float64)
    pr_tp = tp_count / (fp_count + tp_count + np.spacing(1))
    first = np.ones(tp_flat.size, dtype=bool)
    first[1:] = tp_seg[1:] != tp_seg[:-1]
    env = _segmented_suffix_max(pr_tp, first)

    # recall reaches threshold r at the x-th true positive, x the least count with
    # fl(x / npig) >= r (pycocotools' searchsorted on rc, done in integers)
    x_need = np.zeros((K, R), dtype=np.int64)
    for k in np.flatnonzero(present):
        x_need[k] = np.searchsorted(np.arange(npig[k] + 1, dtype=np.float64) / npig[k], rec_thrs, "left")
    x = x_need[None, :, :]
    ntp3 = n_tp[:, :, None]
    valid = ((x == 0) & (n_k[None, :, None] > 0)) | ((x >= 1) & (x <= ntp3))
    valid &= present[None, :, None]
    j = np.clip(cum[:, :, None] + np.maximum(x, 1) - 1, 0, max(tp_flat.size - 1, 0))
    has_tp = ntp3 > 0
    q = np.where(valid & has_tp, env[j] if env.size else 0.0, 0.0)
    score_all = match.dt_score if everything else match.dt_score[keep]
    pos = np.where(x == 0, seg_base[:, :, None], tp_flat[j] if tp_flat.size else 0)
    ss = np.where(valid, np.concatenate([score_all, [0.0]])[np.where(valid, pos % max(n, 1), n)], 0.0)
    precision = np.where(present[None, None, :], q.transpose(0, 2, 1), -1.0)
    scores = np.where(present[None, None, :], ss.transpose(0, 2, 1), -1.0)
    return precision, recall, scores


def accumulate(
    match: MatchTable,
    image_mask: BoolArray | None = None,
    combos: list[tuple[int, int]] | None = None,
) -> CocoAccumulation:
    """pycocotools' ``accumulate`` for the images in ``image_mask`` (all when None).

    ``combos`` limits the (area index, cap index) pairs for which precision is filled
    (recall is always filled; it is cheap); by default all of them.
    """
    p = match.params
    T, R, K = len(p.iou_thresholds), len(p.recall_thresholds), match.num_classes
    A, M = len(p.area_ranges), len(p.max_dets)
    precision = np.full((T, R, K, A, M), -1.0)
    scores = np.full((T, R, K, A, M), -1.0)
    recall = np.full((T, K, A, M), -1.0)
    wanted = set(combos) if combos is not None else {(a, m) for a in range(A) for m in range(M)}
    for a in range(A):
        for m in range(M):
            pr, rc, sc = _accumulate_one(match, a, m, image_mask, (a, m) in wanted)
            recall[:, :, a, m] = rc
            if pr is not None and sc is not None:
                precision[:, :, :, a, m] = pr
                scores[:, :, :, a, m] = sc
    return CocoAccumulation(precision=precision, recall=recall, scores=scores)


def _summarize_one(
    match: MatchTable, acc: CocoAccumulation, ap: bool, iou_thr: float | None, area: str, max_dets: int
) -> tuple[float, str]:
    p = match.params
    iou_arr = p.iou_array
    a_ind = [i for i, lbl in enumerate(p.area_labels) if lbl == area]
    m_ind = [i for i, md in enumerate(p.max_dets) if md == max_dets]
    if ap:
        s = acc.precision
        if iou_thr is not None:
            s = s[np.where(iou_thr == iou_arr)[0]]
        s = s[:, :, :, a_ind, m_ind]
    else:
        s = acc.recall
        if iou_thr is not None:
            s = s[np.where(iou_thr == iou_arr)[0]]
        s = s[:, :, a_ind, m_ind]
    value = -1.0 if len(s[s > -1]) == 0 else float(np.mean(s[s > -1]))
    title = "Average Precision" if ap else "Average Recall"
    kind = "(AP)" if ap else "(AR)"
    iou_str = f"{iou_arr[0]:0.2f}:{iou_arr[-1]:0.2f}" if iou_thr is None else f"{iou_thr:0.2f}"
    line = f" {title:<18} {kind} @[ IoU={iou_str:<9} | area={area:>6s} | maxDets={max_dets:>3d} ] = {value:0.3f}"
    return value, line


def summarize(match: MatchTable, image_mask: BoolArray | None = None) -> CocoSummary:
    """The 12 COCO stats (pycocotools' ``summarize``) for all images or those in ``image_mask``."""
    p = match.params
    A = len(p.area_ranges)
    M = len(p.max_dets)
    m_hi = min(2, M - 1)
    acc = accumulate(match, image_mask, combos=[(a, m_hi) for a in range(A)])
    md = p.max_dets
    plan: list[tuple[bool, float | None, str, int]] = [
        (True, None, "all", md[m_hi]),
        (True, 0.5, "all", md[m_hi]),
        (True, 0.75, "all", md[m_hi]),
        (True, None, "small", md[m_hi]),
        (True, None, "medium", md[m_hi]),
        (True, None, "large", md[m_hi]),
        (False, None, "all", md[0]),
        (False, None, "all", md[min(1, M - 1)]),
        (False, None, "all", md[m_hi]),
        (False, None, "small", md[m_hi]),
        (False, None, "medium", md[m_hi]),
        (False, None, "large", md[m_hi]),
    ]
    values: list[float] = []
    lines: list[str] = []
    for ap, thr, area, mdet in plan:
        v, line = _summarize_one(match, acc, ap, thr, area, mdet)
        values.append(v)
        lines.append(line)
    return CocoSummary(stats=np.asarray(values), lines=tuple(lines))


@dataclass(frozen=True)
class ClassAP:
    """AP per class (area "all", largest cap): mean over IoU thresholds, at 0.5 and at 0.75; -1 without ground truth."""

    category_ids: IntArray
    category_names: tuple[str, ...]
    ap: FloatArray
    ap50: FloatArray
    ap75: FloatArray
    num_gt: IntArray

    def to_dict(self) -> dict[str, Any]:
        return {
            name: {"id": int(cid), "AP": float(a), "AP50": float(a5), "AP75": float(a7), "num_gt": int(g)}
            for name, cid, a, a5, a7, g in zip(
                self.category_names, self.category_ids, self.ap, self.ap50, self.ap75, self.num_gt, strict=True
            )
        }


def _class_means(pr: FloatArray) -> FloatArray:
    """Mean of each class's valid precision values, ``pr`` shaped ``(T, R, K)`` (the reference recipe)."""
    out = np.full(pr.shape[2], -1.0)
    for k in range(pr.shape[2]):
        v = pr[:, :, k]
        v = v[v > -1]
        if v.size:
            out[k] = float(np.mean(v))
    return out


def per_class_ap(match: MatchTable, image_mask: BoolArray | None = None) -> ClassAP:
    """AP of each class, as hotcoco's ``results(per_class=True)`` and the usual pycocotools recipe."""
    p = match.params
    m_hi = len(p.max_dets) - 1
    pr, _, _ = _accumulate_one(match, 0, m_hi, image_mask, True)
    assert pr is not None
    iou_arr = p.iou_array
    i50 = np.where(iou_arr == 0.5)[0]
    i75 = np.where(iou_arr == 0.75)[0]
    g_keep = ~match.gt_ignored[0]
    if image_mask is not None:
        g_keep = g_keep & image_mask[match.gt_image]
    return ClassAP(
        category_ids=match.category_ids,
        category_names=match.category_names,
        ap=_class_means(pr),
        ap50=_class_means(pr[i50]) if i50.size else np.full(match.num_classes, -1.0),
        ap75=_class_means(pr[i75]) if i75.size else np.full(match.num_classes, -1.0),
        num_gt=np.bincount(match.gt_class[g_keep], minlength=match.num_classes),
    )

"""The match table holds pycocotools' per-detection and per-ground-truth verdicts, and thresholds are prefixes."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from metrics_cases import make_coco, pycoco_eval

from truthline.metrics import match_coco, summarize
from truthline.metrics.report import pycocotools_notes


def test_table_equals_pycocotools_eval_imgs() -> None:
    gt, dt = make_coco(7, n_img=20)
    ref = pycoco_eval(gt, dt)
    m = match_coco(gt, dt)
    row_of = {int(i): r for r, i in enumerate(m.dt_id)}
    gt_row = {int(i): r for r, i in enumerate(m.gt_id)}
    n_a = len(ref.params.areaRng)
    checked = 0
    for e in ref.evalImgs:
        if e is None:
            continue
        a = [tuple(x) for x in ref.params.areaRng].index(tuple(e["aRng"]))
        assert a < n_a
        for j, did in enumerate(e["dtIds"]):
            r = row_of[did]
            for t in range(10):
                gid = int(e["dtMatches"][t, j])
                got = m.dt_gt[a, t, r]
                assert (got >= 0) == (gid > 0)
                if gid > 0:
                    assert m.gt_id[got] == gid
                assert bool(m.dt_ignored[a, t, r]) == bool(e["dtIgnore"][t, j])
                checked += 1
        for j, gid in enumerate(e["gtIds"]):
            g = gt_row[gid]
            assert bool(m.gt_ignored[a, g]) == bool(e["gtIgnore"][j])
            for t in range(10):
                assert (m.gt_dt[a, t, g] >= 0) == (e["gtMatches"][t, j] > 0)
    assert checked > 1000


def test_columns_and_iou() -> None:
    gt, dt = make_coco(3)
    m = match_coco(gt, dt)
    assert m.dt_gt.shape == (4, 10, m.num_detections)
    assert m.dt_id.min() >= 1 and np.all(np.diff(m.dt_class) >= 0)  # accumulation order: class first
    tp = m.dt_true_positive(0.5)
    assert np.all(m.dt_iou[0][tp] >= 0.5)
    assert np.all(np.isnan(m.dt_iou[0][m.dt_gt[0, 0] < 0]))
    d = m.detections_dict(0.5)
    assert len(d["gt_id"]) == m.num_detections and m.to_dict()["detections"] == m.num_detections


def _filtered(dt: list[dict[str, Any]], s: float) -> list[dict[str, Any]]:
    return [d for d in dt if d["score"] >= s]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), thr=st.sampled_from([0.0, 0.15, 0.3, 0.5, 0.7, 0.9]))
@example(seed=1272, thr=0.9)  # once crashed: IoU lookup of an unmatched detection
def test_status_above_threshold_equals_status_in_full_match(seed: int, thr: float) -> None:
    gt, dt = make_coco(seed, n_img=6, n_cls=2, dt_per=8)
    full = match_coco(gt, dt)
    part = match_coco(gt, _filtered(dt, thr))
    keep = full.dt_score >= thr
    # the same detections, matched to the same ground truths, ignored alike, at every (area, IoU)
    ids_full = full.dt_id[keep]
    orig_index = np.flatnonzero(np.array([d["score"] >= thr for d in dt]))
    ids_part = orig_index[part.dt_id - 1] + 1  # part's ids are 1..n over the filtered list
    a = np.argsort(ids_full)
    b = np.argsort(ids_part)
    np.testing.assert_array_equal(ids_full[a], ids_part[b])
    gf = full.dt_gt[:, :, keep][:, :, a]
    gp = part.dt_gt[:, :, b]
    np.testing.assert_array_equal(
        np.where(gf >= 0, full.gt_id[np.maximum(gf, 0)], -1), np.where(gp >= 0, part.gt_id[np.maximum(gp, 0)], -1)
    )
    np.testing.assert_array_equal(full.dt_ignored[:, :, keep][:, :, a], part.dt_ignored[:, :, b])


def test_ground_truth_id_zero_follows_the_correct_rule() -> None:
    gt, dt = make_coco(11, n_img=10, first_ann_id=0)
    m = match_coco(gt, dt)
    ref = pycoco_eval(gt, dt)
    import contextlib
    import io

    import hotcoco

    g = hotcoco.COCO(copy.deepcopy(gt))
    ev = hotcoco.COCOeval(g, g.load_res(copy.deepcopy(dt)), "bbox")
    with contextlib.redirect_stdout(io.StringIO()):
        ev.run()
    ours = summarize(m).stats
    assert np.abs(ours - np.asarray(ev.stats)).max() <= 1e-12  # hotcoco gets id 0 right
    notes = pycocotools_notes(m)
    if (m.gt_dt[:, :, m.gt_id == 0] >= 0).any():
        assert len(notes) == 1 and "pycocotools would report other numbers" in notes[0]
        assert np.abs(ours - ref.stats).max() > 0  # and pycocotools indeed differs
    # renumbering the ids from 1 gives pycocotools' numbers back, equal to ours
    gt1 = copy.deepcopy(gt)
    for a in gt1["annotations"]:
        a["id"] += 1
    assert np.abs(summarize(match_coco(gt1, dt)).stats - pycoco_eval(gt1, dt).stats).max() <= 1e-12
    assert np.abs(summarize(match_coco(gt1, dt)).stats - ours).max() <= 1e-12


def test_unknown_image_is_a_format_error() -> None:
    import pytest

    from truthline.domain.errors import FormatError

    gt, dt = make_coco(1, n_img=3)
    with pytest.raises(FormatError, match="images the ground truth does not list"):
        match_coco(gt, [*dt, {"image_id": 99999, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}])
    with pytest.raises(FormatError, match="bbox"):
        match_coco(gt, [{"image_id": 10, "category_id": 1, "bbox": [0, 0, 1], "score": 0.5}])
    with pytest.raises(FormatError, match="score"):
        match_coco(gt, [{"image_id": 10, "category_id": 1, "bbox": [0, 0, 1, 1]}])


def test_numpy_detections_equal_dict_detections() -> None:
    gt, dt = make_coco(5)
    arr = np.array([[d["image_id"], *d["bbox"], d["score"], d["category_id"]] for d in dt])
    assert np.array_equal(summarize(match_coco(gt, arr)).stats, summarize(match_coco(gt, dt)).stats)

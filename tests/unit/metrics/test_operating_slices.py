"""Operating points, sweeps, threshold picks and slices, checked against pycocotools and brute force."""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np
import pytest
from metrics_cases import make_coco, pycoco_eval

from truthline.metrics import (
    match_coco,
    operating_point,
    per_class_ap,
    pick_threshold,
    production_figures,
    reweight_to_prevalence,
    slice_metrics,
    summarize,
    sweep,
)


def _brute(
    gt: dict[str, Any], dt: list[dict[str, Any]], thr: float
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """TP/FP/FN per class from pycocotools' evalImgs on the detections above thr (area all, IoU .5)."""
    ref = pycoco_eval(gt, [d for d in dt if d["score"] >= thr])
    tp: dict[int, int] = {}
    fp: dict[int, int] = {}
    fn: dict[int, int] = {}
    for e in ref.evalImgs:
        if e is None or list(e["aRng"]) != [0, 1e10]:
            continue
        c = e["category_id"]
        m, ig = e["dtMatches"][0] > 0, e["dtIgnore"][0] > 0
        tp[c] = tp.get(c, 0) + int((m & ~ig).sum())
        fp[c] = fp.get(c, 0) + int((~m & ~ig).sum())
        g_ok = e["gtIgnore"] == 0
        fn[c] = fn.get(c, 0) + int((g_ok & ~(e["gtMatches"][0] > 0)).sum())
    return tp, fp, fn


@pytest.mark.parametrize("thr", [0.0, 0.35, 0.6])
def test_operating_point_equals_matching_only_detections_above(thr: float) -> None:
    gt, dt = make_coco(21)
    m = match_coco(gt, dt)
    op = operating_point(m, thr)
    tp, fp, fn = _brute(gt, dt, thr)
    for k, cid in enumerate(m.category_ids.tolist()):
        assert op.tp[k] == tp.get(cid, 0)
        assert op.fp[k] == fp.get(cid, 0)
        assert op.fn[k] == fn.get(cid, 0)
    assert op.to_dict()["total"]["tp"] == sum(tp.values())


def test_sweep_rows_equal_operating_points() -> None:
    gt, dt = make_coco(22)
    m = match_coco(gt, dt)
    for cat in (None, "c1"):
        sw = sweep(m, 0.5, category=cat)
        assert np.all(np.diff(sw.thresholds) < 0)
        for i in range(0, sw.thresholds.size, 3):
            op = operating_point(m, float(sw.thresholds[i]))
            k = slice(None) if cat is None else m.class_index(cat)
            assert sw.tp[i] == np.sum(op.tp[k]) and sw.fp[i] == np.sum(op.fp[k])
            if cat is not None:
                assert sw.images_alert_negative[i] == op.images_alert_negative[k]
                assert sw.images_alert_positive[i] == op.images_alert_positive[k]


def test_pick_threshold_targets() -> None:
    gt, dt = make_coco(23, n_img=40)
    m = match_coco(gt, dt)
    sw = sweep(m, 0.5, category="c1")
    ch = pick_threshold(sw, min_recall=0.6)
    assert ch.threshold is not None and ch.recall is not None and ch.recall >= 0.6
    higher = sw.thresholds > ch.threshold
    assert np.all(np.nan_to_num(sw.recall[higher]) < 0.6)  # the highest threshold that meets it
    ch2 = pick_threshold(sw, max_fpr=0.2)
    if ch2.threshold is not None:
        assert ch2.image_fpr is not None and ch2.image_fpr <= 0.2
        lower = sw.thresholds < ch2.threshold
        assert np.all(sw.image_fpr[lower] > 0.2)  # the lowest threshold within the limit
    assert pick_threshold(sw, min_recall=1.01).threshold is None
    with pytest.raises(ValueError):
        pick_threshold(sw)


def test_slices_equal_pycocotools_on_the_images_of_each_slice() -> None:
    gt, dt = make_coco(24, n_img=36)
    m = match_coco(gt, dt)
    meta = {im["id"]: {"camera": f"cam{k % 3}"} for k, im in enumerate(gt["images"]) if k % 9 != 0}
    rep = slice_metrics(m, meta, "camera", threshold=0.5)
    values = [r.value for r in rep.rows]
    assert values == ["(missing)", "cam0", "cam1", "cam2"]
    for row in rep.rows:
        ids = [
            im["id"]
            for k, im in enumerate(gt["images"])
            if (meta.get(im["id"], {}).get("camera") or "(missing)") == row.value
        ]
        ref = pycoco_eval(gt, dt, img_ids=ids)
        assert abs(row.ap - ref.stats[0]) <= 1e-12
        assert abs(row.ap50 - ref.stats[1]) <= 1e-12
        mask = m.image_mask(ids)
        assert abs(summarize(m, mask).stats - ref.stats).max() <= 1e-12
        pc = per_class_ap(m, mask)
        assert row.class_ap["c1"] == pytest.approx(pc.ap[0], abs=1e-12)
        op = operating_point(m, 0.5, image_mask=mask)
        assert row.num_images == len(ids) and row.precision == op.totals()["precision"]


def test_slices_equal_hotcoco_slice_by() -> None:
    import hotcoco

    gt, dt = make_coco(25, n_img=30)
    m = match_coco(gt, dt)
    meta = {im["id"]: {"light": "day" if k % 2 else "night"} for k, im in enumerate(gt["images"])}
    g = hotcoco.COCO(copy.deepcopy(gt))
    ev = hotcoco.COCOeval(g, g.load_res(copy.deepcopy(dt)), "bbox")
    with contextlib.redirect_stdout(io.StringIO()):
        ev.run()
        ref = ev.slice_by({v: [i for i, md in meta.items() if md["light"] == v] for v in ("day", "night")})
    for row in slice_metrics(m, meta, "light").rows:
        assert abs(row.ap - ref[row.value]["AP"]) <= 1e-12


def test_reweighting_formulas() -> None:
    # balanced test: 100 defective parts, 100 good; TPR .9, FPR .05; production: 2% defective
    f = reweight_to_prevalence(tp=90, fp=5, fn=10, tn=95, prevalence=0.02, volume_per_day=10_000)
    assert f.test_precision == pytest.approx(90 / 95)
    assert f.precision == pytest.approx(0.02 * 0.9 / (0.02 * 0.9 + 0.98 * 0.05))
    d = f.to_dict()
    assert d["alerts_per_day"] == pytest.approx(10_000 * (0.02 * 0.9 + 0.98 * 0.05))
    assert d["false_alerts_per_day"] == pytest.approx(10_000 * 0.98 * 0.05)
    assert d["missed_per_day"] == pytest.approx(10_000 * 0.02 * 0.1)
    # the same figure by brute force: replicate units in proportion to the production mix
    pos = np.r_[np.ones(90), np.zeros(10)]
    neg = np.r_[np.ones(5), np.zeros(95)]
    w_pos, w_neg = 0.02 / 0.5, 0.98 / 0.5
    alerts = (pos.sum() * w_pos + neg.sum() * w_neg) / (100 * w_pos + 100 * w_neg)
    assert f.alerts_per_unit == pytest.approx(alerts)
    with pytest.raises(ValueError):
        reweight_to_prevalence(1, 0, 0, 0, 0.5)


def test_production_figures_from_a_match() -> None:
    gt, dt = make_coco(26, n_img=40)
    m = match_coco(gt, dt)
    f = production_figures(m, 0.5, prevalence=0.02, category="c2", volume_per_day=1000)
    op = operating_point(m, 0.5)
    k = m.class_index("c2")
    assert f.tpr == pytest.approx(op.images_alert_positive[k] / op.images_positive[k])
    assert f.fpr == pytest.approx(op.images_alert_negative[k] / op.images_negative[k])
    assert f.fp_objects_per_unit is not None and f.fp_objects_per_unit >= 0

"""Video figures against py-motmetrics; the error breakdown against hotcoco's own diagnostics."""

from __future__ import annotations

import contextlib
import copy
import io

import numpy as np
import pytest
from metrics_cases import make_coco

from truthline.metrics import frame_metrics, match_coco, tide_breakdown, track_metrics


def _video(seed: int, frames: int = 40, objects: int = 5) -> tuple[np.ndarray, ...]:
    """Moving truth boxes; detections jittered, sometimes missing, sometimes spurious, ids swapped midway."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(0, 200, (objects, 2))
    vel = rng.normal(0, 3, (objects, 2))
    born = rng.integers(0, frames // 3, objects)
    gf, gi, gb, df, di, db = [], [], [], [], [], []
    for f in range(frames):
        for o in range(objects):
            if f < born[o] or (o == 0 and 20 <= f < 24):
                continue
            x, y = start[o] + vel[o] * f
            box = [x, y, 30.0, 40.0]
            gf.append(f)
            gi.append(o)
            gb.append(box)
            if rng.random() < 0.85:
                j = rng.normal(0, 3, 4)
                df.append(f)
                hid = o if f < frames // 2 or o > 1 else 1 - o  # two ids swap halfway
                di.append(100 + hid)
                db.append([box[0] + j[0], box[1] + j[1], 30 + j[2], 40 + j[3]])
        if rng.random() < 0.3:
            df.append(f)
            di.append(500 + f)
            db.append([*rng.uniform(0, 200, 2), 25.0, 25.0])
    return tuple(np.asarray(v, dtype=float) for v in (gf, gi, gb, df, di, db))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mota_idf1_against_motmetrics(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import motmetrics as mm

    # motmetrics 1.4 still calls np.asfarray, which numpy 2 removed
    monkeypatch.setattr(np, "asfarray", lambda a, dtype=float: np.asarray(a, dtype=dtype), raising=False)

    gf, gi, gb, df, di, db = _video(seed)
    res = track_metrics(gf, gi, gb, df, di, db, iou=0.5)
    acc = mm.MOTAccumulator(auto_id=False)
    for f in np.union1d(gf, df):
        gs, ds = gf == f, df == f
        dist = mm.distances.iou_matrix(gb[gs], db[ds], max_iou=0.5)
        acc.update(gi[gs].astype(int), di[ds].astype(int), dist, frameid=int(f))
    mh = mm.metrics.create()
    s = mh.compute(
        acc,
        metrics=["mota", "idf1", "num_switches", "num_misses", "num_false_positives", "num_matches", "num_objects"],
        name="x",
    )
    assert res.num_gt == int(s["num_objects"].iloc[0])
    assert res.fn == int(s["num_misses"].iloc[0])
    assert res.fp == int(s["num_false_positives"].iloc[0])
    assert res.switches == int(s["num_switches"].iloc[0])
    assert res.tp - res.switches == int(s["num_matches"].iloc[0])
    assert res.mota == pytest.approx(float(s["mota"].iloc[0]), abs=1e-12)
    assert res.idf1 == pytest.approx(float(s["idf1"].iloc[0]), abs=1e-12)


def test_tracks_and_frames() -> None:
    gf, gi, gb, df, di, db = _video(3)
    res = track_metrics(gf, gi, gb, df, di, db)
    assert res.track_ids.tolist() == sorted(set(gi.astype(int).tolist()))
    assert np.all(res.track_detected <= res.track_frames)
    assert res.track_frames.sum() == gf.size
    assert np.all((res.track_detection_rate >= 0) & (res.track_detection_rate <= 1))
    assert np.all(np.nan_to_num(res.track_first_delay) >= 0)
    assert (res.frame_tp + res.frame_fn).sum() == gf.size
    assert (res.frame_tp + res.frame_fp).sum() == df.size
    plain = frame_metrics(gf, gb, df, db)
    assert plain.switches == 0 and plain.tp == res.tp
    assert res.to_dict()["mota"] == res.mota


def test_error_breakdown_is_hotcocos() -> None:
    import hotcoco

    gt, dt = make_coco(31, n_img=20)
    m = match_coco(gt, dt)
    br = tide_breakdown(m)
    g = hotcoco.COCO(copy.deepcopy(gt))
    ev = hotcoco.COCOeval(g, g.load_res(copy.deepcopy(dt)), "bbox")
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
    ref = ev.tide_errors()
    assert br.counts == {k: int(v) for k, v in ref["counts"].items()}
    assert br.delta_ap == pytest.approx(ref["delta_ap"])
    cm = ev.confusion_matrix(iou_thr=0.5, max_det=100)
    np.testing.assert_array_equal(br.confusion, cm["matrix"])
    d = br.to_dict()
    assert set(d["tide"]) >= {"classification", "localisation", "duplicate", "background", "missed"}
    # misclassified detections show up as cross-class confusion
    assert all(a != b for a, b, _ in br.top_confusions())

"""COCO AP/AR from the match table equal pycocotools' (and hotcoco's) on generated and hand-built data."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from metrics_cases import make_coco, pycoco_eval

from truthline.metrics import accumulate, match_coco, per_class_ap, summarize

TOL = 1e-12


def _check(gt: dict[str, Any], dt: list[dict[str, Any]], iou_type: str = "bbox") -> None:
    ref = pycoco_eval(gt, dt, iou_type)
    m = match_coco(gt, dt, iou_type=iou_type)
    s = summarize(m)
    assert np.abs(s.stats - ref.stats).max() <= TOL
    acc = accumulate(m)
    assert np.abs(acc.precision - ref.eval["precision"]).max() <= TOL
    assert np.abs(acc.recall - ref.eval["recall"]).max() <= TOL
    assert np.abs(acc.scores - ref.eval["scores"]).max() <= TOL
    # per class AP: the usual recipe on pycocotools' precision array
    pc = per_class_ap(m)
    for k in range(m.num_classes):
        pr = ref.eval["precision"][:, :, k, 0, -1]
        pr = pr[pr > -1]
        expected = float(np.mean(pr)) if pr.size else -1.0
        assert abs(pc.ap[k] - expected) <= TOL


@pytest.mark.parametrize("seed", range(6))
def test_bbox_generated_seeds(seed: int) -> None:
    gt, dt = make_coco(seed, n_img=25 + seed * 3, n_cls=3 + seed % 3)
    _check(gt, dt)


@pytest.mark.parametrize("seed", range(2))
def test_segm_generated_seeds(seed: int) -> None:
    gt, dt = make_coco(100 + seed, n_img=12, segm=True)
    _check(gt, dt, "segm")


def test_summary_lines_are_pycocotools_lines(coco_small: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    import contextlib
    import io

    gt, dt = coco_small
    ev = pycoco_eval(gt, dt)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        ev.summarize()
    assert list(summarize(match_coco(gt, dt)).lines) == buf.getvalue().strip("\n").split("\n")


def test_matches_hotcoco_stats(coco_small: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    import contextlib
    import io

    import hotcoco

    gt, dt = coco_small
    g = hotcoco.COCO(copy.deepcopy(gt))
    ev = hotcoco.COCOeval(g, g.load_res(copy.deepcopy(dt)), "bbox")
    with contextlib.redirect_stdout(io.StringIO()):
        ev.run()
    assert np.abs(summarize(match_coco(gt, dt)).stats - np.asarray(ev.stats)).max() <= TOL


def _tiny(anns: list[dict[str, Any]], n_cls: int = 2) -> dict[str, Any]:
    return {
        "images": [{"id": 1, "width": 100, "height": 100}, {"id": 2, "width": 100, "height": 100}],
        "categories": [{"id": c + 1, "name": f"k{c}"} for c in range(n_cls)],
        "annotations": anns,
    }


def _ann(i: int, img: int, c: int, b: list[float], crowd: int = 0) -> dict[str, Any]:
    return {"id": i, "image_id": img, "category_id": c, "bbox": b, "area": b[2] * b[3], "iscrowd": crowd}


def _det(img: int, c: int, b: list[float], s: float) -> dict[str, Any]:
    return {"image_id": img, "category_id": c, "bbox": b, "score": s}


EDGE_CASES = {
    "equal_iou_tie_takes_later_gt": (
        _tiny([_ann(1, 1, 1, [10, 10, 20, 20]), _ann(2, 1, 1, [10, 10, 20, 20])]),
        [_det(1, 1, [10, 10, 20, 20], 0.9), _det(1, 1, [10, 10, 20, 20], 0.9)],
    ),
    "crowd_absorbs_many": (
        _tiny([_ann(1, 1, 1, [0, 0, 80, 80], crowd=1), _ann(2, 1, 1, [5, 5, 10, 10])]),
        [_det(1, 1, [0, 0, 40, 40], s) for s in (0.9, 0.8, 0.7)] + [_det(1, 1, [5, 5, 10, 10], 0.6)],
    ),
    "prefers_counted_over_ignored": (
        _tiny([_ann(1, 1, 1, [10, 10, 30, 30], crowd=1), _ann(2, 1, 1, [12, 12, 30, 30])]),
        [_det(1, 1, [10, 10, 30, 30], 0.5)],
    ),
    "only_detections_on_empty_image": (
        _tiny([_ann(1, 1, 1, [10, 10, 30, 30])]),
        [_det(2, 1, [10, 10, 30, 30], 0.5), _det(1, 1, [10, 10, 30, 30], 0.4)],
    ),
    "class_without_gt_and_unknown_class": (
        _tiny([_ann(1, 1, 1, [10, 10, 30, 30])], n_cls=3),
        [_det(1, 2, [10, 10, 30, 30], 0.9), _det(1, 9, [10, 10, 30, 30], 0.8), _det(1, 1, [10, 10, 30, 30], 0.1)],
    ),
    "more_than_max_dets": (
        _tiny([_ann(1, 1, 1, [10, 10, 30, 30])]),
        [_det(1, 1, [float(i % 50), 10, 30, 30], 0.5 + (i % 7) / 100) for i in range(130)],
    ),
    "small_medium_large_ranges": (
        _tiny([_ann(1, 1, 1, [0, 0, 5, 5]), _ann(2, 1, 1, [20, 20, 50, 50]), _ann(3, 2, 2, [0, 0, 99, 99])]),
        [
            _det(1, 1, [0, 0, 5, 6], 0.3),
            _det(1, 1, [20, 20, 50, 48], 0.8),
            _det(1, 1, [60, 60, 4, 4], 0.9),
            _det(2, 2, [0, 0, 98, 99], 0.2),
            _det(2, 2, [1, 1, 40, 40], 0.95),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases(name: str) -> None:
    gt, dt = EDGE_CASES[name]
    _check(gt, dt)


def test_no_detections_at_all_and_empty_subsets() -> None:
    """A model that finds nothing, and a slice without detections, match pycocotools (AP 0, not a crash)."""
    gt, dt_all = make_coco(5, n_img=12)
    empty = match_coco(gt, [])
    oracle = pycoco_eval(gt, [])
    assert np.array_equal(summarize(empty).stats, np.asarray(oracle.stats))
    dt = [d for d in dt_all if d["image_id"] != gt["images"][0]["id"]]
    match = match_coco(gt, dt)
    first = [gt["images"][0]["id"]]
    sub = summarize(match, match.image_mask(first)).stats
    assert np.array_equal(sub, np.asarray(pycoco_eval(gt, dt, img_ids=first).stats))

"""Vectorised IoU and one-to-one matching against a plain-Python reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from truthline.qa.boxes import ImageBoxes, iou_matrix, match_boxes

box = st.tuples(*(st.floats(0, 100, allow_nan=False) for _ in range(2)), *(st.floats(0, 50) for _ in range(2)))


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - iw * ih
    return iw * ih / union if union > 0 else 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(box, max_size=6), st.lists(box, max_size=6))
def test_iou_matrix_equals_reference(a: list[tuple[float, ...]], b: list[tuple[float, ...]]) -> None:
    m = iou_matrix(a, b)
    assert m.shape == (len(a), len(b))
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            assert abs(m[i, j] - _iou(x, y)) < 1e-9


def test_match_boxes_is_one_to_one_and_thresholded() -> None:
    a = [[0, 0, 10, 10], [20, 20, 10, 10]]
    b = [[1, 0, 10, 10], [0, 0, 10, 10], [50, 50, 5, 5]]
    pairs = match_boxes(iou_matrix(a, b), 0.5)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert pairs[0][2] == 1.0


def test_image_boxes_checks_lengths() -> None:
    ib = ImageBoxes.from_dicts("a", [{"label": "x", "bbox": [0, 0, 1, 1], "score": 0.5}])
    assert ib.scores is not None and ib.scores.tolist() == [0.5]
    try:
        ImageBoxes("a", np.zeros((2, 4)), ["x"])
    except ValueError as exc:
        assert "2 boxes" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("length mismatch accepted")

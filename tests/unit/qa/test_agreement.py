"""Agreement coefficients against scikit-learn, statsmodels and krippendorff on generated ratings."""

from __future__ import annotations

import itertools

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from truthline.qa.agreement import box_agreement, class_agreement, consensus_boxes, consensus_classes

CLASSES = ["cat", "dog", "bird", "fish"]


def _generated(seed: int, n_items: int = 120, n_ann: int = 4, p_missing: float = 0.0) -> np.ndarray:
    """An annotators x items matrix of class indices (NaN = not rated); annotators agree 70% of the time."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, len(CLASSES), n_items)
    m = np.where(rng.random((n_ann, n_items)) < 0.7, truth, rng.integers(0, len(CLASSES), (n_ann, n_items)))
    m = m.astype(float)
    m[rng.random(m.shape) < p_missing] = np.nan
    return m


def _ratings(m: np.ndarray) -> dict[str, list[tuple[str, str]]]:
    return {
        f"img{j}": [(f"ann{a}", CLASSES[int(m[a, j])]) for a in range(m.shape[0]) if not np.isnan(m[a, j])]
        for j in range(m.shape[1])
    }


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cohen_fleiss_krippendorff_match_the_libraries(seed: int) -> None:
    m = _generated(seed)
    s = class_agreement(_ratings(m)).summary
    for row in s["cohen"]:
        a, b = int(row["a"][3:]), int(row["b"][3:])
        assert row["kappa"] == pytest.approx(cohen_kappa_score(m[a], m[b]))
    table, _ = aggregate_raters(m.T.astype(int))
    assert s["fleiss"]["kappa"] == pytest.approx(fleiss_kappa(table))
    assert s["fleiss"]["n_raters"] == 4
    assert s["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")
    )
    assert 0.4 < s["krippendorff_alpha"] < 0.8  # 70% agreement is moderate, not perfect or chance


def test_krippendorff_with_missing_ratings_and_cohen_on_shared_items() -> None:
    m = _generated(5, p_missing=0.3)
    s = class_agreement(_ratings(m)).summary
    kept = (~np.isnan(m)).sum(axis=0) >= 2
    expected = krippendorff.alpha(reliability_data=m[:, kept], level_of_measurement="nominal")
    assert s["krippendorff_alpha"] == pytest.approx(expected)
    for row, (a, b) in zip(s["cohen"], itertools.combinations(range(4), 2), strict=True):
        both = ~np.isnan(m[a]) & ~np.isnan(m[b]) & kept
        assert row["n_items"] == int(both.sum())
        assert row["kappa"] == pytest.approx(cohen_kappa_score(m[a, both], m[b, both]))


def test_fleiss_wikipedia_example() -> None:
    # Fleiss (1971) worked example as on Wikipedia: 10 items, 14 raters, 5 categories, kappa = 0.210
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    ratings = {
        f"i{j}": [(f"r{k}", f"c{c}") for k, c in enumerate(c for c, n in enumerate(row) for _ in range(n))]
        for j, row in enumerate(table)
    }
    assert class_agreement(ratings).summary["fleiss"]["kappa"] == pytest.approx(0.210, abs=5e-4)


def test_disagreements_are_issues_and_consensus_is_the_majority() -> None:
    ratings = {
        "a": [("x", "cat"), ("y", "cat"), ("z", "dog")],
        "b": [("x", "cat"), ("y", "cat")],
        "c": [("x", "cat"), ("y", "dog")],
    }
    res = class_agreement(ratings)
    assert [i.image for i in res.issues] == ["c", "a"]  # the 50/50 split ranks first
    assert res.summary["percent_agreement"] == pytest.approx(1 / 3)
    assert consensus_classes(ratings) == {"a": "cat", "b": "cat", "c": None}


def test_box_agreement_counts_matches_per_class_and_pair() -> None:
    ratings = {
        "img": [
            ("ann1", "car", [0, 0, 10, 10]),
            ("ann1", "car", [50, 50, 10, 10]),
            ("ann1", "person", [100, 100, 10, 20]),
            ("ann2", "car", [1, 0, 10, 10]),  # IoU 9/11 with ann1's first car
            ("ann2", "person", [100, 100, 10, 20]),
            ("ann2", "car", [200, 200, 5, 5]),  # only ann2
        ]
    }
    res = box_agreement(ratings)
    o = res.summary["overall"]
    assert (o["matched"], o["boxes_a"], o["boxes_b"]) == (2, 3, 3)
    assert o["f1"] == pytest.approx(4 / 6)
    assert o["mean_iou"] == pytest.approx((9 / 11 + 1) / 2)
    assert res.summary["per_class"]["person"]["f1"] == 1.0
    assert res.summary["per_class"]["car"]["f1"] == pytest.approx(2 / 4)
    assert len(res.by_kind("box_disagreement")) == 2
    cons = consensus_boxes(ratings, min_support=1.0)["img"]
    assert sorted(c.label for c in cons) == ["car", "person"]


def test_box_class_disagreement_is_flagged() -> None:
    ratings = {"img": [("a", "car", [0, 0, 10, 10]), ("b", "truck", [0, 0, 10, 10]), ("c", "car", [0, 0, 10, 11])]}
    res = box_agreement(ratings)
    [issue] = res.by_kind("class_disagreement")
    assert issue.label == "car" and issue.detail["votes"] == {"car": 2, "truck": 1}

"""Classifier figures against scikit-learn; calibration against hand counts and hotcoco."""

from __future__ import annotations

import contextlib
import copy
import io

import numpy as np
import pytest
from metrics_cases import make_coco

from truthline.metrics import (
    calibration,
    classification_report,
    classification_slices,
    classifier_calibration,
    detection_calibration,
    match_coco,
)


def _data(seed: int, n: int = 300, c: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    logits = rng.normal(size=(n, c)) + 1.5 * np.eye(c)[y]
    logits = np.round(logits, 1)  # ties in scores
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return y, p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_against_sklearn(seed: int) -> None:
    from sklearn import metrics as skm

    y, p = _data(seed)
    rep = classification_report(y, p, k=(1, 2))
    pred = p.argmax(1)
    assert rep.accuracy == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    pr, rc, f1, _ = skm.precision_recall_fscore_support(y, pred, zero_division=0)
    np.testing.assert_allclose(rep.precision, pr, atol=1e-12)
    np.testing.assert_allclose(rep.recall, rc, atol=1e-12)
    np.testing.assert_allclose(rep.f1, f1, atol=1e-12)
    np.testing.assert_array_equal(rep.confusion, skm.confusion_matrix(y, pred))
    for c in range(4):
        assert rep.roc_auc[c] == pytest.approx(skm.roc_auc_score(y == c, p[:, c]), abs=1e-12)
        assert rep.pr_auc[c] == pytest.approx(skm.average_precision_score(y == c, p[:, c]), abs=1e-12)
    assert rep.top_k[2] == pytest.approx(skm.top_k_accuracy_score(y, p, k=2), abs=1e-12)
    assert rep.macro_roc_auc == pytest.approx(skm.roc_auc_score(y, p, multi_class="ovr", average="macro"), abs=1e-12)


def test_reweighting_to_prevalence_against_sklearn_weights() -> None:
    from sklearn import metrics as skm

    y, p = _data(5, c=2)
    prior = [0.98, 0.02]
    rep = classification_report(y, p, prevalence=prior)
    share = np.bincount(y) / y.size
    w = (np.asarray(prior) / share)[y]
    pred = p.argmax(1)
    assert rep.accuracy == pytest.approx(skm.accuracy_score(y, pred, sample_weight=w), abs=1e-12)
    pr, rc, _, _ = skm.precision_recall_fscore_support(y, pred, sample_weight=w, zero_division=0)
    np.testing.assert_allclose(rep.precision, pr, atol=1e-12)
    np.testing.assert_allclose(rep.recall, rc, atol=1e-12)
    assert rep.pr_auc[1] == pytest.approx(skm.average_precision_score(y == 1, p[:, 1], sample_weight=w), abs=1e-12)
    assert rep.roc_auc[1] == pytest.approx(skm.roc_auc_score(y == 1, p[:, 1], sample_weight=w), abs=1e-12)
    assert rep.to_dict()["weighted_to_prevalence"] == prior


def test_slices() -> None:
    y, p = _data(6)
    groups = ["a" if i % 3 else "b" for i in range(y.size)]
    out = classification_slices(y, p, groups, k=(1,))
    assert set(out) == {"a", "b"}
    sel = np.array(groups) == "b"
    assert out["b"].accuracy == classification_report(y[sel], p[sel]).accuracy


def test_calibration_hand_counts() -> None:
    c = calibration([0.05, 0.15, 0.95, 0.91, 1.0], [0, 1, 1, 0, 1], n_bins=10)
    assert c.count.tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    assert c.accuracy[9] == pytest.approx(2 / 3)
    gaps = [abs(0 - 0.05), abs(1 - 0.15), abs(2 / 3 - (0.95 + 0.91 + 1.0) / 3)]
    assert c.ece == pytest.approx((gaps[0] + gaps[1] + 3 * gaps[2]) / 5)
    assert c.mce == pytest.approx(max(gaps))
    assert len(c.to_dict()["bins"]) == 10


def test_classifier_calibration_top_label() -> None:
    y, p = _data(7)
    cal = classifier_calibration(y, p)
    assert cal.count.sum() == y.size
    conf = p.max(1)
    assert cal.ece == pytest.approx(calibration(conf, p.argmax(1) == y).ece)


def test_detection_calibration_matches_hotcoco() -> None:
    import hotcoco

    gt, dt = make_coco(8, n_img=30)
    m = match_coco(gt, dt)
    g = hotcoco.COCO(copy.deepcopy(gt))
    ev = hotcoco.COCOeval(g, g.load_res(copy.deepcopy(dt)), "bbox")
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
    ref = ev.calibration(n_bins=10, iou_threshold=0.5)
    ours = detection_calibration(m, 0.5)
    assert int(ours.count.sum()) == ref["num_detections"]
    assert ours.ece == pytest.approx(ref["ece"], abs=1e-9)
    assert ours.mce == pytest.approx(ref["mce"], abs=1e-9)

"""Label-error candidates: confident learning on generated classes; the four detection kinds, one by one and
recovered from injected errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import cross_val_predict

from truthline.qa.boxes import ImageBoxes, iou_matrix
from truthline.qa.inject import flip_labels, inject_box_errors, simulate_predictions
from truthline.qa.label_errors import (
    DetectionErrorConfig,
    classification_label_scores,
    find_classification_errors,
    find_detection_errors,
)


def test_confident_learning_finds_flipped_labels() -> None:
    x, y = make_classification(1200, 10, n_informative=8, n_classes=4, class_sep=2.0, random_state=0)
    noisy, flipped = flip_labels(y, 4, 0.1, seed=1)
    assert flipped.sum() == 120 and (noisy[flipped] != y[flipped]).all()
    probs = cross_val_predict(LogisticRegression(max_iter=500), x, noisy, cv=5, method="predict_proba")
    mask, score = classification_label_scores(noisy, probs)
    assert f1_score(flipped, mask) > 0.7
    assert roc_auc_score(flipped, score) > 0.9
    names = ["a", "b", "c", "d"]
    res = find_classification_errors([names[k] for k in noisy], probs, classes=names)
    assert len(res.issues) == mask.sum()
    top = res.issues[0]
    assert top.rank == 1 and top.score == pytest.approx(score.max())
    assert top.suggested_label == names[int(np.argmax(probs[top.index]))] != top.label
    json.dumps(res.to_dict())


def _one(gt: list[tuple[str, list[float]]], pred: list[tuple[str, list[float], float]]) -> list[str]:
    g = ImageBoxes("i", [b for _, b in gt], [c for c, _ in gt], width=100, height=100)
    p = ImageBoxes("i", [b for _, b, _ in pred], [c for c, _, _ in pred], scores=[s for *_, s in pred])
    return [i.kind for i in find_detection_errors([g], [p]).issues]


def test_each_detection_kind_in_isolation() -> None:
    box = [10.0, 10.0, 20.0, 20.0]
    assert _one([("car", box)], [("car", [10.5, 10, 20, 20], 0.9)]) == []
    assert _one([("car", box)], [("car", box, 0.9), ("car", [60, 60, 20, 20], 0.8)]) == ["missing_box"]
    assert _one([("car", box), ("car", [60, 60, 20, 20])], [("car", box, 0.9)]) == ["spurious_box"]
    assert _one([("car", box)], [("truck", box, 0.9), ("car", box, 0.2)]) == ["wrong_class"]
    assert _one([("car", box)], [("car", [18, 16, 20, 20], 0.9)]) == ["bad_localisation"]
    # a weak detection still clears a box of "spurious" (the model saw something there)
    assert _one([("car", box)], [("car", [12, 12, 20, 20], 0.06), ("car", [11, 10, 20, 20], 0.1)]) == []


def test_thresholds_are_parameters() -> None:
    g = ImageBoxes("i", [[10, 10, 20, 20]], ["car"])
    p = ImageBoxes("i", [[18, 16, 20, 20]], ["car"], scores=[0.9])
    iou = iou_matrix(g.boxes, p.boxes)[0, 0]
    assert find_detection_errors([g], [p]).by_kind("bad_localisation")
    assert not find_detection_errors([g], [p], DetectionErrorConfig(loc_max_iou=iou - 0.01)).issues


def test_injected_box_errors_are_recovered(shelf_truth: tuple[list[ImageBoxes], list[str]]) -> None:
    truth, classes = shelf_truth
    rates = {"wrong_class": 0.03, "missing_box": 0.03, "spurious_box": 0.3, "bad_localisation": 0.03}
    noisy, injected = inject_box_errors(truth, classes, rates=rates, seed=3)
    preds = simulate_predictions(truth, classes, seed=4)
    res = find_detection_errors(noisy, preds)
    for kind in ("wrong_class", "missing_box", "spurious_box", "bad_localisation"):
        errs = [e for e in injected if e.kind == kind]
        found = res.by_kind(kind)
        if kind == "missing_box":
            near = [(f.image, f.suggested_bbox) for f in found]
            hits = [
                e
                for e in errs
                if any(i == e.image and iou_matrix([b], [e.original["bbox"]])[0, 0] >= 0.5 for i, b in near)
            ]
        else:
            keys = {(f.image, f.index) for f in found}
            hits = [e for e in errs if (e.image, e.index) in keys]
        assert len(errs) >= 5, kind
        assert len(hits) / len(errs) >= 0.6, kind
    assert [i.rank for i in res.issues] == list(range(1, len(res.issues) + 1))

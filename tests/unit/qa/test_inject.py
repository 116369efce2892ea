"""Injection is deterministic, does what it reports, and carries over to synth records."""

from __future__ import annotations

from typing import Any

from truthline.qa.boxes import ImageBoxes, iou_matrix
from truthline.qa.inject import inject_box_errors, inject_synth, simulate_predictions

RATES = {"wrong_class": 0.05, "missing_box": 0.05, "spurious_box": 0.5, "bad_localisation": 0.05}


def test_injection_is_deterministic_and_reported(shelf_truth: tuple[list[ImageBoxes], list[str]]) -> None:
    truth, classes = shelf_truth
    a, inj_a = inject_box_errors(truth, classes, rates=RATES, seed=7)
    b, inj_b = inject_box_errors(truth, classes, rates=RATES, seed=7)
    assert [e.to_dict() for e in inj_a] == [e.to_dict() for e in inj_b]
    assert all((x.boxes == y.boxes).all() and x.labels == y.labels for x, y in zip(a, b, strict=True))
    n_before, n_after = sum(len(t) for t in truth), sum(len(t) for t in a)
    kinds = [e.kind for e in inj_a]
    assert n_after == n_before - kinds.count("missing_box") + kinds.count("spurious_box")
    by_name = {t.image: t for t in a}
    for e in inj_a:
        if e.kind == "wrong_class":
            assert by_name[e.image].labels[e.index] != e.original["label"]
        if e.kind == "bad_localisation":
            assert 0.3 <= iou_matrix([e.original["bbox"]], [e.new["bbox"]])[0, 0] <= 0.6
        if e.kind == "spurious_box":
            original = next(t for t in truth if t.image == e.image)
            assert iou_matrix([e.new["bbox"]], original.boxes).max(initial=0) == 0


def test_inject_synth_keeps_other_keys(shelf_records: list[Any]) -> None:
    classes = ["cola_can", "water_bottle", "cereal_box", "soap_bottle", "chips_bag", "gap"]
    out, injected = inject_synth(shelf_records[:30], classes, rates=RATES, seed=2)
    assert len(out) == 30 and injected
    changed = [a for r in out for a in r.annotations if "injected" in a]
    assert len(changed) == sum(1 for e in injected if e.kind != "missing_box")
    kept = [a for r in out for a in r.annotations if "injected" not in a]
    assert all("track_id" in a or "bbox" in a for a in kept)
    assert out[0].image is shelf_records[0].image


def test_simulated_predictions_are_seeded(shelf_truth: tuple[list[ImageBoxes], list[str]]) -> None:
    truth, classes = shelf_truth
    p1 = simulate_predictions(truth[:10], classes, seed=1)
    p2 = simulate_predictions(truth[:10], classes, seed=1)
    assert all((x.boxes == y.boxes).all() and (x.scores == y.scores).all() for x, y in zip(p1, p2, strict=True))
    assert all(p.scores is not None and ((p.scores >= 0) & (p.scores <= 1)).all() for p in p1)

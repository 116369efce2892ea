"""Consistency flags a window whose boxes were drawn larger and an annotator with a different class mix, and
stays quiet on homogeneous data; taxonomy changes list the annotations they touch."""

from __future__ import annotations

import numpy as np

from truthline.domain.labels import Label
from truthline.domain.records import ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.qa.consistency import ConsistencyConfig, annotator_confusion, consistency, taxonomy_impact, window_of


def _records(seed: int, *, drift: bool) -> list[ImageRecord]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(200):
        june = i >= 100
        annotator = "bob" if i % 2 else "ann"
        labels = []
        for _ in range(3):
            cls = "scratch" if rng.random() < 0.5 else "dent"
            if drift and annotator == "bob" and rng.random() < 0.5:
                cls = "scratch"
            side = rng.normal(30, 3) * (1.6 if drift and june and cls == "dent" else 1.0)
            labels.append(Label.box(cls, 10, 10, side, side * rng.uniform(0.9, 1.1), annotator=annotator))
        day = "2024-06-03" if june else "2024-01-03"
        out.append(ImageRecord(f"{i}.png", 256, 256, metadata={"captured_at": f"{day}T10:00:00Z"}, labels=labels))
    return out


def test_drifted_window_and_annotator_are_flagged() -> None:
    res = consistency(_records(0, drift=True), ConsistencyConfig(window_hours=24 * 30))
    sizes = res.by_kind("box_size_shift")
    june = window_of("2024-06-03T10:00:00Z", 24 * 30)
    assert ("dent", june) in {(i.label, i.detail["group"]) for i in sizes}
    assert all(i.label == "dent" for i in sizes)
    mix = res.by_kind("class_mix_shift")
    assert {i.detail["group"] for i in mix} == {"bob", "ann"}
    assert set(res.summary["per_window"]) == {window_of("2024-01-03T10:00:00Z", 24 * 30), june}


def test_homogeneous_data_raises_no_flags() -> None:
    assert consistency(_records(1, drift=False), ConsistencyConfig(window_hours=24 * 30)).issues == []


def test_annotator_confusion_against_consensus() -> None:
    ratings = {"a": [("x", "cat"), ("y", "cat"), ("z", "dog")], "b": [("x", "dog"), ("y", "dog"), ("z", "dog")]}
    conf = annotator_confusion(ratings)
    assert conf["z"] == {"cat": {"dog": 1}, "dog": {"dog": 1}}
    assert conf["x"] == {"cat": {"cat": 1}, "dog": {"dog": 1}}


def test_taxonomy_impact_lists_touched_annotations() -> None:
    old = Taxonomy.of([TaxonomyClass("scratch", "thin line"), "dent", "stain"])
    new = Taxonomy.of([TaxonomyClass("scratch", "thin line, longer than 5 mm"), "dent"])
    recs = [
        ImageRecord(
            "a.png",
            labels=[Label.box("scratch", 0, 0, 5, 5), Label.box("dent", 0, 0, 5, 5), Label.box("stain", 1, 1, 2, 2)],
        )
    ]
    res = taxonomy_impact(old, new, recs)
    assert [(i.kind, i.index) for i in res.issues] == [("class_removed", 2), ("guideline_changed", 0)]
    assert res.summary["annotations_per_class"] == {"scratch": 1, "stain": 1}

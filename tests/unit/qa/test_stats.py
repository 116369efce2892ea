"""Class balance per split and slice, and each box anomaly on hand-made records."""

from __future__ import annotations

from truthline.domain.labels import Label
from truthline.domain.records import ImageRecord
from truthline.qa.stats import AnomalyConfig, box_anomalies, dataset_statistics


def _records() -> list[ImageRecord]:
    return [
        ImageRecord("a.png", 100, 100, split="train", metadata={"camera": "c1"}, labels=[
            Label.box("car", 10, 10, 20, 20), Label.box("car", 10, 10, 20, 20.5), Label.box("car", 50, 50, 0, 10),
            Label.box("person", 90, 90, 30, 30), Label.box("person", 5, 5, 1, 8), Label.image_label("day"),
        ]),
        *(ImageRecord(n, 100, 100, split="test", metadata={"camera": "c2"}, labels=[Label.box("car", 0, 0, 40, 40)])
          for n in ("b.png", "c.png")),
    ]  # fmt: skip


def test_statistics_per_split_and_slice() -> None:
    s = dataset_statistics(_records()).summary
    assert s["per_split"]["train"]["class_counts"] == {"car": 3, "day": 1, "person": 2}
    assert s["per_split"]["test"]["class_counts"] == {"car": 2}
    assert s["per_slice"]["camera"]["c2"]["n_images"] == 2
    assert s["per_split"]["test"]["boxes"]["car"]["size"]["median"] == 40
    assert s["overall"]["boxes"]["car"]["n"] == 5


def test_each_anomaly_is_found_once() -> None:
    res = box_anomalies(_records())
    found = sorted((i.kind, i.image, i.index) for i in res.issues)
    assert found == [
        ("duplicate_box", "a.png", 1),
        ("out_of_image", "a.png", 3),
        ("tiny_box", "a.png", 4),
        ("zero_area", "a.png", 2),
    ]
    [out] = res.by_kind("out_of_image")
    assert out.score == 1 - 100 / 900
    assert not box_anomalies(_records(), AnomalyConfig(min_side=0.5, duplicate_iou=0.99)).by_kind("tiny_box")

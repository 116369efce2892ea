"""COCO and YOLO folder layouts hold the same boxes as the records."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from truthline.domain.errors import UserInputError
from truthline.domain.splits import parse_split_spec
from truthline.synth import generate_images, split_by_index, taxonomy, write_folder


def test_folder_has_coco_and_yolo_that_agree(tmp_path: Path) -> None:
    recs = list(generate_images("shelf", 10, seed=2))
    counts = write_folder(tmp_path, recs, taxonomy("shelf"), split_by_index({"train": 0.7, "val": 0.3}, 2))
    assert sum(counts.values()) == 10 and set(counts) == {"train", "val"}
    data = yaml.safe_load((tmp_path / "data.yaml").read_text())
    assert data["names"] == dict(enumerate(taxonomy("shelf").box_names))
    assert data["train"] == "images/train" and data["val"] == "images/val"
    by_name = {r.file_name: r for r in recs}
    total = 0
    for split in counts:
        coco = json.loads((tmp_path / "annotations" / f"instances_{split}.json").read_text())
        cats = {c["id"]: c["name"] for c in coco["categories"]}
        for img in coco["images"]:
            rec = by_name[img["file_name"]]
            png = tmp_path / "images" / split / img["file_name"]
            assert png.read_bytes() == rec.png
            decoded = cv2.imread(str(png))
            assert decoded is not None and np.array_equal(decoded, rec.image)
            anns = [a for a in coco["annotations"] if a["image_id"] == img["id"]]
            assert [(cats[a["category_id"]], a["bbox"]) for a in anns] == [
                (a["label"], a["bbox"]) for a in rec.annotations
            ]
            assert img["metadata"] == rec.metadata
            lines = (tmp_path / "labels" / split / (png.stem + ".txt")).read_text().splitlines()
            assert len(lines) == len(rec.annotations)
            for line, ann in zip(lines, rec.annotations, strict=True):
                cls, cx, cy, w, h = line.split()
                assert data["names"][int(cls)] == ann["label"]
                x, y, bw, bh = ann["bbox"]
                assert float(cx) * 256 == pytest.approx(x + bw / 2, abs=1e-3)
                assert float(cy) * 256 == pytest.approx(y + bh / 2, abs=1e-3)
                assert float(w) * 256 == pytest.approx(bw, abs=1e-3)
                assert float(h) * 256 == pytest.approx(bh, abs=1e-3)
            total += 1
    assert total == 10
    meta_lines = (tmp_path / "metadata.jsonl").read_text().splitlines()
    assert len(meta_lines) == 10
    assert json.loads((tmp_path / "taxonomy.json").read_text())["classes"][0]["name"] == "cola_can"


def test_inspection_folder_keeps_image_class_and_clean_is_not_a_yolo_class(tmp_path: Path) -> None:
    recs = list(generate_images("inspection", 6, seed=1, defect_rate=0.5))
    write_folder(tmp_path, recs, taxonomy("inspection"))
    data = yaml.safe_load((tmp_path / "data.yaml").read_text())
    assert "clean" not in data["names"].values()
    coco = json.loads((tmp_path / "annotations" / "instances_train.json").read_text())
    assert [i["image_class"] for i in coco["images"]] == [r.image_class for r in recs]


def test_split_assignment_is_stable_and_validated() -> None:
    recs = list(generate_images("inspection", 30, seed=0, width=32, height=32))
    assign = split_by_index(parse_split_spec("train=0.5,val=0.5"), 0)
    first = [assign(r) for r in recs]
    assert first == [assign(r) for r in recs] and set(first) == {"train", "val"}
    with pytest.raises(UserInputError):
        parse_split_spec("train=0.5,val=0.4")
    with pytest.raises(UserInputError):
        parse_split_spec("train:0.5")

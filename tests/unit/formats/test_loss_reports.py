"""Loss reports: every drop or conversion is counted with its items; --strict writes nothing and raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats import LOSS_REPORT_FILE, LossyExportError, capabilities, read_dataset, write_dataset


def _content() -> DatasetContent:
    poly = Label(label="car", kind=GeometryKind.POLYGON, geometry={"rings": [[1, 1, 9, 1, 9, 9]]})
    attr = Label.box("car", 1, 2, 3, 4, attributes={"color": "red"})
    tagged = Label.image_label("car", annotator="ann1")
    recs = [
        ImageRecord("a.jpg", 20, 10, split="train", labels=[poly, attr]),
        ImageRecord("b.jpg", 20, 10, labels=[tagged]),
        ImageRecord("empty.jpg", 20, 10),
    ]
    return DatasetContent(taxonomy=Taxonomy((TaxonomyClass("car", source_id=3), TaxonomyClass("unused"))), images=recs)


def test_polygon_into_yolo_detect_is_reported(tmp_path: Path) -> None:
    report = write_dataset("yolo", _content(), tmp_path)
    d = report.to_dict()
    kinds = {(e["what"], e["kind"]): e for e in d["entries"]}
    assert kinds[("polygon written as a box", "converted")]["items"] == ["a.jpg#0"]
    assert kinds[("attribute 'color'", "dropped")]["count"] == 1
    assert kinds[("image-level label", "dropped")]["items"] == ["b.jpg#0"]
    saved = json.loads((tmp_path / LOSS_REPORT_FILE).read_text())
    assert saved == d and not saved["lossless"]
    assert (tmp_path / "labels/train/a.txt").read_text().count("\n") == 2
    assert (tmp_path / "labels/train/empty.txt").read_text() == ""


def test_attribute_into_mot_is_reported(tmp_path: Path) -> None:
    report = write_dataset("mot", _content(), tmp_path)
    assert report.count("attribute 'color'") == 1
    assert report.count("polygon written as a box") == 1


def test_strict_raises_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(LossyExportError) as e:
        write_dataset("yolo", _content(), out, strict=True)
    assert "polygon written as a box" in str(e.value)
    assert not out.exists()


def test_lossless_export_writes_no_report_and_keeps_empty_images(tmp_path: Path) -> None:
    c = _content()
    c.images = [c.images[0], c.images[2]]
    report = write_dataset("coco", c, tmp_path, strict=True)
    assert report.empty and not (tmp_path / LOSS_REPORT_FILE).exists()
    back = read_dataset("coco", tmp_path)
    assert sorted(r.name for r in back.images) == ["a.jpg", "empty.jpg"]
    assert back.taxonomy.names == ["car", "unused"]
    idmap = json.loads((tmp_path / "truthline_idmap.json").read_text())
    assert idmap["categories"] == [{"name": "car", "id": 3}, {"name": "unused", "id": 4}]


def test_yolo_keeps_class_order_and_writes_id_map(tmp_path: Path) -> None:
    tax = Taxonomy((TaxonomyClass("zebra", source_id=7), TaxonomyClass("ant", source_id=2)))
    c = DatasetContent(taxonomy=tax, images=[ImageRecord("a.jpg", 10, 10, labels=[Label.box("ant", 1, 1, 2, 2)])])
    write_dataset("yolo", c, tmp_path)
    idmap = json.loads((tmp_path / "truthline_idmap.json").read_text())
    assert idmap["categories"] == [{"name": "zebra", "id": 0}, {"name": "ant", "id": 1}]
    assert (tmp_path / "labels/train/a.txt").read_text().startswith("1 ")


def test_capabilities_table() -> None:
    caps = {c.name: c for c in capabilities()}
    assert set(caps) >= {
        "coco",
        "yolo",
        "yolo-segment",
        "yolo-obb",
        "yolo-pose",
        "yolo-classify",
        "voc",
        "cvat",
        "label-studio",
        "mot",
        "imagefolder",
    }
    assert caps["coco"].masks and caps["coco"].class_id_base == 1 and not caps["coco"].tracks
    assert caps["yolo"].class_id_base == 0 and not caps["yolo"].polygons
    assert caps["cvat"].tracks and caps["label-studio"].annotators and caps["mot"].tracks
    assert caps["coco"].to_dict()["name"] == "coco"

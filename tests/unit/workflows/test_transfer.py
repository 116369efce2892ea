"""Import into the workspace and export a version back out, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from builders import FIXTURES
from truthline.domain.errors import FormatError, UserInputError
from truthline.formats import read_dataset
from truthline.workflows.workspace import Workspace

COCO = FIXTURES / "formats" / "coco" / "datumaro_coco_instances"
YOLO = FIXTURES / "formats" / "yolo" / "ultralytics_detection"


def _label_set(content) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {
        (img.name, lab.label or "", json.dumps(lab.geometry, sort_keys=True))
        for img in content.images
        for lab in img.labels
    }


def _import_coco(ws: Workspace) -> None:
    for split in ("train", "val"):
        ws.import_dataset("coco", COCO / "annotations" / f"instances_{split}.json", images=COCO / "images" / split)


def test_coco_round_trip_through_a_version(ws: Workspace, tmp_path: Path) -> None:
    _import_coco(ws)
    v = ws.commit("coco")
    shown = ws.show(v["id"])
    assert {s: e["images"] for s, e in shown["stats"]["splits"].items()} == {"train": 1, "val": 1}  # source splits kept
    assert [c["name"] for c in ws.taxonomy()["classes"]] == ["a", "b", "c"]  # 'c' has no annotation and survives
    vid, report = ws.export_dataset(v["id"], "coco", tmp_path / "out")
    assert vid == v["id"] and not report
    for split in ("train", "val"):
        original = json.loads((COCO / "annotations" / f"instances_{split}.json").read_text())
        again = json.loads((tmp_path / "out" / "annotations" / f"instances_{split}.json").read_text())
        assert [c["id"] for c in again["categories"]] == [1, 2, 4]  # non-contiguous ids kept, never re-sorted
        assert [i["id"] for i in again["images"]] == [i["id"] for i in original["images"]]
        strip = ("segmentation", "bbox", "area")
        assert [{k: a[k] for k in a if k not in strip} for a in again["annotations"]] == [
            {k: a[k] for k in a if k not in strip} for a in original["annotations"]
        ]
    first = read_dataset("coco", COCO / "annotations" / "instances_val.json", COCO / "images" / "val")
    second = read_dataset("coco", tmp_path / "out" / "annotations" / "instances_val.json", COCO / "images" / "val")
    assert _label_set(first) == _label_set(second)


def test_lossy_export_writes_a_report_and_strict_writes_nothing(ws: Workspace, tmp_path: Path) -> None:
    _import_coco(ws)
    ws.commit("coco")
    _, report = ws.export_dataset("head", "yolo", tmp_path / "yolo")
    lost = {e.what for e in report.entries}
    assert "polygon written as a box" in lost and (tmp_path / "yolo" / "truthline_loss_report.json").is_file()
    with pytest.raises(UserInputError):
        ws.export_dataset("head", "yolo", tmp_path / "strict", strict=True)
    assert not (tmp_path / "strict").exists()


def test_reimport_is_idempotent_and_yolo_round_trips(ws: Workspace, tmp_path: Path) -> None:
    first = ws.import_dataset("yolo", YOLO)
    again = ws.import_dataset("yolo", YOLO)
    assert first["annotations"] == 2 and again["annotations"] == 0 and again["images_already_present"] == 1
    ws.commit("yolo")
    ws.export_dataset("head", "yolo", tmp_path / "y")
    assert _label_set(read_dataset("yolo", YOLO)) == _label_set(read_dataset("yolo", tmp_path / "y"))
    names = [c["name"] for c in ws.taxonomy()["classes"]]
    assert names == [f"label_{i}" for i in range(10)]  # unused classes survive, order kept


def test_a_malformed_file_imports_nothing(ws: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(COCO, bad)
    path = bad / "annotations" / "instances_val.json"
    data = json.loads(path.read_text())
    data["annotations"][0]["bbox"] = "oops"
    path.write_text(json.dumps(data))
    with pytest.raises(FormatError) as err:
        ws.import_dataset("coco", path, images=bad / "images" / "val")
    assert "instances_val.json" in str(err.value)
    with pytest.raises(UserInputError, match="image file"):
        ws.import_dataset("coco", COCO / "annotations" / "instances_val.json", images=tmp_path)
    assert ws.doctor()["database"]["images"] == 0

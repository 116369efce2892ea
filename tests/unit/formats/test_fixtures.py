"""The real fixture files (shared/fixtures/formats/MANIFEST.md): what import finds and that export round-trips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from truthline.domain.geometry import GeometryKind
from truthline.formats import IDMAP_FILE, read_dataset, write_dataset

from .conftest import labels_of, roundtrip


def test_coco_manifest(fixtures: Path) -> None:
    c = read_dataset("coco", fixtures / "coco/datumaro_coco_instances")
    assert [(x.name, x.source_id) for x in c.taxonomy.classes] == [("a", 1), ("b", 2), ("c", 4)]
    a, b = c.images
    assert (a.name, a.split, a.source_id, a.width, a.height) == ("a.jpg", "train", 5, 10, 5)
    assert (b.name, b.split, b.source_id, b.width, b.height) == ("b.jpg", "val", 40, 5, 10)
    assert a.path is not None and a.path.name == "a.jpg"
    (box,) = a.labels
    assert box.kind is GeometryKind.BOX and box.label == "b" and box.geometry["bbox"] == [2, 2, 3, 1]
    poly, crowd = b.labels
    assert poly.kind is GeometryKind.POLYGON and poly.geometry["rings"] == [[0, 0, 1, 0, 1, 2, 0, 2]]
    assert poly.attributes == {"x": 1, "y": "hello", "iscrowd": False}
    assert crowd.kind is GeometryKind.MASK and crowd.attributes["iscrowd"] is True
    assert crowd.geometry["rle"] == {"size": [10, 5], "counts": [0, 20, 30]}
    assert box.extra["coco"]["id"] == 1 and poly.extra["coco"]["id"] == 1


def test_coco_export_is_the_same_json(fixtures: Path, tmp_path: Path) -> None:
    c = read_dataset("coco", fixtures / "coco/datumaro_coco_instances")
    report = write_dataset("coco", c, tmp_path)
    assert report.empty
    for split in ("train", "val"):
        rel = f"annotations/instances_{split}.json"
        assert json.loads((tmp_path / rel).read_text()) == json.loads(
            (fixtures / "coco/datumaro_coco_instances" / rel).read_text()
        )
    idmap = json.loads((tmp_path / IDMAP_FILE).read_text())
    assert idmap["categories"] == [{"name": "a", "id": 1}, {"name": "b", "id": 2}, {"name": "c", "id": 4}]
    assert {i["name"]: i["id"] for i in idmap["images"]} == {"a.jpg": 5, "b.jpg": 40}


def test_yolo_manifest_and_roundtrip(fixtures: Path, tmp_path: Path) -> None:
    c = read_dataset("yolo", fixtures / "yolo/ultralytics_detection")
    assert c.taxonomy.names == [f"label_{i}" for i in range(10)]
    assert [x.source_id for x in c.taxonomy.classes] == list(range(10))
    (img,) = c.images
    assert (img.name, img.split, img.width, img.height) == ("1.jpg", "train", 15, 10)
    b1, b2 = img.labels
    assert b1.label == "label_2" and [round(v, 3) for v in b1.geometry["bbox"]] == [0, 2, 4, 2]
    assert b2.label == "label_4" and [round(v, 3) for v in b2.geometry["bbox"]] == [3, 3, 2, 3]
    back = roundtrip("yolo", c, tmp_path)
    assert back.taxonomy.names == c.taxonomy.names
    assert (tmp_path / "labels/train/1.txt").read_text() == (
        fixtures / "yolo/ultralytics_detection/labels/train/1.txt"
    ).read_text().replace("0.300000", "0.3").replace("0.200000", "0.2").replace("0.450000", "0.45").replace(
        "0.300000", "0.3"
    )


def _yolo_variant(fixtures: Path, tmp_path: Path, yaml_text: str, extra: dict[str, str] | None = None) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(fixtures / "yolo/ultralytics_detection", root)
    (root / "data.yaml").write_text(yaml_text)
    for rel, text in (extra or {}).items():
        (root / rel).write_text(text)
    return root


def test_yolo_data_yaml_variants(fixtures: Path, tmp_path: Path) -> None:
    names_list = "names: [" + ", ".join(f"label_{i}" for i in range(10)) + "]\n"
    variants = {
        "list_of_names": _yolo_variant(fixtures, tmp_path / "a", "path: .\ntrain: images/train\n" + names_list),
        "list_of_imgs": _yolo_variant(fixtures, tmp_path / "b", "train: [images/train/1.jpg]\n" + names_list),
        "subset_txt": _yolo_variant(
            fixtures,
            tmp_path / "c",
            "path: .\ntrain: train.txt\n" + names_list,
            {"train.txt": "data/images/train/1.jpg\n"},
        ),
    }
    for name, root in variants.items():
        c = read_dataset("yolo", root)
        assert c.taxonomy.names == [f"label_{i}" for i in range(10)], name
        assert [len(r.labels) for r in c.images] == [2], name
        assert c.images[0].name == "1.jpg", name
        back = roundtrip("yolo", c, tmp_path / f"out_{name}")
        assert labels_of(back) == labels_of(c) or [len(r.labels) for r in back.images] == [2]


def test_cvat_images_manifest_and_roundtrip(fixtures: Path, tmp_path: Path) -> None:
    src = fixtures / "cvat_images/datumaro_cvat_task_skeleton"
    c = read_dataset("cvat", src)
    assert [r.name for r in c.images] == ["img0.jpg", "img1.jpg"] and {r.split for r in c.images} == {"train"}
    kinds = [lb.kind.value for r in c.images for lb in r.labels]
    assert kinds == ["box", "polyline", "points", "polygon", "points", "points"]
    box = c.images[0].labels[0]
    assert box.attributes == {"occluded": True, "a1": "true", "a2": "v3", "a3": "0003", "a4": "2.4"}
    assert box.extra["cvat"]["attrs"]["z_order"] == "1"
    assert sum(lb.label is None for r in c.images for lb in r.labels) == 2
    skel = c.images[0].labels[2]
    assert skel.geometry["names"] == ["1", "2", "3", "4"] and skel.geometry["visibility"][0] == 0
    sk_cls = next(x for x in c.taxonomy.classes if x.name == "skeleton")
    assert sk_cls.extra["keypoints"] == ["1", "2", "3", "4"] and sorted(sk_cls.extra["skeleton"]) == [[0, 3], [2, 1]]
    assert [x.parent for x in c.taxonomy.classes if x.name in "1234"] == ["skeleton"] * 4
    back = roundtrip("cvat", c, tmp_path, images=src / "images")
    assert labels_of(back) == labels_of(c) and back.taxonomy == c.taxonomy


def test_cvat_video_manifest_and_roundtrip(fixtures: Path, tmp_path: Path) -> None:
    src = fixtures / "cvat_video/datumaro_cvat_video_tracks_skeleton"
    c = read_dataset("cvat", src)
    assert [r.name for r in c.images] == [f"frame_{f:06d}.png" for f in (10, 13, 16, 19)]
    assert all((r.width, r.height) == (25, 20) for r in c.images)
    assert [r.path is not None for r in c.images] == [True, True, False, False]
    visible = {
        r.extra["cvat"]["frame"]: sorted(lb.kind.value for lb in r.labels if not lb.attributes.get("outside"))
        for r in c.images
    }
    assert visible == {10: ["box", "points", "points"], 13: ["points", "polyline"], 16: ["points"], 19: []}
    tracks = {lb.track_id for r in c.images for lb in r.labels}
    assert tracks == {"0", "1", "2", "3"}
    assert "z U k" in c.taxonomy.names
    hgl = [lb.attributes["hgl"] for r in c.images for lb in r.labels if lb.track_id == "1"]
    assert hgl == ["hgkf", "jk"]
    back = roundtrip("cvat", c, tmp_path, images=src / "images")
    assert labels_of(back) == labels_of(c) and back.taxonomy == c.taxonomy


def test_voc_manifest_and_roundtrip(fixtures: Path, tmp_path: Path) -> None:
    c = read_dataset("voc", fixtures / "voc/datumaro_voc_full")
    one, two = c.images
    assert (one.name, one.split, one.width, one.height) == ("2007_000001.jpg", "train", 20, 10)
    assert (two.name, two.split, two.labels, (two.width, two.height)) == ("2007_000002.jpg", "test", [], (20, 10))
    boxes = [lb for lb in one.labels if lb.kind is GeometryKind.BOX]
    cat, person, head = boxes
    assert cat.attributes["truncated"] is True and cat.geometry["bbox"] == [0, 1, 3, 3]
    assert head.label == "head" and head.group == person.group is not None and head.geometry["bbox"] == [4.5, 5, 3, 3]
    assert person.attributes["jumping"] is False and person.attributes["walking"] is True
    assert "occluded" not in person.attributes
    image_level = sorted(lb.label for lb in one.labels if lb.kind is GeometryKind.LABEL)
    assert "cat" not in image_level and len(image_level) == 11
    (mask,) = [lb for lb in one.labels if lb.kind is GeometryKind.MASK]
    assert mask.label == "bicycle" and mask.extra["voc"]["instance"] == 1
    back = roundtrip("voc", c, tmp_path)
    assert labels_of(back) == labels_of(c) and back.taxonomy == c.taxonomy


def test_mot_manifest_and_roundtrip(fixtures: Path, tmp_path: Path) -> None:
    c = read_dataset("mot", fixtures / "mot/datumaro_mot_seq")
    (img,) = c.images
    assert (img.name, img.width, img.height) == ("img1/000001.jpg", 16, 16)
    (lb,) = img.labels
    assert (lb.label, lb.track_id, lb.frame, lb.geometry["bbox"]) == ("label_2", None, 0, [0, 4, 4, 8])
    assert lb.attributes == {"visibility": 1.0}
    back = roundtrip("mot", c, tmp_path)
    assert labels_of(back) == labels_of(c)
    assert (tmp_path / "gt/gt.txt").read_text().strip() == "1,-1,0,4,4,8,1,3,1"


def test_imagefolder_manifest_and_roundtrip(fixtures: Path, tmp_path: Path) -> None:
    c = read_dataset("imagefolder", fixtures / "imagenet/datumaro_imagenet_folders")
    assert c.taxonomy.names == ["label_0", "label_1", "label_1/label_1_1"]
    got = {r.name: [lb.label for lb in r.labels] for r in c.images}
    assert got == {
        "label_0/label_0_1.jpg": ["label_0"],
        "label_0_2.jpg": [],
        "label_1/label_1_1.jpg": ["label_1"],
        "label_1/label_1_1/label_1_1.jpg": ["label_1/label_1_1"],
    }
    assert {r.name: (r.width, r.height) for r in c.images}["label_0_2.jpg"] == (10, 10)
    back = roundtrip("imagefolder", c, tmp_path)
    assert {r.name: [lb.label for lb in r.labels] for r in back.images} == got


def test_label_studio_manifest_and_roundtrip(fixtures: Path, tmp_path: Path) -> None:
    path = fixtures / "label_studio/lsconv_rectangles_multi_annotator/export.json"
    c = read_dataset("label-studio", path)
    assert [r.name for r in c.images] == ["image1", "image2"] and c.taxonomy.names == ["parasites", "white"]
    assert [lb.annotator for lb in c.images[0].labels] == ["2", "2", "1", "1"]
    assert sum(len(r.labels) for r in c.images) == 6
    assert all((r.width, r.height) == (2800, 2800) for r in c.images)
    x, _, _, h = c.images[0].labels[0].geometry["bbox"]
    assert abs(x - 37.15846994535519 * 28) < 1e-6 and abs(h - 4.735883424408015 * 28) < 1e-6
    write_dataset("label-studio", c, tmp_path)
    a, b = json.loads((tmp_path / "tasks.json").read_text()), json.loads(path.read_text())

    def norm(v: object) -> object:
        if isinstance(v, float):
            return round(v, 6)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        return v

    assert norm(a) == norm(b)

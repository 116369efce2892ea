"""Bad input: corrupted files give one typed FormatError naming the place, never another exception."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truthline.domain.errors import FormatError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats import read_dataset, read_image_size, write_dataset

from .conftest import FIXTURES

CASES = [
    ("coco", "coco/datumaro_coco_instances", "annotations/instances_val.json"),
    ("yolo", "yolo/ultralytics_detection", "labels/train/1.txt"),
    ("yolo", "yolo/ultralytics_detection", "data.yaml"),
    ("cvat", "cvat_images/datumaro_cvat_task_skeleton", "train.xml"),
    ("cvat", "cvat_video/datumaro_cvat_video_tracks_skeleton", "annotations.xml"),
    ("voc", "voc/datumaro_voc_full", "Annotations/2007_000001.xml"),
    ("mot", "mot/datumaro_mot_seq", "gt/gt.txt"),
    ("label-studio", "label_studio/lsconv_rectangles_multi_annotator", "export.json"),
]


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="shared fixtures not available")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CASES), st.data())
def test_corrupted_fixture_gives_only_format_error(case: tuple[str, str, str], data: st.DataObject) -> None:
    fmt, folder, rel = case
    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "ds"
        shutil.copytree(FIXTURES / folder, root)
        target = root / rel
        text = target.read_bytes()
        op = data.draw(st.sampled_from(["truncate", "replace", "insert", "delete"]))
        pos = data.draw(st.integers(0, max(len(text) - 1, 0)))
        junk = data.draw(
            st.binary(min_size=1, max_size=4)
            | st.sampled_from([b"-1", b"1e999", b"null", b'"x"', b"[]", b"{}", b"-", b"<", b",", b"nan"])
        )
        if op == "truncate":
            text = text[:pos]
        elif op == "replace":
            text = text[:pos] + junk + text[pos + len(junk) :]
        elif op == "insert":
            text = text[:pos] + junk + text[pos:]
        else:
            text = text[:pos] + text[pos + 3 :]
        target.write_bytes(text)
        source = root / rel if fmt == "label-studio" else root
        try:
            read_dataset(fmt, source)
        except FormatError as e:
            assert e.where, "a FormatError names where it happened"
            assert "\n" not in str(e)


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad_json.json", '{"images": [}', "line 1"),
        (
            "bad_bbox.json",
            '{"images":[{"id":1,"file_name":"a.jpg","width":4,"height":4}],"categories":[{"id":1,"name":"a"}],'
            '"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,"x",1]}]}',
            "$.annotations[0].bbox[2]",
        ),
        (
            "bad_cat.json",
            '{"images":[{"id":1,"file_name":"a.jpg"}],"categories":[{"id":1,"name":"a"}],'
            '"annotations":[{"id":1,"image_id":1,"category_id":9,"bbox":[0,0,1,1]}]}',
            "$.annotations[0].category_id",
        ),
    ],
)
def test_coco_errors_name_the_json_path(tmp_path: Path, name: str, text: str, where: str) -> None:
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(FormatError) as e:
        read_dataset("coco", f)
    assert where in (e.value.where or "") and str(f) in (e.value.where or "")


def test_yolo_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "images/train").mkdir(parents=True)
    (tmp_path / "labels/train").mkdir(parents=True)
    from PIL import Image

    Image.new("RGB", (8, 8)).save(tmp_path / "images/train/a.jpg")
    (tmp_path / "labels/train/a.txt").write_text("0 0.5 0.5 0.1 0.1\n0 0.5 0.5 zz 0.1\n")
    (tmp_path / "data.yaml").write_text("train: images/train\nnames: [a]\n")
    with pytest.raises(FormatError) as e:
        read_dataset("yolo", tmp_path)
    assert e.value.where == f"{tmp_path / 'labels/train/a.txt'}:line 2" and "'zz'" in e.value.what


def test_exif_orientation_swaps_width_and_height(tmp_path: Path) -> None:
    from PIL import Image

    img = Image.new("RGB", (40, 30))
    exif = img.getexif()
    exif[274] = 6
    img.save(tmp_path / "rot.jpg", exif=exif)
    img.save(tmp_path / "plain.jpg")
    assert read_image_size(tmp_path / "rot.jpg") == (30, 40)
    assert read_image_size(tmp_path / "plain.jpg") == (40, 30)


def test_yolo_sizes_follow_exif(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "images/train").mkdir(parents=True)
    (tmp_path / "labels/train").mkdir(parents=True)
    img = Image.new("RGB", (40, 30))
    exif = img.getexif()
    exif[274] = 8
    img.save(tmp_path / "images/train/a.jpg", exif=exif)
    (tmp_path / "labels/train/a.txt").write_text("0 0.5 0.5 1 1\n")
    (tmp_path / "data.yaml").write_text("train: images/train\nnames: {0: a}\n")
    c = read_dataset("yolo", tmp_path)
    assert (c.images[0].width, c.images[0].height) == (30, 40)
    assert c.images[0].labels[0].geometry["bbox"] == [0, 0, 30, 40]


def test_pose_roundtrip_keeps_keypoints_and_visibility(tmp_path: Path) -> None:
    from PIL import Image

    img = tmp_path / "a.jpg"
    Image.new("RGB", (20, 10)).save(img)
    tax = Taxonomy((TaxonomyClass("person", extra={"keypoints": ["l", "r"]}),))
    box = Label(label="person", kind=GeometryKind.BOX, geometry={"bbox": [2, 2, 10, 6]}, group="g")
    pts = Label(
        label="person",
        kind=GeometryKind.POINTS,
        group="g",
        geometry={"points": [4, 3, 8, 5], "visibility": [2, 1], "names": ["l", "r"]},
    )
    c = DatasetContent(taxonomy=tax, images=[ImageRecord("a.jpg", 20, 10, path=img, labels=[box, pts])])
    report = write_dataset("yolo-pose", c, tmp_path / "pose", copy_images=True)
    assert report.empty, report.lines()
    back = read_dataset("yolo-pose", tmp_path / "pose")
    b, p = back.images[0].labels
    assert b.geometry["bbox"] == pytest.approx([2, 2, 10, 6]) and p.geometry["points"] == pytest.approx([4, 3, 8, 5])
    assert p.geometry["visibility"] == [2, 1] and b.group == p.group is not None
    report = write_dataset("coco", c, tmp_path / "coco")
    assert report.empty, report.lines()
    again = read_dataset("coco", tmp_path / "coco")
    kinds = [lb.kind for lb in again.images[0].labels]
    assert kinds == [GeometryKind.BOX, GeometryKind.POINTS]
    assert again.images[0].labels[1].geometry["visibility"] == [2, 1]

"""Round-trip property tests: generated datasets survive export then import in each format."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats import read_dataset, write_dataset

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
W, H = 40, 30
coord = st.integers(0, 20).map(float)
size = st.integers(1, 10).map(float)
CLASSES = ("cat", "dog", "bird")


@st.composite
def boxes(draw: st.DrawFn, **kw: object) -> Label:
    return Label.box(draw(st.sampled_from(CLASSES)), draw(coord), draw(coord), draw(size), draw(size), **kw)


@st.composite
def polygons(draw: st.DrawFn) -> Label:
    x, y, w, h = draw(coord), draw(coord), draw(size), draw(size)
    return Label(
        label=draw(st.sampled_from(CLASSES)),
        kind=GeometryKind.POLYGON,
        geometry={"rings": [[x, y, x + w, y, x + w / 2, y + h]]},
    )


def _content(images: list[list[Label]], *, ids: bool = True) -> DatasetContent:
    tax = Taxonomy(tuple(TaxonomyClass(n, source_id=(i * 2 + 1) if ids else None) for i, n in enumerate(CLASSES)))
    recs = [
        ImageRecord(name=f"img{i}.jpg", width=W, height=H, split="train", labels=lbs) for i, lbs in enumerate(images)
    ]
    return DatasetContent(taxonomy=tax, images=recs)


def _with_images(content: DatasetContent, where: Path) -> DatasetContent:
    for rec in content.images:
        rec.path = where / rec.name
        if not rec.path.exists():
            Image.new("RGB", (W, H)).save(rec.path)
    return content


def _geoms(c: DatasetContent) -> list[list[tuple[str | None, str, list[float]]]]:
    out = []
    for r in c.images:
        row = []
        for lb in r.labels:
            g = lb.geometry
            flat = g.get("bbox") or (g["rings"][0] if "rings" in g else g.get("points", []))
            row.append((lb.label, lb.kind.value, [round(float(v), 4) for v in flat]))
        out.append(row)
    return out


@SETTINGS
@given(st.lists(st.lists(st.one_of(boxes(), polygons()), max_size=4), min_size=1, max_size=4))
def test_coco_roundtrip(images: list[list[Label]]) -> None:
    content = _content(images)
    with tempfile.TemporaryDirectory() as d:
        report = write_dataset("coco", content, Path(d))
        back = read_dataset("coco", Path(d))
    assert report.empty
    assert [(c.name, c.source_id) for c in back.taxonomy.classes] == [("cat", 1), ("dog", 3), ("bird", 5)]
    assert [r.name for r in back.images] == [r.name for r in content.images]
    assert _geoms(back) == _geoms(content)


@SETTINGS
@given(st.lists(st.lists(boxes(), max_size=4), min_size=1, max_size=3), st.sampled_from(["yolo", "mot", "voc", "cvat"]))
def test_box_formats_roundtrip(images: list[list[Label]], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        content = _with_images(_content(images, ids=False), Path(d))
        report = write_dataset(fmt, content, Path(d) / "out", copy_images=True)
        back = read_dataset(fmt, Path(d) / "out")
    assert report.empty, report.lines()
    assert len(back.images) == len(content.images)
    assert _geoms(back) == _geoms(content)
    assert [c for c in back.taxonomy.names if c in CLASSES] == list(CLASSES)


@SETTINGS
@given(st.lists(st.lists(polygons(), max_size=3), min_size=1, max_size=3), st.sampled_from(["yolo-segment", "cvat"]))
def test_polygon_formats_roundtrip(images: list[list[Label]], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        content = _with_images(_content(images), Path(d))
        report = write_dataset(fmt, content, Path(d) / "out", copy_images=True)
        back = read_dataset(fmt, Path(d) / "out")
    assert report.empty
    assert _geoms(back) == _geoms(content)


@SETTINGS
@given(
    st.lists(st.tuples(coord, coord, size, size, st.integers(-80, 80).map(float)), min_size=1, max_size=4),
    st.sampled_from(["yolo-obb", "cvat", "label-studio"]),
)
def test_rotated_boxes_roundtrip(rboxes: list[tuple[float, ...]], fmt: str) -> None:
    labels = [
        Label(
            label="cat",
            kind=GeometryKind.ROTATED_BOX,
            geometry={"cx": cx + 5, "cy": cy + 5, "w": w, "h": h, "angle": a},
        )
        for cx, cy, w, h, a in rboxes
    ]
    with tempfile.TemporaryDirectory() as d:
        content = _with_images(_content([labels]), Path(d))
        write_dataset(fmt, content, Path(d) / "out", copy_images=True)
        back = read_dataset(fmt, Path(d) / "out")
    got = back.images[0].labels
    assert len(got) == len(labels)
    for a, b in zip(labels, got, strict=True):
        assert b.kind in (GeometryKind.ROTATED_BOX, GeometryKind.BOX)
        ba, bb = a.bbox, b.bbox
        assert ba is not None and bb is not None
        assert all(abs(x - y) < 1e-3 for x, y in zip(ba, bb, strict=True))


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["1", "7"]), boxes()), min_size=1, max_size=8),
    st.sampled_from(["cvat", "mot", "label-studio"]),
)
def test_tracks_roundtrip(rows: list[tuple[int, str, Label]], fmt: str) -> None:
    frames = 6
    images: list[list[Label]] = [[] for _ in range(frames)]
    seen = set()
    for frame, tid, box in rows:
        if (frame, tid) in seen:
            continue
        seen.add((frame, tid))
        images[frame].append(
            Label(
                label="cat",
                kind=box.kind,
                geometry=box.geometry,
                track_id=tid,
                frame=frame,
                attributes={"keyframe": True} if fmt == "label-studio" else {},
            )
        )
    content = _content(images)
    if fmt == "label-studio":
        content = DatasetContent(
            taxonomy=content.taxonomy,
            images=[
                ImageRecord(name="video.mp4", width=W, height=H, labels=[lb for r in content.images for lb in r.labels])
            ],
        )
    with tempfile.TemporaryDirectory() as d:
        report = write_dataset(fmt, content, Path(d))
        back = read_dataset(fmt, Path(d))
    assert report.empty, report.lines()

    def tracks(c: DatasetContent) -> set[tuple[str | None, int | None, tuple[float, ...]]]:
        return {
            (lb.track_id, lb.frame, tuple(round(v, 6) for v in lb.geometry["bbox"]))
            for r in c.images
            for lb in r.labels
            if not lb.attributes.get("outside")
        }

    assert tracks(back) == tracks(content)

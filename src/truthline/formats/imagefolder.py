"""Image-folder classification: ``<class path>/<image>`` (ImageNet style) and Ultralytics ``<split>/<class>/<image>``.

The folder path relative to the root is the class (nested folders give ``a/b``); images at the root have
no label. Export copies images into the layout, since the folder is the label.
"""

from __future__ import annotations

from pathlib import Path

from truthline.domain.errors import FormatError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats.capabilities import FormatInfo, check_common
from truthline.formats.images import is_image_file
from truthline.formats.loss import LossReport
from truthline.formats.writing import Written

INFO = FormatInfo(
    name="imagefolder",
    title="Image folders (one folder per class)",
    image_labels=True,
    notes="class = folder path; one class per image; images at the root are unlabelled",
)
CLASSIFY_INFO = FormatInfo(
    name="yolo-classify",
    title="Ultralytics YOLO classify (<split>/<class>/<image>)",
    image_labels=True,
    class_id_base=0,
    notes="class index = sorted folder order",
)


def _scan(root: Path, split: str | None, prefix: str) -> tuple[list[ImageRecord], list[str]]:
    recs, classes = [], []
    for p in sorted(root.rglob("*")):
        if not p.is_file() or not is_image_file(p):
            continue
        rel = p.relative_to(root)
        cls = rel.parent.as_posix() if rel.parent != Path(".") else None
        if cls is not None and cls not in classes:
            classes.append(cls)
        rec = ImageRecord(name=prefix + rel.as_posix(), split=split, path=p)
        if cls is not None:
            rec.labels.append(Label.image_label(cls))
        recs.append(rec)
    return recs, classes


def read_imagefolder(path: Path, images: Path | None = None) -> DatasetContent:
    if not path.is_dir():
        raise FormatError("not a folder", where=str(path), fix="give the root folder of the class folders")
    recs, classes = _scan(path, None, "")
    return DatasetContent(taxonomy=Taxonomy.of(sorted(classes)), images=recs)


def read_yolo_classify(path: Path, images: Path | None = None) -> DatasetContent:
    if not path.is_dir():
        raise FormatError("not a folder", where=str(path), fix="give the folder holding train/ val/ test/")
    splits = [d for d in sorted(path.iterdir()) if d.is_dir()]
    if not splits:
        raise FormatError("no split folders found", where=str(path), fix="expected train/<class>/<image>")
    recs: list[ImageRecord] = []
    classes: list[str] = []
    for d in splits:
        r, c = _scan(d, d.name, f"{d.name}/")
        recs += r
        classes += [x for x in c if x not in classes]
    tax = Taxonomy(tuple(TaxonomyClass(n, source_id=i) for i, n in enumerate(sorted(classes))))
    return DatasetContent(taxonomy=tax, images=recs)


def _write(content: DatasetContent, report: LossReport, info: FormatInfo, by_split: bool) -> Written:
    out = Written()
    used: set[str] = set()
    for rec in content.images:
        cls = None
        for j, lb in enumerate(rec.labels):
            item = f"{rec.name}#{j}"
            if lb.kind is not GeometryKind.LABEL:
                report.drop(f"{lb.kind.value} (image folders carry one class per image)", item)
            elif cls is not None:
                report.drop("image-level label beyond the first", item)
            else:
                check_common(lb, info, report, item)
                cls = lb.label
        base = rec.name.rsplit("/", 1)[-1]
        stem = (
            rec.name.split("/", 1)[1] if by_split and rec.split and rec.name.startswith(f"{rec.split}/") else rec.name
        )
        rel = (
            stem
            if (cls is not None and stem.startswith(f"{cls}/")) or (cls is None and "/" not in stem)
            else (f"{cls}/{base}" if cls else base)
        )
        if by_split:
            rel = f"{rec.split or 'train'}/{rel}"
            if cls is None:
                report.drop("image without a class (YOLO classify needs one)", rec.name)
                continue
        k, orig = 1, rel
        while rel in used:
            k += 1
            rel = orig.rsplit(".", 1)[0] + f"~{k}." + orig.rsplit(".", 1)[-1]
        used.add(rel)
        if rec.path is not None:
            out.copies[rel] = rec.path
    names = [c.name for c in content.taxonomy.classes]
    out.idmap = {"format": info.name, "categories": [{"name": n, "id": i} for i, n in enumerate(sorted(names))]}
    if names != sorted(names):
        report.convert("class order (folders are read back in sorted order)", None)
    return out


def write_imagefolder(content: DatasetContent, report: LossReport) -> Written:
    return _write(content, report, INFO, False)


def write_yolo_classify(content: DatasetContent, report: LossReport) -> Written:
    return _write(content, report, CLASSIFY_INFO, True)

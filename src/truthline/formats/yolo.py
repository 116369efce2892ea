"""Ultralytics YOLO txt labels and data.yaml: detect, segment, OBB and pose (classify is in imagefolder.py).

Class indexes are 0-based and kept as ``TaxonomyClass.source_id``. Labels hold normalised coordinates; the
image size comes from the image header (EXIF orientation applied), so images must be reachable to import.
data.yaml variants: ``names`` as a list or dict; splits as folders, lists of image paths or txt lists.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from truthline.domain.errors import FormatError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats.capabilities import FormatInfo, assign_ids, check_common, fmt_num, is_outside, object_classes
from truthline.formats.images import first_existing, is_image_file, read_image_size
from truthline.formats.loss import LossReport
from truthline.formats.reading import read_text, text_int, text_num
from truthline.formats.shapes import as_box, as_rings, min_area_rotated, rotated_corners, rotated_from_corners
from truthline.formats.writing import Written

TASKS = ("detect", "segment", "obb", "pose")
_SPLITS = ("train", "val", "test")
_COMMON = dict(class_id_base=0, empty_images=True, notes="class index = 0-based position in names")
INFOS = {
    "detect": FormatInfo(name="yolo", title="Ultralytics YOLO detect", boxes=True, **_COMMON),  # type: ignore[arg-type]
    "segment": FormatInfo(name="yolo-segment", title="Ultralytics YOLO segment", polygons=True, **_COMMON),  # type: ignore[arg-type]
    "obb": FormatInfo(name="yolo-obb", title="Ultralytics YOLO OBB", rotated_boxes=True, **_COMMON),  # type: ignore[arg-type]
    "pose": FormatInfo(name="yolo-pose", title="Ultralytics YOLO pose", boxes=True, keypoints=True, **_COMMON),  # type: ignore[arg-type]
}


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(read_text(path))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line = f":line {mark.line + 1}" if mark is not None else ""
        raise FormatError(f"invalid YAML: {e.problem}, expected a YAML mapping", where=f"{path}{line}") from None
    except yaml.YAMLError as e:
        raise FormatError(f"invalid YAML: {' '.join(str(e).split())}", where=str(path)) from None
    if not isinstance(doc, dict):
        raise FormatError(f"got {type(doc).__name__}, expected a mapping with names and train/val", where=str(path))
    return doc


def _yaml_path(path: Path) -> Path:
    if path.is_file():
        return path
    for cand in ("data.yaml", "data.yml", "dataset.yaml"):
        if (path / cand).is_file():
            return path / cand
    found = sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml"))
    if len(found) == 1:
        return found[0]
    raise FormatError("no data.yaml found", where=str(path), fix="give the path of the dataset's data.yaml")


def _names(doc: dict[str, Any], where: str) -> tuple[list[tuple[int, str]], str]:
    names = doc.get("names")
    if isinstance(names, list):
        pairs = [(i, str(n)) for i, n in enumerate(names)]
        style = "list"
    elif isinstance(names, dict):
        pairs = []
        for k, v in names.items():
            try:
                pairs.append((int(k), str(v)))
            except (TypeError, ValueError):
                raise FormatError(f"names key {k!r}, expected a class index", where=f"{where}:names") from None
        style = "dict"
    else:
        raise FormatError(f"names is {names!r}, expected a list or a dict of class names", where=f"{where}:names")
    seen: set[str] = set()
    for _, n in pairs:
        if not n or n in seen:
            raise FormatError(f"class name {n!r} is empty or repeated, expected unique names", where=f"{where}:names")
        seen.add(n)
    return pairs, style


def label_path(image_rel: str) -> str:
    """Ultralytics' rule: the last ``/images/`` becomes ``/labels/`` and the suffix ``.txt``."""
    p = "/" + image_rel
    if "/images/" in p:
        head, tail = p.rsplit("/images/", 1)
        p = f"{head}/labels/{tail}"
    return os.path.splitext(p[1:])[0] + ".txt"


def _resolve(entry: str, root: Path, base: Path) -> Path:
    p = Path(entry)
    if p.is_absolute():
        return p
    parts = Path(entry.removeprefix("./")).parts
    cands = [root / entry, base / entry] + [root.joinpath(*parts[k:]) for k in range(1, len(parts))]
    return first_existing(cands) or root / entry


def _split_images(spec: Any, root: Path, where: str) -> tuple[list[tuple[Path, str | None]], str]:
    """Image paths of one split (with the txt line that named them) and how the split was given."""
    entries = spec if isinstance(spec, list) else [spec]
    out: list[tuple[Path, str | None]] = []
    style = "list" if isinstance(spec, list) else "folder"
    for e in entries:
        if not isinstance(e, str):
            raise FormatError(f"split entry {e!r}, expected a folder, txt file or image path", where=where)
        p = _resolve(e, root, root)
        if p.suffix == ".txt":
            style = "txt"
            for line in read_text(p).splitlines():
                if line.strip():
                    out.append((_resolve(line.strip(), root, p.parent), line.strip()))
        elif p.is_dir():
            out += [(f, None) for f in sorted(p.rglob("*")) if f.is_file() and is_image_file(f)]
        else:
            out.append((p, None))
    return out, style


def _rel(p: Path, root: Path) -> str:
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def _name_for(rel: str, split: str, folder: str | None) -> str:
    parts = rel.split("/")
    if "images" in parts[:-1]:
        parts = parts[len(parts) - parts[::-1].index("images") :]
    if len(parts) > 1 and parts[0] in (split, folder):
        parts = parts[1:]
    return "/".join(parts)


def _parse_line(line: str, where: str, task: str, kpt: tuple[int, int] | None) -> tuple[int, list[float]]:
    tokens = line.split()
    cls = text_int(tokens[0], where, "a class index")
    vals = [text_num(t, where) for t in tokens[1:]]
    n = len(vals)
    if task == "pose":
        assert kpt is not None
        if n != 4 + kpt[0] * kpt[1]:
            raise FormatError(
                f"{n} values after the class, expected {4 + kpt[0] * kpt[1]} (box + kpt_shape)", where=where
            )
    elif task == "obb":
        if n != 8:
            raise FormatError(f"{n} values after the class, expected 8 (4 corners)", where=where)
    elif n != 4 and (n < 6 or n % 2):
        raise FormatError(f"{n} values after the class, expected 4 (box) or an even count >= 6 (polygon)", where=where)
    checked = (
        vals
        if task != "pose"
        else vals[:4] + [v for i, v in enumerate(vals[4:]) if kpt and (kpt[1] == 2 or i % 3 != 2)]
    )
    bad = [v for v in checked if v < -1e-6 or v > 1 + 1e-6] if task != "obb" else []
    if bad:
        raise FormatError(f"coordinate {bad[0]} outside [0, 1], expected normalised coordinates", where=where)
    return cls, vals


def _labels(
    cls: str, vals: list[float], w: int, h: int, task: str, kpt: tuple[int, int] | None, gid: str
) -> list[Label]:
    if task == "obb":
        pts = [v * (w if i % 2 == 0 else h) for i, v in enumerate(vals)]
        return [Label(label=cls, kind=GeometryKind.ROTATED_BOX, geometry=rotated_from_corners(pts))]
    if len(vals) == 4 or task == "pose":
        cx, cy, bw, bh = vals[:4]
        box = Label.box(cls, (cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h)
        if task != "pose":
            return [box]
        assert kpt is not None
        k, d = kpt
        kv = vals[4:]
        pts = [kv[i * d + j] * (w if j == 0 else h) for i in range(k) for j in range(2)]
        geom: dict[str, Any] = {"points": pts}
        if d == 3:
            geom["visibility"] = [int(kv[i * d + 2]) for i in range(k)]
        box = Label(label=cls, kind=GeometryKind.BOX, geometry=box.geometry, group=gid)
        return [box, Label(label=cls, kind=GeometryKind.POINTS, geometry=geom, group=gid)]
    pts = [v * (w if i % 2 == 0 else h) for i, v in enumerate(vals)]
    return [Label(label=cls, kind=GeometryKind.POLYGON, geometry={"rings": [pts]})]


def read_yolo(path: Path, images: Path | None = None, task: str | None = None) -> DatasetContent:
    """Read a YOLO dataset from its data.yaml (or the folder holding it)."""
    ypath = _yaml_path(path)
    doc = _load_yaml(ypath)
    where = str(ypath)
    pairs, style = _names(doc, where)
    kpt: tuple[int, int] | None = None
    if "kpt_shape" in doc:
        ks = doc["kpt_shape"]
        if not (isinstance(ks, list) and len(ks) == 2 and all(isinstance(v, int) for v in ks) and ks[1] in (2, 3)):
            raise FormatError(f"kpt_shape {ks!r}, expected [number of keypoints, 2 or 3]", where=f"{where}:kpt_shape")
        kpt = (ks[0], ks[1])
    task = task or ("pose" if kpt else str(doc.get("task", "detect")))
    if task not in TASKS:
        raise FormatError(f"task {task!r}, expected one of {', '.join(TASKS)}", where=where)
    if task == "pose" and kpt is None:
        raise FormatError("pose dataset without kpt_shape, expected kpt_shape: [K, 2|3]", where=where)
    base = Path(str(doc["path"])) if isinstance(doc.get("path"), str) else None
    root = ypath.parent if base is None else (base if base.is_absolute() else ypath.parent / base)
    if not root.is_dir():
        root = ypath.parent
    by_index = {i: n for i, n in pairs}
    classes = [TaxonomyClass(name=n, source_id=i) for i, n in pairs]
    records: list[ImageRecord] = []
    splits_extra: dict[str, Any] = {}
    seen: set[str] = set()
    for split in [k for k in doc if k in _SPLITS or k.startswith(("train", "val", "test"))]:
        spec = doc[split]
        if spec is None:
            continue
        files, sstyle = _split_images(spec, root, f"{where}:{split}")
        splits_extra[split] = {"style": sstyle, "spec": spec}
        folder = Path(spec).name if isinstance(spec, str) else None
        for img, line in files:
            rel = _rel(img, root)
            if rel in seen:
                continue
            seen.add(rel)
            rec = ImageRecord(name=_name_for(rel, split, folder), split=split, path=img if img.is_file() else None)
            if images is not None and rec.path is None:
                rec.path = first_existing([images / rec.name, images / split / rec.name, images / Path(rel).name])
            rec.extra["yolo"] = {"image": rel} | ({"list_entry": line} if line else {})
            _read_labels(rec, root / label_path(rel), by_index, task, kpt)
            records.append(rec)
    extra = {k: v for k, v in doc.items() if k not in ("names", *splits_extra)}
    extra.update({"names_style": style, "splits": splits_extra, "task": task})
    return DatasetContent(taxonomy=Taxonomy(tuple(classes)), images=records, extra={"yolo": extra})


def _read_labels(rec: ImageRecord, lpath: Path, names: dict[int, str], task: str, kpt: tuple[int, int] | None) -> None:
    if not lpath.is_file():
        return
    rows = []
    for no, line in enumerate(read_text(lpath).splitlines(), start=1):
        if line.strip():
            w = f"{lpath}:line {no}"
            cls, vals = _parse_line(line, w, task, kpt)
            if cls not in names:
                raise FormatError(f"class index {cls} is not in names, expected 0..{len(names) - 1}", where=w)
            rows.append((cls, vals))
    if not rows:
        return
    if rec.width is None and rec.path is not None:
        rec.width, rec.height = read_image_size(rec.path)
    if rec.width is None or rec.height is None:
        raise FormatError(
            f"image {rec.name} not found, its size is needed to read normalised labels",
            where=str(lpath),
            fix="pass --images DIR where the images are",
        )
    for i, (cls, vals) in enumerate(rows):
        rec.labels.extend(_labels(names[cls], vals, rec.width, rec.height, task, kpt, f"yolo-{i}"))


# ---------------------------------------------------------------- export


def write_yolo(content: DatasetContent, report: LossReport, task: str = "detect") -> Written:
    """data.yaml, one labels/.../*.txt per image (empty for images without labels), names never re-sorted."""
    info = INFOS[task]
    out = Written()
    src = content.extra.get("yolo", {})
    classes = object_classes(content.taxonomy)
    ids = assign_ids(classes, 0, contiguous=True)
    kpt = _kpt_shape(content, src) if task == "pose" else None
    by_split: dict[str, list[str]] = {}
    for rec in content.images:
        split = rec.split or "train"
        rel = rec.extra.get("yolo", {}).get("image") or f"images/{split}/{rec.name}"
        by_split.setdefault(split, []).append(rec.extra.get("yolo", {}).get("list_entry") or rel)
        if rec.path is not None:
            out.copies[rel] = rec.path
        lines = []
        for j, lb in enumerate(rec.labels):
            line = _line(rec, j, lb, ids, task, kpt, report, info)
            if line is not None:
                lines.append(line)
        out.text(label_path(rel), "".join(ln + "\n" for ln in lines))
    doc: dict[str, Any] = {k: v for k, v in src.items() if k not in ("names_style", "splits", "task")}
    splits_src = src.get("splits", {})
    for split, rels in by_split.items():
        style = splits_src.get(split, {}).get("style", "folder")
        spec = splits_src.get(split, {}).get("spec")
        if style == "txt" and isinstance(spec, str):
            out.text(spec, "".join(r + "\n" for r in rels))
            doc[split] = spec
        elif style == "list":
            doc[split] = rels
        else:
            parents = {os.path.dirname(r) for r in rels}
            folder = os.path.commonpath(list(parents)) if all(parents) else ""
            doc[split] = spec if isinstance(spec, str) and folder and spec.rstrip("/").endswith(folder) else folder
            if not folder:
                doc[split] = f"{split}.txt"
                out.text(f"{split}.txt", "".join(f"./{r}\n" for r in rels))
    if kpt is not None:
        doc["kpt_shape"] = list(kpt)
    names_by_id = sorted((ids[c.name], c.name) for c in classes)
    doc["names"] = [n for _, n in names_by_id] if src.get("names_style") == "list" else dict(names_by_id)
    out.text("data.yaml", yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    out.idmap = {"format": info.name, "categories": [{"name": c.name, "id": ids[c.name]} for c in classes]}
    return out


def _kpt_shape(content: DatasetContent, src: dict[str, Any]) -> tuple[int, int]:
    if isinstance(src.get("kpt_shape"), list):
        return (int(src["kpt_shape"][0]), int(src["kpt_shape"][1]))
    k, vis = 0, False
    for rec in content.images:
        for lb in rec.labels:
            if lb.kind is GeometryKind.POINTS:
                k = max(k, len(lb.geometry["points"]) // 2)
                vis = vis or "visibility" in lb.geometry
    return (k, 3 if vis else 2)


def _line(
    rec: ImageRecord,
    j: int,
    lb: Label,
    ids: dict[str, int],
    task: str,
    kpt: tuple[int, int] | None,
    report: LossReport,
    info: FormatInfo,
) -> str | None:
    item = f"{rec.name}#{j}"
    if is_outside(lb):
        report.drop("track frame marked outside (object not visible)", item)
        return None
    if lb.label is None or lb.label not in ids:
        report.drop("unlabelled shape" if lb.label is None else "label of a class YOLO cannot list", item)
        return None
    if lb.kind is GeometryKind.LABEL:
        report.drop("image-level label", item)
        return None
    w, h = rec.width, rec.height
    if not w or not h:
        report.drop("shape on an image of unknown size", item)
        return None
    partner = _partner(rec, j, lb)
    if task == "pose":
        if lb.kind is not GeometryKind.POINTS:
            if partner is None:
                report.drop(f"{lb.kind.value} without keypoints (pose)", item)
            return None
    elif lb.kind is GeometryKind.POINTS:
        report.drop(f"keypoints ({info.name})", item)
        return None
    check_common(lb, info, report, item)
    if (lb.group is not None and task != "pose") or (task == "pose" and partner is not None and lb.group is None):
        report.drop("group", item)
    cid = str(ids[lb.label])
    norm = [w, h]
    if task == "detect":
        if lb.kind is not GeometryKind.BOX:
            report.convert(f"{lb.kind.value} written as a box", item)
        box = as_box(lb) or [0.0, 0.0, 0.0, 0.0]
        vals = [(box[0] + box[2] / 2) / w, (box[1] + box[3] / 2) / h, box[2] / w, box[3] / h]
    elif task == "segment":
        rings = as_rings(lb)
        if lb.kind is not GeometryKind.POLYGON:
            report.convert(f"{lb.kind.value} written as a polygon", item)
        if len(rings) > 1:
            report.drop("polygon rings beyond the largest", item, count=len(rings) - 1)
        if not rings or len(rings[0]) < 6:
            report.drop(f"{lb.kind.value} with fewer than 3 points", item)
            return None
        vals = [v / norm[i % 2] for i, v in enumerate(rings[0])]
    elif task == "obb":
        if lb.kind is GeometryKind.ROTATED_BOX:
            corners = rotated_corners(lb.geometry)
        elif lb.kind is GeometryKind.BOX:
            corners = as_rings(lb)[0]
            report.convert("box written as an oriented box", item)
        else:
            rings = as_rings(lb)
            flat = [v for r in rings for v in r]
            if len(flat) < 4:
                report.drop(f"{lb.kind.value} with too few points", item)
                return None
            corners = rotated_corners(min_area_rotated(flat))
            report.convert(f"{lb.kind.value} written as its minimum-area oriented box", item)
        vals = [v / norm[i % 2] for i, v in enumerate(corners)]
    else:
        assert kpt is not None
        pts = list(lb.geometry["points"])
        vis = list(lb.geometry.get("visibility") or [2] * (len(pts) // 2))
        if len(pts) // 2 != kpt[0]:
            report.drop(f"keypoints whose count differs from kpt_shape {kpt[0]}", item)
            return None
        if partner is not None and partner.kind is GeometryKind.BOX:
            box = as_box(partner) or [0.0] * 4
        else:
            box = as_box(lb) or [0.0] * 4
            report.convert(
                "pose box computed from its keypoints" if partner is None else "pose box from a non-box shape", item
            )
        vals = [(box[0] + box[2] / 2) / w, (box[1] + box[3] / 2) / h, box[2] / w, box[3] / h]
        for k in range(kpt[0]):
            vals += [pts[2 * k] / w, pts[2 * k + 1] / h] + ([float(vis[k])] if kpt[1] == 3 else [])
        if kpt[1] == 2 and "visibility" in lb.geometry:
            report.drop("keypoint visibility (kpt_shape has 2 values)", item)
    coord_idx = [
        i for i in range(len(vals)) if task != "pose" or i < 4 or kpt is None or kpt[1] == 2 or (i - 4) % 3 != 2
    ]
    if task != "obb" and any(vals[i] < 0 or vals[i] > 1 for i in coord_idx):
        report.convert("coordinates clipped to the image", item)
        for i in coord_idx:
            vals[i] = min(max(vals[i], 0.0), 1.0)
    return " ".join([cid, *(fmt_num(round(v, 10)) for v in vals)])


def _partner(rec: ImageRecord, j: int, lb: Label) -> Label | None:
    """The other member of a two-label group (shape + keypoints), if any."""
    if lb.group is None:
        return None
    members = [x for k, x in enumerate(rec.labels) if k != j and x.group == lb.group]
    if len(members) == 1 and (members[0].kind is GeometryKind.POINTS) != (lb.kind is GeometryKind.POINTS):
        return members[0]
    return None

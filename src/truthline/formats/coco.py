"""COCO instances and keypoints JSON: boxes, polygons, RLE masks, iscrowd, keypoints, custom attributes.

Import keeps image, category and annotation ids (``ImageRecord.source_id``, ``TaxonomyClass.source_id``,
``Label.extra["coco"]["id"]``), every unknown key (in ``extra["coco"]``) and categories without annotations.
A keypoints annotation becomes two labels sharing a ``group``: its shape (box, polygon or mask) and a
``points`` label; export merges them back into one annotation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from truthline.domain.errors import FormatError, UserInputError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats import masks
from truthline.formats.capabilities import (
    FormatInfo,
    assign_ids,
    check_common,
    is_outside,
    keypoint_names,
    object_classes,
)
from truthline.formats.images import first_existing, unique_names
from truthline.formats.loss import LossReport
from truthline.formats.reading import as_dict, as_int, as_list, as_num, as_nums, as_str, at, load_json
from truthline.formats.shapes import rotated_corners
from truthline.formats.writing import Written

INFO = FormatInfo(
    name="coco",
    title="COCO instances / person_keypoints JSON",
    boxes=True,
    polygons=True,
    masks=True,
    keypoints=True,
    attributes=True,
    native_attributes=("iscrowd",),
    class_id_base=1,
    image_id_base=1,
    notes="ids kept from the file; new ids start at 1; one file per split (annotations/instances_<split>.json)",
)

_SPLIT_FILE = re.compile(r"^(?:instances|person_keypoints|image_info|labels|annotations)_(.+)$")
_ANN_KEYS = {"id", "image_id", "category_id", "segmentation", "area", "bbox", "iscrowd", "attributes"}
_KP_KEYS = {"keypoints", "num_keypoints"}
_OPTIONAL = ("segmentation", "area", "iscrowd", "attributes", "bbox")


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FormatError(f"no such file or folder: {path}", where=str(path), fix="give a COCO JSON file or folder")
    found = sorted((path / "annotations").glob("*.json")) if (path / "annotations").is_dir() else []
    found = found or sorted(path.glob("*.json"))
    if not found:
        raise FormatError("no COCO JSON file found", where=str(path), fix="put the JSON under annotations/")
    return found


def _split_of(file: Path, n_files: int) -> str | None:
    m = _SPLIT_FILE.match(file.stem)
    if m:
        return m.group(1)
    return file.stem if n_files > 1 else None


def _category(raw: Any, where: str) -> TaxonomyClass:
    d = as_dict(raw, where)
    cid = as_int(d.get("id"), at(where, "id"))
    name = as_str(d.get("name"), at(where, "name"))
    if not name:
        raise FormatError("empty category name, expected a non-empty string", where=at(where, "name"))
    extra: dict[str, Any] = {"coco": {k: v for k, v in d.items() if k not in ("id", "name", "keypoints", "skeleton")}}
    if "keypoints" in d:
        extra["keypoints"] = [
            as_str(v, at(at(where, "keypoints"), i))
            for i, v in enumerate(as_list(d["keypoints"], at(where, "keypoints")))
        ]
    if "skeleton" in d:
        edges = []
        for i, e in enumerate(as_list(d["skeleton"], at(where, "skeleton"))):
            pair = as_list(e, at(at(where, "skeleton"), i), "an edge [a, b]")
            if len(pair) != 2:
                raise FormatError(f"got {pair!r}, expected an edge [a, b]", where=at(at(where, "skeleton"), i))
            edges.append([as_int(pair[0], where) - 1, as_int(pair[1], where) - 1])
        extra["skeleton"] = edges
    return TaxonomyClass(name=name, source_id=cid, extra=extra)


def _segmentation(seg: Any, where: str, bbox: list[float] | None) -> tuple[GeometryKind, dict[str, Any]]:
    if isinstance(seg, list):
        if not seg:
            if bbox is None:
                raise FormatError("annotation has neither segmentation nor bbox, expected one", where=where)
            return GeometryKind.BOX, {"bbox": bbox}
        rings = [as_nums(r, at(where, i), even=True, min_len=6) for i, r in enumerate(seg)]
        return GeometryKind.POLYGON, {"rings": rings}
    d = as_dict(seg, where, "a polygon list or an RLE object")
    size = as_list(d.get("size"), at(where, "size"), "[height, width]")
    if len(size) != 2:
        raise FormatError(f"got {size!r}, expected [height, width]", where=at(where, "size"))
    h, w = (as_int(v, at(where, "size")) for v in size)
    counts = d.get("counts")
    if isinstance(counts, str):
        rle: dict[str, Any] = {"size": [h, w], "counts": counts}
    else:
        rle = {
            "size": [h, w],
            "counts": [
                as_int(c, at(at(where, "counts"), i))
                for i, c in enumerate(as_list(counts, at(where, "counts"), "RLE counts"))
            ],
        }
    problem = masks.rle_valid(rle)
    if problem is not None:
        raise FormatError(f"RLE {problem}", where=at(where, "counts"), fix="counts must cover height*width pixels")
    return GeometryKind.MASK, {"rle": rle}


def _annotation(raw: Any, where: str, cats: dict[int, TaxonomyClass]) -> tuple[int, list[Label]]:
    d = as_dict(raw, where)
    image_id = as_int(d.get("image_id"), at(where, "image_id"))
    cid = as_int(d.get("category_id"), at(where, "category_id"))
    if cid not in cats:
        raise FormatError(f"category_id {cid} is not among the categories", where=at(where, "category_id"))
    cls = cats[cid]
    bbox = None
    if "bbox" in d:
        bbox = as_nums(d["bbox"], at(where, "bbox"))
        if len(bbox) != 4 or bbox[2] < 0 or bbox[3] < 0:
            raise FormatError(f"got {bbox!r}, expected [x, y, w, h] with w, h >= 0", where=at(where, "bbox"))
    kind, geom = _segmentation(d.get("segmentation", []), at(where, "segmentation"), bbox)
    attrs: dict[str, Any] = dict(as_dict(d["attributes"], at(where, "attributes"))) if "attributes" in d else {}
    if "iscrowd" in d:
        attrs["iscrowd"] = bool(as_int(d["iscrowd"], at(where, "iscrowd")))
    extra: dict[str, Any] = {k: v for k, v in d.items() if k not in _ANN_KEYS and k not in _KP_KEYS}
    if "id" in d:
        extra["id"] = d["id"]
    if bbox is not None:
        extra["bbox"] = bbox
    if "area" in d:
        extra["area"] = as_num(d["area"], at(where, "area"))
    absent = [k for k in _OPTIONAL if k not in d]
    if absent:
        extra["absent"] = absent
    labels = []
    kps = d.get("keypoints")
    group = None
    if kps is not None:
        flat = as_nums(kps, at(where, "keypoints"))
        if len(flat) % 3:
            raise FormatError(f"got {len(flat)} numbers, expected x, y, v triples", where=at(where, "keypoints"))
        group = f"coco-{d.get('id')}"
        names = keypoint_names(cls) or [f"kp{i}" for i in range(len(flat) // 3)]
        kp_extra: dict[str, Any] = {"keypoints_of": True}
        if "num_keypoints" in d:
            kp_extra["num_keypoints"] = d["num_keypoints"]
        labels.append(
            Label(
                label=cls.name,
                kind=GeometryKind.POINTS,
                geometry={
                    "points": [v for i, v in enumerate(flat) if i % 3 != 2],
                    "visibility": [int(v) for v in flat[2::3]],
                    "names": names[: len(flat) // 3],
                },
                extra={"coco": kp_extra},
                group=group,
            )
        )
    labels.insert(
        0, Label(label=cls.name, kind=kind, geometry=geom, attributes=attrs, extra={"coco": extra}, group=group)
    )
    return image_id, labels


def read_coco(path: Path, images: Path | None = None) -> DatasetContent:
    """Read one COCO JSON file, or every JSON under ``path/annotations`` (one per split)."""
    files = _files(path)
    classes: dict[str, TaxonomyClass] = {}
    order: list[str] = []
    records: list[ImageRecord] = []
    file_extra: dict[str, Any] = {}
    for file in files:
        split = _split_of(file, len(files))
        doc = as_dict(load_json(file), f"{file}:$", "a COCO object with images, annotations, categories")
        w0 = f"{file}:$"
        cats: dict[int, TaxonomyClass] = {}
        for i, raw in enumerate(as_list(doc.get("categories", []), at(w0, "categories"))):
            c = _category(raw, at(at(w0, "categories"), i))
            if c.source_id in cats:
                raise FormatError(f"category id {c.source_id} appears twice", where=at(at(w0, "categories"), i))
            cats[c.source_id] = c  # type: ignore[index]
            prev = classes.get(c.name)
            if prev is None:
                classes[c.name] = c
                order.append(c.name)
            elif prev.source_id != c.source_id:
                raise FormatError(
                    f"category {c.name!r} has id {c.source_id} here but {prev.source_id} elsewhere, expected one id",
                    where=at(at(w0, "categories"), i),
                    fix="give each class the same id in every file",
                )
        by_id: dict[int, ImageRecord] = {}
        for i, raw in enumerate(as_list(doc.get("images", []), at(w0, "images"))):
            wi = at(at(w0, "images"), i)
            d = as_dict(raw, wi)
            iid = as_int(d.get("id"), at(wi, "id"))
            if iid in by_id:
                raise FormatError(f"image id {iid} appears twice", where=at(wi, "id"))
            rec = ImageRecord(
                name=as_str(d.get("file_name"), at(wi, "file_name")),
                width=as_int(d["width"], at(wi, "width")) if d.get("width") is not None else None,
                height=as_int(d["height"], at(wi, "height")) if d.get("height") is not None else None,
                split=split,
                source_id=iid,
                extra={"coco": {k: v for k, v in d.items() if k not in ("id", "file_name", "width", "height")}},
            )
            by_id[iid] = rec
            records.append(rec)
        for i, raw in enumerate(as_list(doc.get("annotations", []), at(w0, "annotations"))):
            wa = at(at(w0, "annotations"), i)
            try:
                image_id, labels = _annotation(raw, wa, cats)
            except UserInputError as e:
                if isinstance(e, FormatError):
                    raise
                raise FormatError(e.what, where=wa) from None
            if image_id not in by_id:
                raise FormatError(f"image_id {image_id} is not among the images", where=at(wa, "image_id"))
            by_id[image_id].labels.extend(labels)
        rel = file.name if file.parent.name != "annotations" else f"annotations/{file.name}"
        file_extra[split or ""] = {
            "file": rel,
            "top": {k: v for k, v in doc.items() if k not in ("images", "annotations", "categories")},
        }
    root = (
        path
        if path.is_dir()
        else (files[0].parent.parent if files[0].parent.name == "annotations" else files[0].parent)
    )
    names = unique_names([r.name for r in records], [r.split for r in records])
    for rec, name in zip(records, names, strict=True):
        if name != rec.name:
            rec.extra["coco"]["file_name"] = rec.name
            rec.name = name
        fn = str(rec.extra["coco"].get("file_name", rec.name))
        bases = [images] if images is not None else [root / "images", root, files[0].parent]
        cands = [b / rec.split / fn for b in bases if rec.split] + [b / fn for b in bases]
        rec.path = first_existing(cands)
    return DatasetContent(
        taxonomy=Taxonomy(tuple(classes[n] for n in order)), images=records, extra={"coco": {"files": file_extra}}
    )


# ---------------------------------------------------------------- export


def _close(a: list[float] | None, b: list[float], tol: float = 1.0) -> bool:
    return a is not None and len(a) == 4 and all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def _shape_ann(label: Label, report: LossReport, item: str) -> dict[str, Any] | None:
    """segmentation, bbox and area for a shape label; ``None`` when COCO cannot hold it."""
    kind, g = label.kind, label.geometry
    src = label.extra.get("coco", {})
    if kind is GeometryKind.BOX:
        bbox = [float(v) for v in g["bbox"]]
        seg: Any = []
        area = bbox[2] * bbox[3]
    elif kind is GeometryKind.POLYGON:
        seg = [list(r) for r in g["rings"]]
        bbox = list(label.bbox or (0.0, 0.0, 0.0, 0.0))
        area = sum(masks.polygon_area(r) for r in seg)
    elif kind is GeometryKind.MASK:
        seg = dict(g["rle"])
        bbox = masks.rle_bbox(seg)
        area = float(masks.rle_area(seg))
    elif kind is GeometryKind.ROTATED_BOX:
        seg = [rotated_corners(g)]
        bbox = list(label.bbox or (0.0, 0.0, 0.0, 0.0))
        area = float(g["w"]) * float(g["h"])
        report.convert("rotated box written as a 4-point polygon", item)
    elif kind is GeometryKind.POLYLINE:
        bbox = list(label.bbox or (0.0, 0.0, 0.0, 0.0))
        seg, area = [], bbox[2] * bbox[3]
        report.convert("polyline written as its bounding box", item)
    else:
        return None
    if _close(src.get("bbox"), bbox):
        bbox = src["bbox"]
        if "area" in src:
            area = src["area"]
    return {"segmentation": seg, "bbox": bbox, "area": area}


def write_coco(content: DatasetContent, report: LossReport) -> Written:
    """One JSON per split under ``annotations/`` (images under ``images/<split>/``); category ids kept, 1-based."""
    out = Written()
    classes = object_classes(content.taxonomy)
    cat_ids = assign_ids(classes, 1)
    categories = []
    for c in classes:
        cat: dict[str, Any] = {"id": cat_ids[c.name], "name": c.name}
        cat.update(c.extra.get("coco", {"supercategory": c.parent or ""}))
        if "keypoints" in c.extra:
            cat["keypoints"] = list(c.extra["keypoints"])
        if "skeleton" in c.extra:
            cat["skeleton"] = [[a + 1, b + 1] for a, b in c.extra["skeleton"]]
        categories.append(cat)
    files_extra = content.extra.get("coco", {}).get("files", {})
    by_split: dict[str, list[ImageRecord]] = {}
    for rec in content.images:
        by_split.setdefault(rec.split or "", []).append(rec)
    out.idmap = {
        "format": "coco",
        "categories": [{"name": c.name, "id": cat_ids[c.name]} for c in classes],
        "images": [],
    }
    for split, recs in by_split.items():
        fx = files_extra.get(split, {})
        rel = fx.get("file") or f"annotations/instances_{split or 'default'}.json"
        used_img = {r.source_id for r in recs if isinstance(r.source_id, int) and not isinstance(r.source_id, bool)}
        img_ids: dict[int, int] = {}
        seen: set[int] = set()
        nxt = max(used_img, default=0) + 1
        for idx, r in enumerate(recs):
            sid = r.source_id
            if isinstance(sid, int) and not isinstance(sid, bool) and sid not in seen:
                img_ids[idx] = sid
            else:
                img_ids[idx] = nxt
                nxt += 1
            seen.add(img_ids[idx])
        anns = _annotations(recs, img_ids, cat_ids, content, report)
        images = []
        for idx, r in enumerate(recs):
            d: dict[str, Any] = {"id": img_ids[idx], "file_name": r.name}
            if r.width is not None and r.height is not None:
                d["width"], d["height"] = r.width, r.height
            else:
                report.drop("image width/height (unknown)", r.name)
            d.update(r.extra.get("coco", {}))
            images.append(d)
            out.idmap["images"].append({"name": r.name, "split": r.split, "id": img_ids[idx], "file": rel})
            if r.path is not None:  # copied when asked: images/<split>/<file_name>, the usual COCO layout
                out.copies[f"images/{split or 'default'}/{r.name}"] = r.path
        doc = dict(fx.get("top", {}))
        doc.update({"images": images, "annotations": anns, "categories": categories})
        out.json(rel, doc)
    return out


def _annotations(
    recs: list[ImageRecord],
    img_ids: dict[int, int],
    cat_ids: dict[str, int],
    content: DatasetContent,
    report: LossReport,
) -> list[dict[str, Any]]:
    used = {
        lb.extra["coco"]["id"] for r in recs for lb in r.labels if isinstance(lb.extra.get("coco", {}).get("id"), int)
    }
    nxt = max(used, default=0) + 1
    seen: set[int] = set()
    cls_by_name = {c.name: c for c in content.taxonomy.classes}
    anns: list[dict[str, Any]] = []
    for idx, r in enumerate(recs):
        groups: dict[str, list[int]] = {}
        for j, lb in enumerate(r.labels):
            if lb.group is not None:
                groups.setdefault(lb.group, []).append(j)
        merged: dict[int, int] = {}  # points label index → shape label index
        for members in groups.values():
            pts = [j for j in members if r.labels[j].kind is GeometryKind.POINTS]
            shapes = [j for j in members if r.labels[j].kind is not GeometryKind.POINTS]
            if len(pts) == 1 and len(shapes) == 1:
                merged[pts[0]] = shapes[0]
        kp_for = {v: k for k, v in merged.items()}
        for j, lb in enumerate(r.labels):
            item = f"{r.name}#{j}"
            if j in merged:
                continue
            if is_outside(lb):
                report.drop("track frame marked outside (object not visible)", item)
                continue
            if lb.label is None or lb.label not in cat_ids:
                report.drop("unlabelled shape" if lb.label is None else "label of a class COCO cannot list", item)
                continue
            if lb.kind is GeometryKind.LABEL:
                report.drop("image-level label", item)
                continue
            check_common(lb, INFO, report, item)
            if lb.group is not None and j not in kp_for:
                report.drop("group", item)
            src = lb.extra.get("coco", {})
            ann: dict[str, Any] = {
                k: v
                for k, v in src.items()
                if k not in ("id", "bbox", "area", "absent", "keypoints_of", "num_keypoints")
            }
            aid = src.get("id")
            if not isinstance(aid, int) or aid in seen:
                aid = nxt
                nxt += 1
            seen.add(aid)
            ann.update({"id": aid, "image_id": img_ids[idx], "category_id": cat_ids[lb.label]})
            pts_label = r.labels[kp_for[j]] if j in kp_for else (lb if lb.kind is GeometryKind.POINTS else None)
            if lb.kind is GeometryKind.POINTS:
                pb = lb.bbox or (0.0, 0.0, 0.0, 0.0)
                shape: dict[str, Any] | None = {"segmentation": [], "bbox": list(pb), "area": pb[2] * pb[3]}
                if _close(src.get("bbox"), list(pb), tol=1e9):
                    shape = {"segmentation": [], "bbox": src["bbox"], "area": src.get("area", pb[2] * pb[3])}
            else:
                shape = _shape_ann(lb, report, item)
            assert shape is not None
            ann.update(shape)
            attrs = {k: v for k, v in lb.attributes.items() if k not in ("iscrowd", "outside", "keyframe")}
            ann["iscrowd"] = int(bool(lb.attributes.get("iscrowd", isinstance(shape["segmentation"], dict))))
            if attrs or "attributes" not in src.get("absent", ["attributes"]):
                ann["attributes"] = attrs
            if pts_label is not None:
                g = pts_label.geometry
                flat = list(g["points"])
                vis = list(g.get("visibility") or [2] * (len(flat) // 2))
                ann["keypoints"] = [v for k in range(len(flat) // 2) for v in (flat[2 * k], flat[2 * k + 1], vis[k])]
                pex = pts_label.extra.get("coco", {})
                ann["num_keypoints"] = pex.get("num_keypoints", sum(1 for v in vis if v > 0))
                names = keypoint_names(cls_by_name.get(lb.label))
                if names is None and g.get("names"):
                    report.drop("keypoint names (class has no keypoints list)", item)
            for k in src.get("absent", []):
                if k in ann and k != "bbox" and not (k == "attributes" and attrs):
                    if k == "iscrowd" and ann["iscrowd"]:
                        continue
                    ann.pop(k)
            anns.append(ann)
    return anns


__all__ = ["INFO", "read_coco", "write_coco"]

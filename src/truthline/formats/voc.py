"""Pascal VOC: Annotations/*.xml (difficult, truncated, occluded, pose, parts, actions), ImageSets and masks.

VOC pixel coordinates are 1-based and inclusive; truthline's are continuous from 0, so a VOC box
``xmin..xmax`` is ``x = xmin - 1, w = xmax - xmin + 1`` (the Detectron2 reading). Parts are box labels
grouped with their object. ``ImageSets/Main/<class>_<split>.txt`` flags 1 and 0 become image-level labels
(0 with ``difficult``); SegmentationClass/SegmentationObject PNGs become mask labels.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from truthline.domain.errors import FormatError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats import masks
from truthline.formats.capabilities import FormatInfo
from truthline.formats.images import first_existing
from truthline.formats.reading import load_xml, read_text, text_num, xml_child_text

INFO = FormatInfo(
    name="voc",
    title="Pascal VOC (XML, ImageSets, segmentation PNGs)",
    boxes=True,
    masks=True,
    image_labels=True,
    attributes=True,
    native_attributes=("difficult", "truncated", "occluded", "pose"),
    class_id_base=0,
    notes="classes by name; segmentation palette index = position in the VOC class list (0 = background)",
)
VOC_CLASSES = (
    "background",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "pottedplant",
    "sheep",
    "sofa",
    "train",
    "tvmonitor",
)
_FLAGS = ("difficult", "truncated", "occluded")
_KNOWN = {"name", "bndbox", "part", "actions", "attributes", "pose", *_FLAGS}


def palette() -> list[tuple[int, int, int]]:
    """The VOC colour map (bit-interleaved), index → RGB."""
    out = []
    for i in range(256):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        out.append((r, g, b))
    return out


def _labelmap(root: Path) -> list[str] | None:
    """Class names in palette order from ``labelmap.txt`` (datumaro's ``name:color:parts:actions``)."""
    f = root / "labelmap.txt"
    if not f.is_file():
        return None
    return [ln.split(":")[0] for ln in read_text(f).splitlines() if ln.strip() and not ln.startswith("#")]


def _raw(el: ET.Element) -> str:
    el.tail = None
    return ET.tostring(el, encoding="unicode")


def _box(el: ET.Element, where: str) -> list[float]:
    bb = el.find("bndbox")
    if bb is None:
        raise FormatError(f"<{el.tag}> lacks <bndbox>, expected xmin/ymin/xmax/ymax", where=where)
    x0, y0, x1, y1 = (
        text_num(xml_child_text(bb, k, where), f"{where}/bndbox/{k}") for k in ("xmin", "ymin", "xmax", "ymax")
    )
    if x1 < x0 or y1 < y0:
        raise FormatError(f"box ({x0},{y0})-({x1},{y1}), expected xmax >= xmin and ymax >= ymin", where=where)
    return [x0 - 1, y0 - 1, x1 - x0 + 1, y1 - y0 + 1]


def _object(el: ET.Element, where: str, gid: str) -> tuple[list[Label], list[str]]:
    name = xml_child_text(el, "name", where)
    attrs: dict[str, Any] = {}
    for f in _FLAGS:
        t = el.findtext(f)
        if t is not None:
            attrs[f] = text_num(t.strip(), f"{where}/{f}", "0 or 1") != 0
    if el.findtext("pose") is not None:
        attrs["pose"] = (el.findtext("pose") or "").strip()
    actions = el.find("actions")
    action_names = []
    if actions is not None:
        for a in actions:
            attrs[a.tag] = text_num((a.text or "").strip(), f"{where}/actions/{a.tag}", "0 or 1") != 0
            action_names.append(a.tag)
    custom = el.find("attributes")
    if custom is not None:
        for a in custom.findall("attribute"):
            attrs[xml_child_text(a, "name", where)] = (a.findtext("value") or "").strip()
    extra: dict[str, Any] = {}
    if action_names:
        extra["actions"] = action_names
    unknown = [_raw(c) for c in el if c.tag not in _KNOWN]
    if unknown:
        extra["xml"] = unknown
    parts = el.findall("part")
    group = gid if parts else None
    out = [
        Label(
            label=name,
            kind=GeometryKind.BOX,
            geometry={"bbox": _box(el, where)},
            attributes=attrs,
            extra={"voc": extra} if extra else {},
            group=group,
        )
    ]
    part_names = []
    for k, p in enumerate(parts):
        pname = xml_child_text(p, "name", f"{where}/part[{k}]")
        part_names.append(pname)
        out.append(
            Label(
                label=pname,
                kind=GeometryKind.BOX,
                geometry={"bbox": _box(p, f"{where}/part[{k}]")},
                extra={"voc": {"part_of": name}},
                group=group,
            )
        )
    return out, part_names


def _read_png_index(path: Path, pal: dict[tuple[int, int, int], int]) -> np.ndarray:
    try:
        with Image.open(path) as im:
            arr = np.array(im) if im.mode == "P" else np.array(im.convert("RGB"))
    except (OSError, ValueError) as e:
        raise FormatError(f"cannot read the mask: {e}", where=str(path)) from None
    if arr.ndim == 2:
        return arr.astype(np.int32)
    flat = arr.reshape(-1, 3)
    colors, inv = np.unique(flat, axis=0, return_inverse=True)
    idx = np.array([pal.get((int(c[0]), int(c[1]), int(c[2])), -1) for c in colors])
    if (idx < 0).any():
        raise FormatError(f"colour {tuple(colors[int(np.argmin(idx))])} is not in the VOC palette", where=str(path))
    return idx[inv.reshape(-1)].reshape(arr.shape[:2])


def read_voc(path: Path, images: Path | None = None) -> DatasetContent:
    """Read a VOC root (Annotations, ImageSets, JPEGImages, SegmentationClass, SegmentationObject)."""
    root = path
    if not (root / "Annotations").is_dir() and not (root / "ImageSets").is_dir():
        raise FormatError("neither Annotations/ nor ImageSets/ found", where=str(root), fix="give the VOC root folder")
    sets: dict[str, dict[str, str]] = {}  # image id → {task: split}
    order: list[str] = []
    class_flags: dict[tuple[str, str], int] = {}
    extra_classes: list[str] = []
    for task_dir in sorted((root / "ImageSets").glob("*")) if (root / "ImageSets").is_dir() else []:
        for f in sorted(task_dir.glob("*.txt")):
            rows = [ln.split() for ln in read_text(f).splitlines() if ln.strip()]
            if task_dir.name == "Main" and "_" in f.stem and all(len(r) == 2 for r in rows) and rows:
                cls = f.stem.rpartition("_")[0]
                if cls not in VOC_CLASSES and cls not in extra_classes:
                    extra_classes.append(cls)
                for no, (iid, flag) in enumerate(rows, start=1):
                    class_flags[(iid, cls)] = int(text_num(flag, f"{f}:line {no}", "1, 0 or -1"))
                continue
            for r in rows:
                if r[0] not in sets:
                    sets[r[0]] = {}
                    order.append(r[0])
                sets[r[0]].setdefault(task_dir.name, f.stem)
    for xml in sorted((root / "Annotations").glob("*.xml")) if (root / "Annotations").is_dir() else []:
        if xml.stem not in sets:
            sets[xml.stem] = {}
            order.append(xml.stem)
    order.sort()
    pal = {c: i for i, c in enumerate(palette())}
    parts: dict[str, str] = {}
    records = []
    img_dir = images or root / "JPEGImages"
    for iid in order:
        rec: ImageRecord = _image(root, iid, img_dir, sets[iid], parts, pal, extra_classes, _labelmap(root))
        for cls in [*VOC_CLASSES, *extra_classes]:
            cflag = class_flags.get((iid, cls))
            if cflag in (0, 1):
                rec.labels.append(Label.image_label(cls, attributes={"difficult": True} if cflag == 0 else {}))
        records.append(rec)
    labelmap = _labelmap(root)
    base = labelmap or list(VOC_CLASSES)
    names = base + [c for c in extra_classes if c not in base]
    used = {lb.label for r in records for lb in r.labels}
    names += sorted(n for n in used if n and n not in names and n not in parts)
    classes = [
        TaxonomyClass(n, source_id=i if i < len(VOC_CLASSES) and n == VOC_CLASSES[i] else None)
        for i, n in enumerate(names)
    ]
    classes += [TaxonomyClass(p, parent=parent) for p, parent in parts.items() if p not in names]
    return DatasetContent(
        taxonomy=Taxonomy(tuple(classes)), images=records, extra={"voc": {"class_lists": bool(class_flags)}}
    )


def _image(
    root: Path,
    iid: str,
    img_dir: Path,
    sets: dict[str, str],
    parts: dict[str, str],
    pal: dict[tuple[int, int, int], int],
    extra_classes: list[str],
    labelmap: list[str] | None = None,
) -> ImageRecord:
    xml = root / "Annotations" / f"{iid}.xml"
    rec = ImageRecord(name=f"{iid}.jpg", split=sets.get("Main") or next(iter(sets.values()), None))
    rec.extra["voc"] = {"sets": sets}
    if xml.is_file():
        doc = load_xml(xml)
        rec.name = (doc.findtext("filename") or f"{iid}.jpg").strip()
        size = doc.find("size")
        if size is not None and size.findtext("width"):
            rec.width = int(text_num(xml_child_text(size, "width", str(xml)), f"{xml}/size/width"))
            rec.height = int(text_num(xml_child_text(size, "height", str(xml)), f"{xml}/size/height"))
        rec.extra["voc"]["xml"] = {c.tag: _raw(c) for c in doc if c.tag not in ("object", "filename", "size")}
        rec.extra["voc"]["has_xml"] = True
        for k, obj in enumerate(doc.findall("object")):
            labels, pnames = _object(obj, f"{xml}:object[{k}]", f"voc-{k + 1}")
            rec.labels.extend(labels)
            for p in pnames:
                parts.setdefault(p, labels[0].label or "")
    rec.path = first_existing([img_dir / rec.name])
    cls_png, obj_png = root / "SegmentationClass" / f"{iid}.png", root / "SegmentationObject" / f"{iid}.png"
    if cls_png.is_file():
        cls_idx = _read_png_index(cls_png, pal)
        names = (labelmap or list(VOC_CLASSES)) + extra_classes
        if obj_png.is_file():
            obj_idx = _read_png_index(obj_png, pal)
            for inst in sorted(int(v) for v in np.unique(obj_idx) if v not in (0, 255)):
                m = obj_idx == inst
                vals, counts = np.unique(cls_idx[m], return_counts=True)
                c = int(vals[np.argmax(counts)])
                rec.labels.append(
                    Label(
                        label=names[c] if c < len(names) else None,
                        kind=GeometryKind.MASK,
                        geometry={"rle": masks.mask_to_rle(m)},
                        extra={"voc": {"instance": inst}},
                    )
                )
        else:
            for c in sorted(int(v) for v in np.unique(cls_idx) if v not in (0, 255)):
                rec.labels.append(
                    Label(
                        label=names[c] if c < len(names) else None,
                        kind=GeometryKind.MASK,
                        geometry={"rle": masks.mask_to_rle(cls_idx == c)},
                    )
                )
    return rec

"""Pascal VOC export: one XML per image, ImageSets lists, class flag lists and segmentation PNGs."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
from PIL import Image

from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.formats import masks
from truthline.formats.capabilities import check_common, fmt_num, is_outside
from truthline.formats.loss import LossReport
from truthline.formats.shapes import as_box
from truthline.formats.voc import _FLAGS, INFO, VOC_CLASSES, palette
from truthline.formats.writing import Written


def _bndbox(parent: ET.Element, box: list[float]) -> None:
    bb = ET.SubElement(parent, "bndbox")
    x, y, w, h = box
    for k, v in (("xmin", x + 1), ("ymin", y + 1), ("xmax", x + w), ("ymax", y + h)):
        ET.SubElement(bb, k).text = fmt_num(v)


def _png(index: np.ndarray) -> bytes:
    im = Image.fromarray(index.astype(np.uint8), mode="P")
    im.putpalette([v for c in palette() for v in c])
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def write_voc(content: DatasetContent, report: LossReport) -> Written:
    out = Written()
    names = [c.name for c in content.taxonomy.classes]
    top = [c.name for c in content.taxonomy.classes if c.parent is None]
    seg_names = list(VOC_CLASSES) + [n for n in top if n not in VOC_CLASSES]
    if top[: len(VOC_CLASSES)] != list(VOC_CLASSES):
        seg_names = (["background"] if "background" not in top else []) + top
        out.text("labelmap.txt", "# label:color_rgb:parts:actions\n" + "".join(f"{n}:::\n" for n in seg_names))
    sets: dict[tuple[str, str], list[str]] = {}
    flags: dict[str, dict[str, int]] = {}
    class_lists = content.extra.get("voc", {}).get("class_lists", False)
    for rec in content.images:
        iid = rec.name.rsplit(".", 1)[0].replace("/", "_")
        vsets = rec.extra.get("voc", {}).get("sets") or {"Main": rec.split or "default"}
        for task, split in vsets.items():
            sets.setdefault((task, split), []).append(iid)
        main_split = vsets.get("Main", rec.split or "default")
        objects, img_flags, seg = _image_objects(rec, report)
        for cls, flag in img_flags.items():
            flags.setdefault(main_split, {})[f"{iid}\0{cls}"] = flag
        if img_flags:
            class_lists = True
        flags.setdefault(main_split, {}).setdefault(f"{iid}\0", 0)
        if objects or rec.extra.get("voc", {}).get("has_xml", "voc" not in content.extra):
            out.files[f"Annotations/{iid}.xml"] = _xml(rec, objects)
        if seg:
            _masks(out, iid, seg, rec, seg_names, report)
        if rec.path is not None:
            out.copies[f"JPEGImages/{rec.name}"] = rec.path
    for (task, split), ids in sets.items():
        out.text(f"ImageSets/{task}/{split}.txt", "".join(i + "\n" for i in ids))
    if class_lists:
        for split, fl in flags.items():
            ids = [k.split("\0")[0] for k in fl if k.endswith("\0")]
            for cls in [c.name for c in content.taxonomy.classes if c.parent is None]:
                rows = [f"{i} {fl.get(i + chr(0) + cls, -1):>2}\n" for i in ids]
                out.text(f"ImageSets/Main/{cls}_{split}.txt", "".join(rows))
    out.idmap = {
        "format": "voc",
        "categories": [{"name": n, "id": seg_names.index(n)} for n in names if n in seg_names],
    }
    return out


def _image_objects(
    rec: ImageRecord, report: LossReport
) -> tuple[list[tuple[Label, list[Label]]], dict[str, int], list[Label]]:
    objects: list[tuple[Label, list[Label]]] = []
    by_group: dict[str, tuple[Label, list[Label]]] = {}
    img_flags: dict[str, int] = {}
    seg: list[Label] = []
    for j, lb in enumerate(rec.labels):
        item = f"{rec.name}#{j}"
        if is_outside(lb):
            report.drop("track frame marked outside (object not visible)", item)
            continue
        if lb.label is None:
            report.drop("unlabelled shape", item)
            continue
        check_common(lb, INFO, report, item)
        if lb.kind is GeometryKind.LABEL:
            img_flags[lb.label] = 0 if lb.attributes.get("difficult") else 1
            continue
        if lb.kind is GeometryKind.MASK:
            seg.append(lb)
            continue
        if lb.kind in (GeometryKind.POINTS,):
            report.drop("keypoints", item)
            continue
        if lb.kind is not GeometryKind.BOX:
            report.convert(f"{lb.kind.value} written as a box", item)
        if "part_of" in lb.extra.get("voc", {}) and lb.group in by_group:
            by_group[lb.group][1].append(lb)
            continue
        entry: tuple[Label, list[Label]] = (lb, [])
        objects.append(entry)
        if lb.group is not None:
            by_group.setdefault(lb.group, entry)
    return objects, img_flags, seg


def _xml(rec: ImageRecord, objects: list[tuple[Label, list[Label]]]) -> bytes:
    root = ET.Element("annotation")
    raw = rec.extra.get("voc", {}).get("xml", {})
    if "folder" in raw:
        root.append(ET.fromstring(raw["folder"]))
    ET.SubElement(root, "filename").text = rec.name
    if rec.width is not None:
        size = ET.SubElement(root, "size")
        ET.SubElement(size, "width").text = str(rec.width)
        ET.SubElement(size, "height").text = str(rec.height)
        ET.SubElement(size, "depth").text = "3"
    for tag, x in raw.items():
        if tag != "folder":
            root.append(ET.fromstring(x))
    for lb, parts in objects:
        obj = ET.SubElement(root, "object")
        ET.SubElement(obj, "name").text = lb.label
        ex = lb.extra.get("voc", {})
        if "pose" in lb.attributes:
            ET.SubElement(obj, "pose").text = str(lb.attributes["pose"])
        for f in ("truncated", "occluded", "difficult"):
            if f in lb.attributes:
                ET.SubElement(obj, f).text = "1" if lb.attributes[f] else "0"
        _bndbox(obj, as_box(lb) or [0.0] * 4)
        for p in parts:
            pe = ET.SubElement(obj, "part")
            ET.SubElement(pe, "name").text = p.label
            _bndbox(pe, as_box(p) or [0.0] * 4)
        actions = ex.get("actions", [])
        if actions:
            act = ET.SubElement(obj, "actions")
            for a in actions:
                ET.SubElement(act, a).text = "1" if lb.attributes.get(a) else "0"
        custom = {k: v for k, v in lb.attributes.items() if k not in (*_FLAGS, "pose", *actions, "outside", "keyframe")}
        if custom:
            attrs = ET.SubElement(obj, "attributes")
            for k, v in custom.items():
                a = ET.SubElement(attrs, "attribute")
                ET.SubElement(a, "name").text = k
                ET.SubElement(a, "value").text = str(v)
        for x in ex.get("xml", []):
            obj.append(ET.fromstring(x))
    ET.indent(root, "  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _masks(out: Written, iid: str, seg: list[Label], rec: ImageRecord, names: list[str], report: LossReport) -> None:
    h, w = seg[0].geometry["rle"]["size"]
    cls_idx = np.zeros((h, w), dtype=np.uint8)
    obj_idx = np.zeros((h, w), dtype=np.uint8)
    any_instance = False
    for k, lb in enumerate(seg):
        m = masks.rle_to_mask(lb.geometry["rle"])
        if m.shape != (h, w):
            report.drop("mask of a different size than the image's first mask", rec.name)
            continue
        cls_idx[m] = names.index(lb.label) if lb.label in names else 255
        inst: Any = lb.extra.get("voc", {}).get("instance")
        if inst is not None:
            any_instance = True
        obj_idx[m] = int(inst) if inst is not None else k + 1
    out.files[f"SegmentationClass/{iid}.png"] = _png(cls_idx)
    if any_instance or len(seg) > 0:
        out.files[f"SegmentationObject/{iid}.png"] = _png(obj_idx)

"""CVAT XML 1.1 import, for images and for video: shapes, tags, tracks, skeletons, masks and attributes.

Tracks become one label per frame with ``track_id`` and ``frame``; ``outside``, ``keyframe`` and
``occluded`` are boolean attributes, user attributes keep their text. A skeleton is one ``points``
label whose ``names`` are its elements; per-element flags are in ``extra["cvat"]["elements"]``.
Raw XML attributes truthline does not use (z_order, source, ...) are kept in ``extra["cvat"]["attrs"]``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

from truthline.domain.errors import FormatError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats import masks
from truthline.formats.capabilities import FormatInfo
from truthline.formats.images import first_existing
from truthline.formats.reading import load_xml, text_int, text_num, xml_attr

INFO = FormatInfo(
    name="cvat",
    title="CVAT XML 1.1 (images and video)",
    boxes=True,
    rotated_boxes=True,
    polygons=True,
    polylines=True,
    masks=True,
    keypoints=True,
    image_labels=True,
    attributes=True,
    native_attributes=("occluded", "outside", "keyframe"),
    tracks=True,
    image_id_base=0,
    notes="frames are 0-based; classes by name; skeletons, tracks, z_order and attributes kept",
)

SHAPES = ("box", "polygon", "polyline", "points", "mask", "skeleton", "tag")
_FLAGS = ("occluded", "outside", "keyframe")
_CONSUMED = {"label", "frame", "xtl", "ytl", "xbr", "ybr", "occluded", "outside", "keyframe", "group_id"}


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    found = sorted(path.glob("*.xml"))
    if not found:
        raise FormatError("no CVAT XML file found", where=str(path), fix="give the annotations.xml file")
    return found


def parse_points(text: str, where: str) -> list[float]:
    out: list[float] = []
    for pair in text.split(";"):
        xy = pair.split(",")
        if len(xy) != 2:
            raise FormatError(f"point {pair!r}, expected 'x,y' pairs separated by ';'", where=where)
        out += [text_num(xy[0], where), text_num(xy[1], where)]
    return out


def _svg_edges(svg: str, names: list[str]) -> list[list[int]]:
    node_label = dict(re.findall(r'data-node-id="(\d+)"[^>]*data-label-name="([^"]*)"', svg))
    edges = []
    for a, b in re.findall(r'data-node-from="(\d+)"[^>]*data-node-to="(\d+)"', svg):
        la, lb = node_label.get(a), node_label.get(b)
        if la in names and lb in names:
            edges.append([names.index(la), names.index(lb)])
    return edges


def _taxonomy(meta: ET.Element | None) -> tuple[list[TaxonomyClass], ET.Element | None]:
    if meta is None:
        return [], None
    labels_el = None
    for holder in (meta.find("task"), meta.find("project"), meta.find("job"), meta):
        if holder is not None and holder.find("labels") is not None:
            labels_el = holder.find("labels")
            break
    if labels_el is None:
        return [], None
    raw = []
    for el in labels_el.findall("label"):
        name = (el.findtext("name") or "").strip("\n")
        parent = el.findtext("parent")
        raw.append((name, parent, el))
    classes = []
    for name, parent, el in raw:
        extra: dict[str, Any] = {"cvat": {"xml": ET.tostring(el, encoding="unicode")}}
        if el.findtext("type") == "skeleton":
            kp = [n for n, p, _ in raw if p == name]
            extra["keypoints"] = kp
            extra["skeleton"] = _svg_edges(el.findtext("svg") or "", kp)
        classes.append(TaxonomyClass(name=name, parent=parent, extra=extra))
    return classes, labels_el


def _common(el: ET.Element, where: str) -> tuple[str | None, dict[str, Any], dict[str, Any], str | None]:
    attrs: dict[str, Any] = {}
    for flag in _FLAGS:
        v = el.get(flag)
        if v is not None:
            if v not in ("0", "1"):
                raise FormatError(f"{flag}={v!r}, expected 0 or 1", where=where)
            attrs[flag] = v == "1"
    for a in el.findall("attribute"):
        attrs[xml_attr(a, "name", where)] = a.text or ""
    raw = {k: v for k, v in el.attrib.items() if k not in _CONSUMED and not (k == "points" and el.tag != "skeleton")}
    if el.tag == "box":
        raw.pop("rotation", None)
    extra: dict[str, Any] = {"attrs": raw} if raw else {}
    gid = el.get("group_id")
    group = None
    if gid is not None:
        extra["group_id"] = gid
        group = f"cvat-{gid}" if gid != "0" else None
    label = el.get("label") or None
    return label, attrs, extra, group


def _mask(el: ET.Element, where: str, size: tuple[int | None, int | None]) -> dict[str, Any]:
    w_img, h_img = size
    if w_img is None or h_img is None:
        raise FormatError("mask on an image of unknown size", where=where, fix="give the image width and height")
    left, top = int(text_num(xml_attr(el, "left", where), where)), int(text_num(xml_attr(el, "top", where), where))
    w, h = text_int(xml_attr(el, "width", where), where), text_int(xml_attr(el, "height", where), where)
    runs = [text_int(t.strip(), where, "an integer run length") for t in xml_attr(el, "rle", where).split(",")]
    if sum(runs) != w * h or any(r < 0 for r in runs) or left < 0 or top < 0 or left + w > w_img or top + h > h_img:
        raise FormatError(
            f"mask rle covers {sum(runs)} pixels, expected width*height = {w * h} inside the image", where=where
        )
    vals = np.zeros(len(runs), dtype=bool)
    vals[1::2] = True
    region = np.repeat(vals, runs).reshape(h, w)
    full = np.zeros((h_img, w_img), dtype=bool)
    full[top : top + h, left : left + w] = region
    return {"rle": masks.mask_to_rle(full)}


def parse_shape(el: ET.Element, where: str, size: tuple[int | None, int | None]) -> Label:
    """One CVAT shape element (box, polygon, polyline, points, mask, tag, skeleton) as a label."""
    label, attrs, extra, group = _common(el, where)
    tag = el.tag
    geom: dict[str, Any]
    if tag == "box":
        x0, y0 = text_num(xml_attr(el, "xtl", where), where), text_num(xml_attr(el, "ytl", where), where)
        x1, y1 = text_num(xml_attr(el, "xbr", where), where), text_num(xml_attr(el, "ybr", where), where)
        if x1 < x0 or y1 < y0:
            raise FormatError(f"box ({x0},{y0})-({x1},{y1}), expected xbr >= xtl and ybr >= ytl", where=where)
        rot = text_num(el.get("rotation", "0"), where)
        if rot:
            kind = GeometryKind.ROTATED_BOX
            geom = {"cx": (x0 + x1) / 2, "cy": (y0 + y1) / 2, "w": x1 - x0, "h": y1 - y0, "angle": rot}
        else:
            kind, geom = GeometryKind.BOX, {"bbox": [x0, y0, x1 - x0, y1 - y0]}
            if "rotation" in el.attrib:
                extra.setdefault("attrs", {})["rotation"] = el.get("rotation")
    elif tag in ("polygon", "polyline", "points"):
        pts = parse_points(xml_attr(el, "points", where), where)
        if tag == "polygon":
            kind, geom = GeometryKind.POLYGON, {"rings": [pts]}
        else:
            kind, geom = GeometryKind(tag.replace("polyline", "polyline")), {"points": pts}
    elif tag == "mask":
        kind, geom = GeometryKind.MASK, _mask(el, where, size)
    elif tag == "tag":
        kind, geom = GeometryKind.LABEL, {}
    elif tag == "skeleton":
        kind = GeometryKind.POINTS
        pts, vis, names, elements = [], [], [], []
        for i, child in enumerate(el.findall("points")):
            cw = f"{where}/points[{i}]"
            p = parse_points(xml_attr(child, "points", cw), cw)
            if len(p) != 2:
                raise FormatError(f"skeleton element has {len(p) // 2} points, expected 1", where=cw)
            clabel, cattrs, cextra, _ = _common(child, cw)
            pts += p
            vis.append(0 if cattrs.get("outside") else 1 if cattrs.get("occluded") else 2)
            names.append(clabel or "")
            elements.append({"label": clabel, "attributes": cattrs, **cextra})
        geom = {"points": pts, "visibility": vis, "names": names}
        extra["elements"] = elements
    else:
        raise FormatError(f"unsupported CVAT shape <{tag}>, expected one of {', '.join(SHAPES)}", where=where)
    frame = text_int(el.get("frame", ""), where, "a frame number") if "frame" in el.attrib else None
    return Label(
        label=label, kind=kind, geometry=geom, attributes=attrs, extra={"cvat": extra}, group=group, frame=frame
    )


def _tracks(root: ET.Element, file: Path, size: tuple[int | None, int | None]) -> list[Label]:
    out = []
    for ti, tr in enumerate(root.findall("track")):
        tw = f"{file}:track[{ti}]"
        tid = xml_attr(tr, "id", tw)
        tlabel = tr.get("label") or None
        track_extra = {k: v for k, v in tr.attrib.items() if k not in ("id", "label")}
        group = f"cvat-{tr.get('group_id')}" if tr.get("group_id") not in (None, "0") else None
        elements = [
            (sub, [parse_shape(s, f"{tw}/track[{k}]/{s.tag}[{j}]", size) for j, s in enumerate(sub)])
            for k, sub in enumerate(tr.findall("track"))
        ]
        for si, sh in enumerate(x for x in tr if x.tag in SHAPES):
            sw = f"{tw}/{sh.tag}[{si}]"
            if "frame" not in sh.attrib:
                raise FormatError(f"track shape <{sh.tag}> lacks 'frame', expected a frame number", where=sw)
            lb = parse_shape(sh, sw, size)
            ex = dict(lb.extra["cvat"])
            ex["track"] = track_extra
            geom = dict(lb.geometry)
            if sh.tag == "skeleton":
                geom, ex = _skeleton_frame(sh, lb, elements, ex, sw)
            out.append(
                Label(
                    label=tlabel,
                    kind=lb.kind,
                    geometry=geom,
                    attributes=lb.attributes,
                    extra={"cvat": ex},
                    track_id=tid,
                    frame=lb.frame,
                    group=group,
                )
            )
    return out


def _skeleton_frame(
    sh: ET.Element, lb: Label, elements: list[tuple[ET.Element, list[Label]]], ex: dict[str, Any], where: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    skel_pts = parse_points(sh.get("points", ""), where) if sh.get("points") else []
    pts: list[float] = []
    vis: list[int] = []
    names: list[str] = []
    info: list[dict[str, Any]] = []
    for k, (sub, shapes) in enumerate(elements):
        at_frame = next((s for s in shapes if s.frame == lb.frame), None)
        names.append(sub.get("label") or "")
        if at_frame is None:
            pts += skel_pts[2 * k : 2 * k + 2] if len(skel_pts) >= 2 * k + 2 else [0.0, 0.0]
            vis.append(0)
            info.append({"absent": True})
            continue
        pts += at_frame.geometry["points"][:2]
        a = at_frame.attributes
        vis.append(0 if a.get("outside") else 1 if a.get("occluded") else 2)
        info.append({"attributes": a, **at_frame.extra["cvat"]})
    ex["elements"] = info
    ex["element_tracks"] = [dict(sub.attrib) for sub, _ in elements]
    return {"points": pts, "visibility": vis, "names": names}, ex


def _video_frames(task: ET.Element | None) -> tuple[list[int], dict[str, Any]]:
    if task is None:
        return [], {}

    def num(tag: str) -> int | None:
        t = task.findtext(tag)
        return int(t) if t is not None and t.strip().lstrip("-").isdigit() else None

    start, stop, size = num("start_frame"), num("stop_frame"), num("size")
    m = re.search(r"step\s*=\s*(\d+)", task.findtext("frame_filter") or "")
    step = int(m.group(1)) if m else 1
    frames: list[int] = []
    if start is not None and stop is not None:
        frames = list(range(start, stop + 1, max(step, 1)))
    elif size is not None:
        frames = list(range(size))
    osize = task.find("original_size")
    dims = {}
    if osize is not None:
        dims = {"width": num_text(osize.findtext("width")), "height": num_text(osize.findtext("height"))}
    return frames, dims


def num_text(t: str | None) -> int | None:
    return int(t) if t is not None and t.strip().isdigit() else None


def read_cvat(path: Path, images: Path | None = None) -> DatasetContent:
    """Read CVAT XML (one file, or each *.xml of a folder as a split named after the file)."""
    files = _files(path)
    classes: dict[str, TaxonomyClass] = {}
    records: list[ImageRecord] = []
    dataset_extra: dict[str, Any] = {"files": {}}
    for file in files:
        split = None if file.stem == "annotations" else file.stem
        root = load_xml(file)
        if root.tag != "annotations":
            raise FormatError(f"root element <{root.tag}>, expected <annotations>", where=str(file))
        meta = root.find("meta")
        fclasses, labels_el = _taxonomy(meta)
        for c in fclasses:
            classes.setdefault(c.name, c)
        meta_xml = None
        if meta is not None:
            if labels_el is not None:
                labels_el.clear()
            meta_xml = ET.tostring(meta, encoding="unicode")
        task = meta.find("task") if meta is not None else None
        img_dir = images or (file.parent / "images")
        image_els = root.findall("image")
        video = not image_els and (
            root.find("track") is not None or (task is not None and task.findtext("mode") == "interpolation")
        )
        dataset_extra["files"][split or ""] = {
            "file": file.name,
            "meta": meta_xml,
            "version": root.findtext("version"),
            "video": video,
        }
        by_frame: dict[int, ImageRecord] = {}
        if video:
            frames, dims = _video_frames(task)
            recs = _video_records(frames, dims, img_dir, split)
            by_frame = {r.extra["cvat"]["frame"]: r for r in recs}
            size = (dims.get("width"), dims.get("height"))
        else:
            size = (None, None)
            for i, el in enumerate(image_els):
                iw = f"{file}:image[{i}]"
                iid = text_int(xml_attr(el, "id", iw), iw)
                name = xml_attr(el, "name", iw)
                w = text_int(el.get("width", ""), iw) if el.get("width") else None
                h = text_int(el.get("height", ""), iw) if el.get("height") else None
                rec = ImageRecord(
                    name=name,
                    width=w,
                    height=h,
                    split=split,
                    source_id=iid,
                    extra={
                        "cvat": {
                            "attrs": {k: v for k, v in el.attrib.items() if k not in ("id", "name", "width", "height")}
                        }
                    },
                )
                rec.path = first_existing([img_dir / name, file.parent / name])
                for j, sh in enumerate(x for x in el if x.tag in SHAPES or x.tag in ("ellipse", "cuboid")):
                    sw = f"{iw}/{sh.tag}[{j}]"
                    if sh.tag in ("ellipse", "cuboid"):
                        rec.extra["cvat"].setdefault("unsupported", []).append(ET.tostring(sh, encoding="unicode"))
                        continue
                    rec.labels.append(parse_shape(sh, sw, (w, h)))
                by_frame[iid] = rec
                records.append(rec)
            if video is False and root.find("track") is not None:
                size = (None, None)
        tags = [parse_shape(t, f"{file}:tag[{i}]", size) for i, t in enumerate(root.findall("tag"))]
        for lb in _tracks(root, file, size) + tags:
            frame = lb.frame if lb.frame is not None else 0
            found = by_frame.get(frame)
            if found is None:
                found = _video_records([frame], {}, img_dir, split)[0]
                by_frame[frame] = found
                if not video:
                    records.append(found)
            found.labels.append(lb)
        if video:
            records += [by_frame[f] for f in sorted(by_frame)]
    return DatasetContent(taxonomy=Taxonomy(tuple(classes.values())), images=records, extra={"cvat": dataset_extra})


def _video_records(frames: list[int], dims: dict[str, Any], img_dir: Path, split: str | None) -> list[ImageRecord]:
    found = {p.stem: p for p in img_dir.glob("frame_*")} if img_dir.is_dir() else {}
    exts = [p.suffix for p in found.values()]
    ext = max(set(exts), key=exts.count) if exts else ".png"
    out = []
    for f in frames:
        stem = f"frame_{f:06d}"
        p = found.get(stem)
        out.append(
            ImageRecord(
                name=p.name if p else stem + ext,
                width=dims.get("width"),
                height=dims.get("height"),
                split=split,
                path=p,
                source_id=f,
                extra={"cvat": {"frame": f}},
            )
        )
    return out

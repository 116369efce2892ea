"""CVAT XML 1.1 export: images with shapes, or video tracks rebuilt frame by frame from per-frame labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import numpy as np

from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import TaxonomyClass
from truthline.formats import masks
from truthline.formats.capabilities import check_common, fmt_num
from truthline.formats.cvat import INFO
from truthline.formats.loss import LossReport
from truthline.formats.writing import Written


def _pts(flat: list[float]) -> str:
    return ";".join(f"{fmt_num(flat[i])},{fmt_num(flat[i + 1])}" for i in range(0, len(flat) - 1, 2))


def _flag(el: ET.Element, attrs: dict[str, Any], name: str) -> None:
    if name in attrs:
        el.set(name, "1" if attrs[name] else "0")


def _label_xml(c: TaxonomyClass, attr_names: list[str]) -> ET.Element:
    raw = c.extra.get("cvat", {}).get("xml")
    if raw:
        el = ET.fromstring(raw)
        name = el.find("name")
        if name is not None:
            name.text = c.name
        return el
    el = ET.Element("label")
    ET.SubElement(el, "name").text = c.name
    if "keypoints" in c.extra:
        ET.SubElement(el, "type").text = "skeleton"
    attrs = ET.SubElement(el, "attributes")
    for a in attr_names:
        spec = ET.SubElement(attrs, "attribute")
        ET.SubElement(spec, "name").text = a
        ET.SubElement(spec, "mutable").text = "True"
        ET.SubElement(spec, "input_type").text = "text"
        ET.SubElement(spec, "default_value").text = ""
        ET.SubElement(spec, "values").text = ""
    if c.parent is not None:
        ET.SubElement(el, "parent").text = c.parent
    return el


def _meta(content: DatasetContent, fx: dict[str, Any], video: bool) -> ET.Element:
    seen: dict[str, list[str]] = {}
    for rec in content.images:
        for lb in rec.labels:
            if lb.label is not None:
                names = seen.setdefault(lb.label, [])
                names += [k for k in lb.attributes if k not in INFO.native_attributes and k not in names]
    meta = ET.fromstring(fx["meta"]) if fx.get("meta") else ET.Element("meta")
    holder = next((h for h in (meta.find("task"), meta.find("project"), meta.find("job")) if h is not None), None)
    if holder is None:
        holder = ET.SubElement(meta, "task")
        ET.SubElement(holder, "mode").text = "interpolation" if video else "annotation"
    labels = holder.find("labels")
    if labels is None:
        labels = ET.SubElement(holder, "labels")
    known = {c.name for c in content.taxonomy.classes}
    for c in content.taxonomy.classes:
        labels.append(_label_xml(c, seen.get(c.name, [])))
        for kp in c.extra.get("keypoints", []) if not c.extra.get("cvat") else []:
            if kp not in known:
                labels.append(_label_xml(TaxonomyClass(kp, parent=c.name), []))
    return meta


def _shape(lb: Label, tag_frame: int | None, report: LossReport, item: str, rec: ImageRecord) -> ET.Element | None:
    ex = lb.extra.get("cvat", {})
    g = lb.geometry
    k = lb.kind
    if k is GeometryKind.BOX:
        el = ET.Element("box")
        x, y, w, h = g["bbox"]
        el.attrib.update(xtl=fmt_num(x), ytl=fmt_num(y), xbr=fmt_num(x + w), ybr=fmt_num(y + h))
    elif k is GeometryKind.ROTATED_BOX:
        el = ET.Element("box")
        cx, cy, w, h = g["cx"], g["cy"], g["w"], g["h"]
        el.attrib.update(
            xtl=fmt_num(cx - w / 2), ytl=fmt_num(cy - h / 2), xbr=fmt_num(cx + w / 2), ybr=fmt_num(cy + h / 2)
        )
        el.set("rotation", fmt_num(g["angle"]))
    elif k is GeometryKind.POLYGON:
        el = ET.Element("polygon")
        el.set("points", _pts(g["rings"][0]))
        if len(g["rings"]) > 1:
            report.drop("polygon rings beyond the first", item, count=len(g["rings"]) - 1)
    elif k is GeometryKind.POLYLINE:
        el = ET.Element("polyline")
        el.set("points", _pts(g["points"]))
    elif (k is GeometryKind.POINTS and "elements" in ex) or (
        k is GeometryKind.POINTS and g.get("names") and lb.track_id is None
    ):
        el = _skeleton(lb, tag_frame)
    elif k is GeometryKind.POINTS:
        el = ET.Element("points")
        el.set("points", _pts(g["points"]))
        if "visibility" in g:
            report.drop("keypoint visibility", item)
    elif k is GeometryKind.MASK:
        el = _mask(g["rle"])
    else:
        el = ET.Element("tag")
    el.set("label", lb.label or "")
    if tag_frame is not None:
        el.set("frame", str(tag_frame))
    for name in ("outside", "occluded", "keyframe"):
        _flag(el, lb.attributes, name)
    if tag_frame is not None:
        el.attrib.setdefault("outside", "0")
        el.attrib.setdefault("keyframe", "1")
    for key, v in ex.get("attrs", {}).items():
        el.set(key, v)
    if "group_id" in ex and lb.track_id is None:
        el.set("group_id", ex["group_id"])
    elif lb.group is not None and lb.track_id is None:
        el.set("group_id", lb.group.removeprefix("cvat-"))
    for key, v in lb.attributes.items():
        if key not in INFO.native_attributes:
            if not isinstance(v, str):
                report.convert("attribute value written as text", item)
            a = ET.SubElement(el, "attribute", name=key)
            a.text = v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)
    return el


def _skeleton(lb: Label, frame: int | None) -> ET.Element:
    g, ex = lb.geometry, lb.extra.get("cvat", {})
    el = ET.Element("skeleton")
    elements = ex.get("elements") or [{} for _ in g.get("names", [])]
    if lb.track_id is not None:
        return el
    vis = g.get("visibility") or [2] * len(elements)
    for i, info in enumerate(elements):
        p = ET.SubElement(el, "points", label=info.get("label") or g["names"][i])
        a = info.get("attributes", {"occluded": vis[i] == 1, "outside": vis[i] == 0})
        _flag(p, a, "occluded")
        _flag(p, a, "outside")
        p.set("points", _pts(g["points"][2 * i : 2 * i + 2]))
        for key, v in info.get("attrs", {}).items():
            p.set(key, v)
        for key, v in a.items():
            if key not in INFO.native_attributes:
                ET.SubElement(p, "attribute", name=key).text = str(v)
    return el


def _mask(rle: dict[str, Any]) -> ET.Element:
    full = masks.rle_to_mask(rle)
    ys, xs = np.nonzero(full)
    el = ET.Element("mask")
    if not len(xs):
        el.attrib.update(rle="1", left="0", top="0", width="1", height="1")
        return el
    left, top, right, bottom = int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())
    region = full[top : bottom + 1, left : right + 1].ravel()
    change = np.flatnonzero(np.diff(region.astype(np.int8))) + 1
    runs = np.diff(np.concatenate([[0], change, [region.size]])).tolist()
    if region[0]:
        runs = [0, *runs]
    el.attrib.update(
        rle=", ".join(map(str, runs)),
        left=str(left),
        top=str(top),
        width=str(right - left + 1),
        height=str(bottom - top + 1),
    )
    return el


def _check(lb: Label, report: LossReport, item: str) -> None:
    check_common(lb, INFO, report, item)


def write_cvat(content: DatasetContent, report: LossReport) -> Written:
    """One XML per split (``annotations.xml`` when there is no split); video mode when the source was video."""
    out = Written()
    cx = content.extra.get("cvat", {}).get("files", {})
    by_split: dict[str, list[ImageRecord]] = {}
    for rec in content.images:
        by_split.setdefault(rec.split or "", []).append(rec)
    out.idmap = {"format": "cvat", "images": [], "tracks": []}
    for split, recs in by_split.items():
        fx = cx.get(split, {})
        has_tracks = any(lb.track_id is not None for r in recs for lb in r.labels)
        video = bool(fx.get("video", has_tracks and not cx))
        root = ET.Element("annotations")
        ET.SubElement(root, "version").text = fx.get("version") or "1.1"
        root.append(_meta(content, fx, video))
        tracks: dict[str, list[tuple[int, Label, str, ImageRecord]]] = {}
        used_ids = {r.source_id for r in recs if isinstance(r.source_id, int)}
        nxt = max(used_ids, default=-1) + 1
        seen: set[int] = set()
        for rec in recs:
            iid = rec.source_id if isinstance(rec.source_id, int) and rec.source_id not in seen else None
            if iid is None:
                iid, nxt = nxt, nxt + 1
            seen.add(iid)
            frame0 = rec.extra.get("cvat", {}).get("frame", iid)
            out.idmap["images"].append({"name": rec.name, "split": rec.split, "id": iid})
            img_el = None
            if not video:
                img_el = ET.SubElement(root, "image", id=str(iid), name=rec.name)
                if rec.width is not None and rec.height is not None:
                    img_el.set("width", str(rec.width))
                    img_el.set("height", str(rec.height))
                for key, v in rec.extra.get("cvat", {}).get("attrs", {}).items():
                    img_el.set(key, v)
            for j, lb in enumerate(rec.labels):
                item = f"{rec.name}#{j}"
                _check(lb, report, item)
                frame = lb.frame if lb.frame is not None else frame0
                if lb.track_id is not None or video:
                    if lb.kind is GeometryKind.LABEL and video:
                        t = _shape(lb, frame, report, item, rec)
                        assert t is not None
                        for f in ("outside", "keyframe", "occluded"):
                            t.attrib.pop(f, None)
                        root.append(t)
                        continue
                    key = lb.track_id if lb.track_id is not None else f"~{rec.name}#{j}"
                    if lb.track_id is None:
                        report.convert("shape written as a one-frame track", item)
                    tracks.setdefault(key, []).append((frame, lb, item, rec))
                else:
                    el = _shape(lb, None, report, item, rec)
                    if el is not None and img_el is not None:
                        img_el.append(el)
            if img_el is not None:
                for raw in rec.extra.get("cvat", {}).get("unsupported", []):
                    img_el.append(ET.fromstring(raw))
        _write_tracks(root, tracks, report, out)
        ET.indent(root, "  ")
        name = fx.get("file") or (f"{split}.xml" if split else "annotations.xml")
        out.files[name] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


def _write_tracks(
    root: ET.Element, tracks: dict[str, list[tuple[int, Label, str, ImageRecord]]], report: LossReport, out: Written
) -> None:
    numeric = {int(k) for k in tracks if k.isdigit()}
    nxt = max(numeric, default=-1) + 1
    order = sorted(tracks, key=lambda k: (0, int(k)) if k.isdigit() else (1, 0))
    for key in order:
        frames = tracks[key]
        if key.isdigit():
            tid = int(key)
        else:
            tid, nxt = nxt, nxt + 1
            if not key.startswith("~"):
                out.idmap["tracks"].append({"track_id": key, "id": tid})
        frames.sort(key=lambda t: t[0])
        first = frames[0][1]
        tr = ET.SubElement(root, "track", id=str(tid), label=first.label or "")
        for k, v in first.extra.get("cvat", {}).get("track", {}).items():
            tr.set(k, v)
        if first.group is not None and "group_id" not in tr.attrib:
            tr.set("group_id", first.group.removeprefix("cvat-"))
        for frame, lb, item, rec in frames:
            if lb.label != first.label:
                report.drop("class change inside a track (first class kept)", item)
            el = _shape(lb, frame, report, item, rec)
            if el is not None:
                el.attrib.pop("label", None)
                tr.append(el)
        if key.startswith("~") and frames:
            frame, lb, item, rec = frames[-1]
            end = _shape(lb, frame + 1, LossReport(), item, rec)
            if end is not None:
                end.attrib.pop("label", None)
                end.set("outside", "1")
                tr.append(end)
        if first.kind is GeometryKind.POINTS and "element_tracks" in first.extra.get("cvat", {}):
            _element_tracks(tr, frames)


def _element_tracks(tr: ET.Element, frames: list[tuple[int, Label, str, ImageRecord]]) -> None:
    specs = frames[0][1].extra["cvat"]["element_tracks"]
    for k, spec in enumerate(specs):
        sub = ET.SubElement(tr, "track", spec)
        for frame, lb, _, _ in frames:
            info = lb.extra["cvat"]["elements"][k]
            if info.get("absent"):
                continue
            p = ET.SubElement(sub, "points", frame=str(frame))
            a = info.get("attributes", {})
            for f in ("outside", "occluded", "keyframe"):
                _flag(p, a, f)
            p.set("points", _pts(lb.geometry["points"][2 * k : 2 * k + 2]))
            for key, v in info.get("attrs", {}).items():
                p.set(key, v)
            for key, v in a.items():
                if key not in INFO.native_attributes:
                    ET.SubElement(p, "attribute", name=key).text = str(v)

"""Label Studio JSON export (tasks): rectangles (with rotation), polygons, keypoints, choices, video tracks.

Values are percentages of ``original_width``/``original_height``; truthline keeps pixels. One label per
result with ``annotator`` = ``completed_by``; annotation metadata (id, times, ...) lives in the image's
``extra["label_studio"]["annotations"]`` and each label's ``extra["label_studio"]["annotation"]`` names it.
LS rotation turns a rectangle clockwise about its top-left corner; truthline's rotated box turns about its
centre. Video rectangles: one label per sequence keyframe, ``track_id`` = result id, frame = LS frame - 1.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from truthline.domain.errors import FormatError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats.capabilities import FormatInfo, check_common, is_outside
from truthline.formats.images import first_existing, unique_names
from truthline.formats.loss import LossReport
from truthline.formats.reading import as_dict, as_list, as_num, as_str, at, load_json
from truthline.formats.shapes import as_box, as_rings
from truthline.formats.writing import Written

INFO = FormatInfo(
    name="label-studio",
    title="Label Studio JSON (tasks export)",
    boxes=True,
    rotated_boxes=True,
    polygons=True,
    keypoints=True,
    image_labels=True,
    tracks=True,
    annotators=True,
    native_attributes=("keyframe",),
    notes="task ids kept; video frames 1-based in the file",
)
_LABEL_KEYS = {
    "rectanglelabels": "rectanglelabels",
    "polygonlabels": "polygonlabels",
    "keypointlabels": "keypointlabels",
    "choices": "choices",
    "videorectangle": "labels",
    "rectangle": None,
    "polygon": None,
    "keypoint": None,
}
_GEOM_KEYS = {"x", "y", "width", "height", "rotation", "points", "sequence"}


def _label_of(value: dict[str, Any], rtype: str, where: str) -> tuple[str | None, list[Any] | None]:
    key = _LABEL_KEYS.get(rtype)
    if key is None:
        return None, None
    names = as_list(value.get(key, []), at(where, key))
    return (str(names[0]) if names else None), (names if len(names) != 1 else None)


def _rect(v: dict[str, Any], w: float, h: float, where: str) -> tuple[GeometryKind, dict[str, Any]]:
    x, y = as_num(v.get("x"), at(where, "x")) * w / 100, as_num(v.get("y"), at(where, "y")) * h / 100
    bw, bh = (
        as_num(v.get("width"), at(where, "width")) * w / 100,
        as_num(v.get("height"), at(where, "height")) * h / 100,
    )
    if bw < 0 or bh < 0:
        raise FormatError(f"width/height {bw}, {bh}, expected >= 0", where=where)
    rot = as_num(v.get("rotation", 0), at(where, "rotation"))
    if not rot:
        return GeometryKind.BOX, {"bbox": [x, y, bw, bh]}
    c, s = math.cos(math.radians(rot)), math.sin(math.radians(rot))
    return GeometryKind.ROTATED_BOX, {
        "cx": x + bw / 2 * c - bh / 2 * s,
        "cy": y + bw / 2 * s + bh / 2 * c,
        "w": bw,
        "h": bh,
        "angle": rot,
    }


def _result(r: Any, where: str, size: tuple[float | None, float | None], ann: int) -> list[Label]:
    d = as_dict(r, where)
    rtype = as_str(d.get("type"), at(where, "type"))
    value = as_dict(d.get("value"), at(where, "value"))
    w = d.get("original_width", size[0])
    h = d.get("original_height", size[1])
    label, many = _label_of(value, rtype, at(where, "value"))
    extra: dict[str, Any] = {
        "result": {k: v for k, v in d.items() if k != "value"},
        "value": {k: v for k, v in value.items() if k not in _GEOM_KEYS and k != _LABEL_KEYS.get(rtype)},
        "annotation": ann,
    }
    if many is not None:
        extra["labels"] = many
    if rtype == "choices":
        return [
            Label(label=str(c), kind=GeometryKind.LABEL, extra={"label_studio": extra | {"index": i}})
            for i, c in enumerate(as_list(value.get("choices"), at(at(where, "value"), "choices")))
        ]
    if w is None or h is None:
        raise FormatError(
            "result without original_width/original_height and no image to read the size from",
            where=where,
            fix="pass --images DIR with the task images",
        )
    w, h = as_num(w, at(where, "original_width")), as_num(h, at(where, "original_height"))
    if rtype in ("rectanglelabels", "rectangle"):
        kind, geom = _rect(value, w, h, at(where, "value"))
    elif rtype in ("polygonlabels", "polygon"):
        pts = []
        for i, p in enumerate(as_list(value.get("points"), at(at(where, "value"), "points"))):
            pair = as_list(p, at(at(at(where, "value"), "points"), i), "[x, y]")
            if len(pair) != 2:
                raise FormatError(f"got {pair!r}, expected [x, y]", where=at(at(at(where, "value"), "points"), i))
            pts += [as_num(pair[0], where) * w / 100, as_num(pair[1], where) * h / 100]
        if len(pts) < 6:
            raise FormatError(f"polygon with {len(pts) // 2} points, expected at least 3", where=where)
        kind, geom = GeometryKind.POLYGON, {"rings": [pts]}
    elif rtype in ("keypointlabels", "keypoint"):
        pts = [as_num(value.get("x"), at(where, "x")) * w / 100, as_num(value.get("y"), at(where, "y")) * h / 100]
        kind, geom = GeometryKind.POINTS, {"points": pts}
        if "width" in value:
            extra["value"]["width"] = value["width"]
    elif rtype == "videorectangle":
        out = []
        tid = str(d.get("id", where))
        for i, s in enumerate(as_list(value.get("sequence"), at(at(where, "value"), "sequence"))):
            sw = at(at(at(where, "value"), "sequence"), i)
            sd = as_dict(s, sw)
            kind, geom = _rect(sd, w, h, sw)
            frame = int(as_num(sd.get("frame"), at(sw, "frame")))
            sx = {k: v for k, v in sd.items() if k not in _GEOM_KEYS and k != "frame"}
            out.append(
                Label(
                    label=label,
                    kind=kind,
                    geometry=geom,
                    attributes={"keyframe": True},
                    track_id=tid,
                    frame=frame - 1,
                    extra={"label_studio": extra | {"seq": sx, "index": i}},
                )
            )
        return out
    else:
        raise FormatError(
            f"result type {rtype!r} is not supported, expected rectanglelabels, polygonlabels, "
            "keypointlabels, choices or videorectangle",
            where=at(where, "type"),
        )
    return [Label(label=label, kind=kind, geometry=geom, extra={"label_studio": extra})]


def read_label_studio(path: Path, images: Path | None = None) -> DatasetContent:
    """Read a Label Studio JSON export (a list of tasks with annotations)."""
    file = path if path.is_file() else next(iter(sorted(path.glob("*.json"))), None)
    if file is None:
        raise FormatError("no JSON file found", where=str(path), fix="give the Label Studio export JSON")
    tasks = as_list(load_json(file), f"{file}:$", "a list of tasks")
    records: list[ImageRecord] = []
    classes: list[str] = []
    for ti, t in enumerate(tasks):
        tw = f"{file}:$[{ti}]"
        task = as_dict(t, tw)
        data = as_dict(task.get("data", {}), at(tw, "data"))
        url = next((v for k, v in data.items() if k in ("image", "video", "img")), None)
        url = url if isinstance(url, str) else next((v for v in data.values() if isinstance(v, str)), f"task-{ti}")
        base = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or f"task-{ti}"
        rec = ImageRecord(name=base, source_id=task.get("id"))
        if images is not None:
            rec.path = first_existing([images / base])
        ann_meta = []
        size: tuple[float | None, float | None] = (None, None)
        if rec.path is not None and "video" not in data:
            from truthline.formats.images import read_image_size

            rec.width, rec.height = read_image_size(rec.path)
            size = (rec.width, rec.height)
        for ai, a in enumerate(as_list(task.get("annotations", []), at(tw, "annotations"))):
            aw = at(at(tw, "annotations"), ai)
            ad = as_dict(a, aw)
            ann_meta.append({k: v for k, v in ad.items() if k != "result"})
            by = ad.get("completed_by")
            annotator = str(by.get("email", by.get("id")) if isinstance(by, dict) else by) if by is not None else None
            for ri, r in enumerate(as_list(ad.get("result", []), at(aw, "result"))):
                for lb in _result(r, at(at(aw, "result"), ri), size, ai):
                    rec.labels.append(
                        Label(
                            label=lb.label,
                            kind=lb.kind,
                            geometry=lb.geometry,
                            attributes=lb.attributes,
                            extra=lb.extra,
                            annotator=annotator,
                            track_id=lb.track_id,
                            frame=lb.frame,
                        )
                    )
                    if lb.label and lb.label not in classes:
                        classes.append(lb.label)
                    if rec.width is None and isinstance(r, dict) and "original_width" in r:
                        rec.width, rec.height = int(r["original_width"]), int(r["original_height"])
        rec.extra["label_studio"] = {
            "task": {k: v for k, v in task.items() if k != "annotations"},
            "annotations": ann_meta,
        }
        if "video" in data:
            rec.metadata["video"] = base
        records.append(rec)
    for rec, name in zip(
        records, unique_names([r.name for r in records], [str(r.source_id) for r in records]), strict=True
    ):
        rec.name = name
    return DatasetContent(taxonomy=Taxonomy(tuple(TaxonomyClass(c) for c in classes)), images=records)


# ---------------------------------------------------------------- export


def _pct_rect(lb: Label, w: float, h: float) -> dict[str, Any]:
    if lb.kind is GeometryKind.ROTATED_BOX:
        g = lb.geometry
        c, s = math.cos(math.radians(g["angle"])), math.sin(math.radians(g["angle"]))
        x = g["cx"] - g["w"] / 2 * c + g["h"] / 2 * s
        y = g["cy"] - g["w"] / 2 * s - g["h"] / 2 * c
        return {
            "x": x / w * 100,
            "y": y / h * 100,
            "width": g["w"] / w * 100,
            "height": g["h"] / h * 100,
            "rotation": g["angle"],
        }
    x, y, bw, bh = as_box(lb) or [0.0] * 4
    return {"x": x / w * 100, "y": y / h * 100, "width": bw / w * 100, "height": bh / h * 100, "rotation": 0}


def write_label_studio(content: DatasetContent, report: LossReport) -> Written:
    """One task per image; one annotation per (source annotation or annotator); tracks as videorectangle."""
    out = Written()
    tasks = []
    for idx, rec in enumerate(content.images):
        src = rec.extra.get("label_studio", {})
        task = dict(
            src.get("task")
            or {
                "id": rec.source_id if isinstance(rec.source_id, int) else idx + 1,
                "data": {"image": f"/data/{rec.name}"},
            }
        )
        anns = [dict(a) | {"result": []} for a in src.get("annotations", [])]
        by_annotator: dict[str | None, int] = {}
        tracks: dict[tuple[int, str], dict[str, Any]] = {}
        for j, lb in enumerate(rec.labels):
            item = f"{rec.name}#{j}"
            ex = lb.extra.get("label_studio", {})
            ai = ex.get("annotation")
            if not isinstance(ai, int) or ai >= len(anns):
                if lb.annotator not in by_annotator:
                    by_annotator[lb.annotator] = len(anns)
                    anns.append({"id": len(anns) + 1, "completed_by": lb.annotator, "result": []})
                ai = by_annotator[lb.annotator]
            if is_outside(lb):
                report.drop("track frame marked outside (object not visible)", item)
                continue
            check_common(lb, INFO, report, item, skip=("track",))
            w, h = rec.width, rec.height
            result = dict(ex.get("result") or {"id": f"r{idx}-{j}", "from_name": "label", "to_name": "image"})
            if lb.kind is GeometryKind.LABEL:
                if ex.get("index", 0) > 0 and anns[ai]["result"] and anns[ai]["result"][-1].get("type") == "choices":
                    anns[ai]["result"][-1]["value"]["choices"].append(lb.label)
                    continue
                result.update(type="choices", value={"choices": [lb.label]})
                anns[ai]["result"].append(result)
                continue
            if not w or not h:
                report.drop("shape on an image of unknown size", item)
                continue
            value = dict(ex.get("value", {}))
            result.setdefault("original_width", w)
            result.setdefault("original_height", h)
            labels = ex.get("labels") or ([lb.label] if lb.label else [])
            if lb.track_id is not None:
                seq = _pct_rect(lb, w, h) | {"frame": (lb.frame or 0) + 1} | ex.get("seq", {"enabled": True})
                if lb.kind not in (GeometryKind.BOX, GeometryKind.ROTATED_BOX):
                    report.convert(f"{lb.kind.value} in a track written as a box", item)
                key = (ai, lb.track_id)
                if key not in tracks:
                    result.update(type="videorectangle", value=value | {"sequence": [], "labels": labels})
                    if "result" not in ex:
                        result["id"] = lb.track_id
                    tracks[key] = result
                    anns[ai]["result"].append(result)
                tracks[key]["value"]["sequence"].append(seq)
                continue
            result.setdefault("original_width", w)
            result.setdefault("original_height", h)
            if lb.kind in (GeometryKind.BOX, GeometryKind.ROTATED_BOX):
                result.update(type="rectanglelabels", value=_pct_rect(lb, w, h) | value | {"rectanglelabels": labels})
            elif lb.kind is GeometryKind.POINTS and len(lb.geometry["points"]) == 2:
                x, y = lb.geometry["points"]
                result.update(
                    type="keypointlabels",
                    value={"x": x / w * 100, "y": y / h * 100} | value | {"keypointlabels": labels},
                )
            elif lb.kind is GeometryKind.POINTS:
                report.drop("multi-point keypoints (Label Studio keypoints are single points)", item)
                continue
            else:
                rings = as_rings(lb)
                if lb.kind is not GeometryKind.POLYGON:
                    report.convert(f"{lb.kind.value} written as a polygon", item)
                if len(rings) > 1:
                    report.drop("polygon rings beyond the first", item, count=len(rings) - 1)
                pts = [[rings[0][k] / w * 100, rings[0][k + 1] / h * 100] for k in range(0, len(rings[0]), 2)]
                result.update(type="polygonlabels", value={"points": pts} | value | {"polygonlabels": labels})
            anns[ai]["result"].append(result)
        task["annotations"] = anns
        tasks.append(task)
    out.json("tasks.json", tasks, indent=2)
    out.idmap = {
        "format": "label-studio",
        "images": [{"name": r.name, "id": t.get("id")} for r, t in zip(content.images, tasks, strict=True)],
    }
    return out

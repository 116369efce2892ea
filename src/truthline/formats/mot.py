"""MOTChallenge sequences: gt/gt.txt (frame, id, box, conf, class, visibility), seqinfo.ini and img1/ frames.

Frames are 1-based in the file and 0-based in truthline (``Label.frame = frame - 1``); class ids are
1-based (gt/labels.txt when present, else the MOT17 class table); track id -1 means no track.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

from truthline.domain.errors import FormatError
from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.domain.records import DatasetContent, ImageRecord
from truthline.domain.taxonomy import Taxonomy, TaxonomyClass
from truthline.formats.capabilities import FormatInfo, assign_ids, check_common, fmt_num, is_outside, object_classes
from truthline.formats.images import is_image_file
from truthline.formats.loss import LossReport
from truthline.formats.reading import read_text, text_int, text_num
from truthline.formats.shapes import as_box
from truthline.formats.writing import Written

INFO = FormatInfo(
    name="mot",
    title="MOTChallenge (gt.txt + seqinfo.ini)",
    boxes=True,
    native_attributes=("visibility",),
    tracks=True,
    class_id_base=1,
    image_id_base=1,
    notes="frames and class ids 1-based; track id -1 = no track",
)
MOT_CLASSES = (
    "pedestrian",
    "person_on_vehicle",
    "car",
    "bicycle",
    "motorbike",
    "non_mot_vehicle",
    "static_person",
    "distractor",
    "occluder",
    "occluder_on_ground",
    "occluder_full",
    "reflection",
    "crowd",
)


def read_mot(path: Path, images: Path | None = None) -> DatasetContent:
    """Read one MOT sequence folder (or its gt.txt)."""
    seq = path.parent.parent if path.is_file() else path
    gt = path if path.is_file() else seq / "gt" / "gt.txt"
    if not gt.is_file():
        raise FormatError("gt/gt.txt not found", where=str(seq), fix="give a MOT sequence folder")
    info: dict[str, str] = {}
    ini = seq / "seqinfo.ini"
    if ini.is_file():
        cp = configparser.ConfigParser()
        cp.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            cp.read_string(read_text(ini))
        except configparser.Error as e:
            raise FormatError(f"invalid seqinfo.ini: {e.message}", where=str(ini)) from None
        if cp.has_section("Sequence"):
            info = dict(cp["Sequence"])
    labels_txt = gt.parent / "labels.txt"
    names = (
        [n.strip() for n in read_text(labels_txt).splitlines() if n.strip()]
        if labels_txt.is_file()
        else list(MOT_CLASSES)
    )
    classes = [TaxonomyClass(name=n, source_id=i + 1) for i, n in enumerate(names)]
    im_dir = images or seq / info.get("imDir", "img1")
    ext = info.get("imExt", ".jpg")
    w = text_int(info["imWidth"], f"{ini}:imWidth") if "imWidth" in info else None
    h = text_int(info["imHeight"], f"{ini}:imHeight") if "imHeight" in info else None
    frames: dict[int, ImageRecord] = {}

    def record(frame: int) -> ImageRecord:
        if frame not in frames:
            name = f"{info.get('imDir', 'img1')}/{frame:06d}{ext}"
            p = im_dir / f"{frame:06d}{ext}"
            frames[frame] = ImageRecord(
                name=name,
                width=w,
                height=h,
                path=p if p.is_file() else None,
                source_id=frame,
                metadata={"sequence": info.get("name", seq.name)},
            )
        return frames[frame]

    if "seqLength" in info:
        for f in range(1, text_int(info["seqLength"], f"{ini}:seqLength") + 1):
            record(f)
    elif im_dir.is_dir():
        for p in sorted(im_dir.iterdir()):
            if is_image_file(p) and p.stem.isdigit():
                ext = p.suffix
                record(int(p.stem))
    ncols = 0
    for no, line in enumerate(read_text(gt).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{gt}:line {no}"
        cols = [c.strip() for c in line.split(",")]
        if len(cols) < 6:
            raise FormatError(
                f"{len(cols)} columns, expected frame,id,left,top,width,height[,conf,class,visibility]", where=where
            )
        ncols = max(ncols, len(cols))
        frame, tid = text_int(cols[0], where, "a frame number"), text_int(cols[1], where, "a track id")
        if frame < 1:
            raise FormatError(f"frame {frame}, expected a 1-based frame number", where=where)
        x, y, bw, bh = (text_num(c, where) for c in cols[2:6])
        if bw < 0 or bh < 0:
            raise FormatError(f"box size {bw}x{bh}, expected width and height >= 0", where=where)
        extra: dict[str, Any] = {}
        if len(cols) > 6:
            extra["conf"] = text_num(cols[6], where)
        cls_name = None
        if len(cols) > 7:
            cid = text_int(cols[7], where, "a class id")
            if not 1 <= cid <= len(names):
                raise FormatError(f"class {cid}, expected 1..{len(names)}", where=where)
            cls_name = names[cid - 1]
        attrs = {"visibility": text_num(cols[8], where)} if len(cols) > 8 else {}
        if len(cols) > 9:
            extra["cols"] = cols[9:]
        if tid < 0:
            extra["track_id"] = tid
        record(frame).labels.append(
            Label(
                label=cls_name,
                kind=GeometryKind.BOX,
                geometry={"bbox": [x, y, bw, bh]},
                attributes=attrs,
                extra={"mot": extra} if extra else {},
                track_id=str(tid) if tid >= 0 else None,
                frame=frame - 1,
            )
        )
    recs = [frames[f] for f in sorted(frames)]
    return DatasetContent(
        taxonomy=Taxonomy(tuple(classes)),
        images=recs,
        extra={"mot": {"seqinfo": info, "columns": ncols or 9, "labels_txt": labels_txt.is_file()}},
    )


def write_mot(content: DatasetContent, report: LossReport) -> Written:
    """gt/gt.txt, gt/labels.txt, seqinfo.ini; one frame per image in order (frame = label frame + 1)."""
    out = Written()
    src = content.extra.get("mot", {})
    classes = object_classes(content.taxonomy)
    ids = assign_ids(classes, 1, contiguous=True)
    info = dict(src.get("seqinfo") or {})
    ncols = int(src.get("columns", 9))
    numeric = {int(lb.track_id) for r in content.images for lb in r.labels if lb.track_id and lb.track_id.isdigit()}
    track_ids: dict[str, int] = {}
    nxt = max(numeric, default=0) + 1
    rows: list[tuple[int, int, str]] = []
    out.idmap = {
        "format": "mot",
        "categories": [{"name": c.name, "id": ids[c.name]} for c in classes],
        "images": [],
        "tracks": [],
    }
    for idx, rec in enumerate(content.images):
        frame = idx + 1
        if isinstance(rec.source_id, int) and "mot" in content.extra:
            frame = rec.source_id
        out.idmap["images"].append({"name": rec.name, "id": frame})
        for j, lb in enumerate(rec.labels):
            item = f"{rec.name}#{j}"
            if is_outside(lb):
                report.drop("track frame marked outside (object not visible)", item)
                continue
            if lb.kind is GeometryKind.LABEL or (lb.label is not None and lb.label not in ids):
                report.drop(
                    "image-level label" if lb.kind is GeometryKind.LABEL else "label of a class MOT cannot list", item
                )
                continue
            check_common(lb, INFO, report, item)
            if lb.kind is not GeometryKind.BOX:
                report.convert(f"{lb.kind.value} written as a box", item)
            box = as_box(lb) or [0.0] * 4
            f = lb.frame + 1 if lb.frame is not None and "mot" in content.extra else frame
            ex = lb.extra.get("mot", {})
            if lb.track_id is None:
                tid = ex.get("track_id", -1)
            elif lb.track_id.isdigit():
                tid = int(lb.track_id)
            else:
                if lb.track_id not in track_ids:
                    track_ids[lb.track_id], nxt = nxt, nxt + 1
                    out.idmap["tracks"].append({"track_id": lb.track_id, "id": track_ids[lb.track_id]})
                tid = track_ids[lb.track_id]
            cols = [
                str(f),
                str(tid),
                *(fmt_num(v) for v in box),
                fmt_num(ex.get("conf", 1)),
                str(ids[lb.label]) if lb.label else "-1",
                fmt_num(lb.attributes.get("visibility", 1)),
            ]
            cols += ex.get("cols", [])
            if lb.label is None:
                report.drop("unlabelled shape (class -1)", item)
            rows.append((f, tid, ",".join(cols[: max(ncols, 6)])))
    rows.sort(key=lambda r: (r[0], r[1]))
    out.text("gt/gt.txt", "".join(r[2] + "\n" for r in rows))
    out.text("gt/labels.txt", "\n".join(c.name for c in sorted(classes, key=lambda c: ids[c.name])))
    if content.images:
        first = content.images[0]
        info.setdefault("name", "seq")
        info.setdefault("imDir", "img1")
        info.setdefault("imExt", Path(first.name).suffix or ".jpg")
        info.setdefault("seqLength", str(len(content.images)))
        if first.width:
            info.setdefault("imWidth", str(first.width))
            info.setdefault("imHeight", str(first.height))
        out.text("seqinfo.ini", "[Sequence]\n" + "".join(f"{k}={v}\n" for k, v in info.items()))
        for idx, rec in enumerate(content.images):
            if rec.path is not None:
                frame = rec.source_id if isinstance(rec.source_id, int) and "mot" in content.extra else idx + 1
                out.copies[f"{info['imDir']}/{frame:06d}{info['imExt']}"] = rec.path
    return out

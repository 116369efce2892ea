"""The formats registry: read a file into DatasetContent, write DatasetContent into a format with a loss report."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from truthline.domain.errors import FormatError, UserInputError
from truthline.domain.records import DatasetContent
from truthline.formats import coco, cvat, cvat_export, imagefolder, label_studio, mot, voc, voc_export, yolo
from truthline.formats.capabilities import FormatInfo
from truthline.formats.images import fill_sizes
from truthline.formats.loss import LossReport, LossyExportError
from truthline.formats.writing import Written

IDMAP_FILE = "truthline_idmap.json"
LOSS_REPORT_FILE = "truthline_loss_report.json"

Reader = Callable[[Path, "Path | None"], DatasetContent]
Writer = Callable[[DatasetContent, LossReport], Written]


@dataclass(frozen=True, slots=True)
class FormatSpec:
    info: FormatInfo
    read: Reader
    write: Writer
    copies_images: bool = False  # the layout is the label (image folders): images are always copied


def _yolo(task: str) -> FormatSpec:
    return FormatSpec(
        yolo.INFOS[task],
        lambda p, i: yolo.read_yolo(p, i, task=None if task == "detect" else task),
        lambda c, r: yolo.write_yolo(c, r, task),
    )


FORMATS: dict[str, FormatSpec] = {
    "coco": FormatSpec(coco.INFO, coco.read_coco, coco.write_coco),
    "yolo": _yolo("detect"),
    "yolo-segment": _yolo("segment"),
    "yolo-obb": _yolo("obb"),
    "yolo-pose": _yolo("pose"),
    "yolo-classify": FormatSpec(
        imagefolder.CLASSIFY_INFO, imagefolder.read_yolo_classify, imagefolder.write_yolo_classify, copies_images=True
    ),
    "voc": FormatSpec(voc.INFO, voc.read_voc, voc_export.write_voc),
    "cvat": FormatSpec(cvat.INFO, cvat.read_cvat, cvat_export.write_cvat),
    "label-studio": FormatSpec(label_studio.INFO, label_studio.read_label_studio, label_studio.write_label_studio),
    "mot": FormatSpec(mot.INFO, mot.read_mot, mot.write_mot),
    "imagefolder": FormatSpec(
        imagefolder.INFO, imagefolder.read_imagefolder, imagefolder.write_imagefolder, copies_images=True
    ),
}
_ALIASES = {
    "ultralytics": "yolo",
    "yolo-detect": "yolo",
    "yolo-seg": "yolo-segment",
    "pascal-voc": "voc",
    "labelstudio": "label-studio",
    "cvat-xml": "cvat",
    "image-folder": "imagefolder",
    "imagenet": "imagefolder",
}


def format_spec(fmt: str) -> FormatSpec:
    key = fmt.lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise UserInputError(f"unknown format {fmt!r}", fix=f"use one of {', '.join(FORMATS)}")
    return FORMATS[key]


def capabilities() -> list[FormatInfo]:
    """What each format can carry, in registry order."""
    return [s.info for s in FORMATS.values()]


def read_dataset(fmt: str, path: Path, images: Path | None = None) -> DatasetContent:
    """Import ``path`` in format ``fmt``; raises FormatError (one line: file, place, value, expectation)."""
    spec = format_spec(fmt)
    path, images = Path(path), Path(images) if images is not None else None
    if not path.exists():
        raise FormatError(f"no such file or folder: {path}", where=str(path), fix="check the path")
    try:
        content = spec.read(path, images)
        fill_sizes(content)
    except FormatError as e:
        if "\n" in str(e):
            raise FormatError(" ".join(e.what.split()), where=e.where, fix=e.fix) from None
        raise
    except UserInputError as e:
        raise FormatError(e.what, where=e.where or str(path), fix=e.fix) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, RecursionError) as e:
        raise FormatError(f"malformed {spec.info.name} data: {type(e).__name__}: {e}", where=str(path)) from None
    return content


def plan_export(fmt: str, content: DatasetContent) -> tuple[Written, LossReport]:
    """Everything an export would write, and what it would lose, without touching the disk."""
    spec = format_spec(fmt)
    report = LossReport(spec.info.name)
    written = spec.write(content, report)
    return written, report


def write_dataset(
    fmt: str, content: DatasetContent, out: Path, *, strict: bool = False, copy_images: bool = False
) -> LossReport:
    """Write ``content`` as ``fmt`` under ``out`` with ``truthline_idmap.json`` (and the loss report if lossy).

    With ``strict``, any loss raises LossyExportError before anything is written. ``copy_images`` copies
    image files into the format's layout where their paths are known (image folders always copy).
    """
    spec = format_spec(fmt)
    written, report = plan_export(fmt, content)
    if spec.copies_images or copy_images:
        missing = [r.name for r in content.images if r.path is None or not r.path.is_file()]
        for name in missing:
            report.drop("image file (not available to copy)", name)
    if strict and report:
        raise LossyExportError(report)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for rel, data in written.files.items():
        _write_atomic(out / rel, data)
    if spec.copies_images or copy_images:
        for rel, src in written.copies.items():
            dst = out / rel
            if src.is_file() and not (dst.exists() and os.path.samefile(src, dst)):
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
    _write_atomic(out / IDMAP_FILE, json.dumps(written.idmap, indent=2, ensure_ascii=False).encode())
    report_path = out / LOSS_REPORT_FILE
    if report:
        _write_atomic(report_path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False).encode())
    elif report_path.exists():
        report_path.unlink()
    return report


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)

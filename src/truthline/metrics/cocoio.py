"""COCO ground truth and detection results read into columns (numpy arrays), with located errors."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import FormatError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class CocoGroundTruth:
    """A COCO annotation file as columns.

    ``image_ids`` and ``category_ids`` are sorted (the order pycocotools evaluates in);
    ``ann_image``/``ann_class`` index into them. Annotations on images or categories the
    file does not list are dropped, as pycocotools drops them.
    """

    image_ids: IntArray
    image_height: IntArray
    image_width: IntArray
    category_ids: IntArray
    category_names: tuple[str, ...]
    ann_ids: IntArray
    ann_image: IntArray
    ann_class: IntArray
    bbox: FloatArray
    area: FloatArray
    iscrowd: BoolArray
    segmentation: tuple[Any, ...] | None
    notes: tuple[str, ...] = ()

    @property
    def num_images(self) -> int:
        return int(self.image_ids.size)

    @property
    def num_classes(self) -> int:
        return int(self.category_ids.size)


@dataclass(frozen=True)
class CocoDetections:
    """Detection results as columns in the order given (ids are 1..N, as pycocotools' loadRes sets)."""

    image_id: IntArray
    category_id: IntArray
    bbox: FloatArray
    score: FloatArray
    area: FloatArray | None
    segmentation: tuple[Any, ...] | None

    @property
    def size(self) -> int:
        return int(self.score.size)


def lookup(sorted_ids: IntArray, values: IntArray) -> tuple[IntArray, BoolArray]:
    """Positions of ``values`` in the sorted id array, and whether each was found."""
    if sorted_ids.size == 0:
        return np.zeros(values.size, dtype=np.int64), np.zeros(values.size, dtype=bool)
    pos = np.searchsorted(sorted_ids, values)
    clipped = np.minimum(pos, sorted_ids.size - 1)
    return clipped.astype(np.int64), (pos < sorted_ids.size) & (sorted_ids[clipped] == values)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; orjson when installed (about 1.5x faster), else the standard library."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read {p}: {exc.strerror}", where=str(p), fix="check the path") from exc
    try:
        import orjson

        return orjson.loads(data)
    except ImportError:
        pass
    except ValueError as exc:
        raise FormatError(f"not valid JSON: {exc}", where=str(p), fix="write the file as JSON") from exc
    try:
        return json.loads(data)
    except ValueError as exc:
        raise FormatError(f"not valid JSON: {exc}", where=str(p), fix="write the file as JSON") from exc


def _column(
    records: Sequence[Mapping[str, Any]], key: str, dtype: type, where: str, default: Any = None
) -> npt.NDArray[Any]:
    n = len(records)
    try:
        if default is None:
            return np.fromiter((r[key] for r in records), dtype=dtype, count=n)
        return np.fromiter((r.get(key, default) for r in records), dtype=dtype, count=n)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        for i, r in enumerate(records):
            if not isinstance(r, Mapping):
                raise FormatError("an entry is not an object", where=f"{where}[{i}]", fix="give JSON objects") from exc
            if key not in r:
                if default is not None:
                    continue
                raise FormatError(
                    f"missing field {key!r}", where=f"{where}[{i}]", fix=f"add {key!r} to every entry"
                ) from exc
            try:
                dtype(r[key])
            except (TypeError, ValueError):
                raise FormatError(
                    f"field {key!r} is {r[key]!r}, not a number",
                    where=f"{where}[{i}].{key}",
                    fix=f"write {key!r} as a number",
                ) from exc
        raise FormatError(f"cannot read field {key!r}: {exc}", where=where) from exc


def _boxes(records: Sequence[Mapping[str, Any]], where: str) -> FloatArray:
    try:
        arr = np.array([r["bbox"] for r in records], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        for i, r in enumerate(records):
            box = r.get("bbox") if isinstance(r, Mapping) else None
            if not isinstance(box, Sequence) or len(box) != 4:
                raise FormatError(
                    f"bbox is {box!r}", where=f"{where}[{i}].bbox", fix="write bbox as [x, y, width, height]"
                ) from exc
        raise FormatError(f"cannot read bbox: {exc}", where=where, fix="write bbox as [x, y, w, h]") from exc
    if len(records) == 0:
        return np.zeros((0, 4), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise FormatError("bbox must have 4 numbers", where=f"{where}[*].bbox", fix="write [x, y, w, h]")
    return arr


def load_ground_truth(source: str | Path | Mapping[str, Any], *, iou_type: str = "bbox") -> CocoGroundTruth:
    """Read a COCO annotation file (path or parsed dict) into columns."""
    name = str(source) if isinstance(source, str | Path) else "gt"
    data = read_json(source) if isinstance(source, str | Path) else source
    if not isinstance(data, Mapping):
        raise FormatError("the ground truth is not a JSON object", where=name, fix="give a COCO annotation file")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise FormatError(f"missing list {key!r}", where=f"{name}:{key}", fix="give a COCO annotation file")
    images = data["images"]
    cats = data["categories"]
    anns = data["annotations"]
    img_ids = _column(images, "id", np.int64, f"{name}:images")
    order = np.argsort(img_ids, kind="stable")
    img_sorted = img_ids[order]
    if img_sorted.size and np.any(img_sorted[1:] == img_sorted[:-1]):
        dup = int(img_sorted[1:][img_sorted[1:] == img_sorted[:-1]][0])
        raise FormatError(f"image id {dup} appears twice", where=f"{name}:images", fix="give each image one id")
    height = _column(images, "height", np.int64, f"{name}:images", default=0)[order]
    width = _column(images, "width", np.int64, f"{name}:images", default=0)[order]
    cat_ids = _column(cats, "id", np.int64, f"{name}:categories")
    corder = np.argsort(cat_ids, kind="stable")
    cat_sorted = cat_ids[corder]
    if cat_sorted.size and np.any(cat_sorted[1:] == cat_sorted[:-1]):
        raise FormatError("a category id appears twice", where=f"{name}:categories", fix="give each one id")
    names = tuple(str(cats[i].get("name", cats[i]["id"])) for i in corder)

    where = f"{name}:annotations"
    a_ids = _column(anns, "id", np.int64, where)
    a_img = _column(anns, "image_id", np.int64, where)
    a_cat = _column(anns, "category_id", np.int64, where)
    crowd = _column(anns, "iscrowd", np.int64, where, default=0).astype(bool)
    notes: list[str] = []
    if iou_type == "bbox":
        bbox = _boxes(anns, where)
    else:
        bbox = np.array([a.get("bbox", (0.0, 0.0, 0.0, 0.0)) for a in anns], dtype=np.float64).reshape(-1, 4)
    if all("area" in a for a in anns):
        area = _column(anns, "area", np.float64, where)
    else:
        area = _column(anns, "area", np.float64, where, default=np.nan)
        missing = np.isnan(area)
        area[missing] = bbox[missing, 2] * bbox[missing, 3]
        notes.append(
            f"{int(missing.sum())} ground truths had no 'area'; truthline used box width x height "
            "(pycocotools would stop with a KeyError)"
        )
    ii, ii_ok = lookup(img_sorted, a_img)
    ci, ci_ok = lookup(cat_sorted, a_cat)
    keep = ii_ok & ci_ok
    if not keep.all():
        notes.append(f"{int((~keep).sum())} ground truths on unlisted images or categories were left out")
    seg: tuple[Any, ...] | None = None
    if iou_type == "segm":
        kept_idx = np.flatnonzero(keep)
        seg_list = []
        for i in kept_idx:
            s = anns[i].get("segmentation")
            if s is None:
                raise FormatError(
                    "missing segmentation", where=f"{where}[{i}]", fix="give every annotation a segmentation"
                )
            seg_list.append(s)
        seg = tuple(seg_list)
    return CocoGroundTruth(
        image_ids=img_sorted,
        image_height=height,
        image_width=width,
        category_ids=cat_sorted,
        category_names=names,
        ann_ids=a_ids[keep],
        ann_image=ii[keep].astype(np.int64),
        ann_class=ci[keep].astype(np.int64),
        bbox=bbox[keep],
        area=area[keep],
        iscrowd=crowd[keep],
        segmentation=seg,
        notes=tuple(notes),
    )


def load_detections(source: str | Path | Sequence[Mapping[str, Any]] | npt.NDArray[Any]) -> CocoDetections:
    """Read COCO detection results: a path, a list of result dicts, or an (N, 7) array.

    The array form is pycocotools' ``loadNumpyAnnotations``: ``[image_id, x, y, w, h, score, class]``.
    As in pycocotools' ``loadRes``, a result with a non-empty ``bbox`` gets area ``w * h``;
    a segmentation-only result gets the mask's area and box (computed at match time).
    """
    name = str(source) if isinstance(source, str | Path) else "dt"
    data: Any = read_json(source) if isinstance(source, str | Path) else source
    if isinstance(data, np.ndarray):
        arr = np.asarray(data, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 7:
            raise FormatError(
                "a detection array must be (N, 7)", where=name, fix="[image_id, x, y, w, h, score, class]"
            )
        box = arr[:, 1:5].copy()
        return CocoDetections(
            image_id=arr[:, 0].astype(np.int64),
            category_id=arr[:, 6].astype(np.int64),
            bbox=box,
            score=arr[:, 5].copy(),
            area=box[:, 2] * box[:, 3],
            segmentation=None,
        )
    if isinstance(data, Mapping) and isinstance(data.get("annotations"), list):
        data = data["annotations"]
    if not isinstance(data, list):
        raise FormatError("detections must be a JSON list of results", where=name, fix="give a COCO results file")
    img = _column(data, "image_id", np.int64, name)
    cat = _column(data, "category_id", np.int64, name)
    score = _column(data, "score", np.float64, name)
    if not data:
        return CocoDetections(img, cat, np.zeros((0, 4)), score, np.zeros(0), None)
    first = data[0]
    if isinstance(first, Mapping) and first.get("bbox"):
        box = _boxes(data, name)
        seg = tuple(d.get("segmentation") for d in data) if "segmentation" in first else None
        return CocoDetections(img, cat, box, score, box[:, 2] * box[:, 3], seg)
    if isinstance(first, Mapping) and "segmentation" in first:
        seg_list = []
        for i, d in enumerate(data):
            if "segmentation" not in d:
                raise FormatError("missing segmentation", where=f"{name}[{i}]", fix="give every result a mask")
            seg_list.append(d["segmentation"])
        return CocoDetections(img, cat, np.zeros((len(data), 4)), score, None, tuple(seg_list))
    raise FormatError("a result has neither bbox nor segmentation", where=f"{name}[0]", fix="add bbox")

"""Overlaps between detections and ground truths of one image and class: box IoU in numpy, mask IoU in hotcoco."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import FormatError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def box_iou_pairs(dt_box: FloatArray, gt_box: FloatArray, gt_crowd: BoolArray) -> FloatArray:
    """IoU of paired ``[x, y, w, h]`` boxes, one value per row.

    The arithmetic is pycocotools' ``bbIou`` operation for operation (``fmin(w + x)``,
    ``u = da + ga - i``, union = detection area for a crowd region), so every value is the
    same double the reference computes.
    """
    dx, dy, dw, dh = dt_box[:, 0], dt_box[:, 1], dt_box[:, 2], dt_box[:, 3]
    gx, gy, gw, gh = gt_box[:, 0], gt_box[:, 1], gt_box[:, 2], gt_box[:, 3]
    da = dw * dh
    ga = gw * gh
    w = np.minimum(dw + dx, gw + gx) - np.maximum(dx, gx)
    h = np.minimum(dh + dy, gh + gy) - np.maximum(dy, gy)
    inter = w * h
    union = np.where(gt_crowd, da, da + ga - inter)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / union
    return np.where((w > 0) & (h > 0), iou, 0.0)


def to_rle(segmentation: Any, height: int, width: int, where: str) -> dict[str, Any]:
    """One annotation's segmentation (polygons, RLE or uncompressed RLE) as a compressed RLE, as annToRLE does."""
    from hotcoco import mask as mask_api

    try:
        if isinstance(segmentation, list):
            if height <= 0 or width <= 0:
                raise FormatError(
                    "a polygon needs the image's height and width", where=where, fix="add height and width to images"
                )
            rles = mask_api.frPyObjects(segmentation, height, width)
            return dict(mask_api.merge(rles))
        if isinstance(segmentation, dict) and isinstance(segmentation.get("counts"), list):
            h, w = segmentation["size"]
            return dict(mask_api.frPyObjects(segmentation, h, w))
        if isinstance(segmentation, dict) and "counts" in segmentation:
            return segmentation
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(f"cannot read segmentation: {exc}", where=where, fix="give polygons or RLE") from exc
    raise FormatError("segmentation is neither polygons nor RLE", where=where, fix="give polygons or RLE")


def mask_area_and_box(rles: Sequence[dict[str, Any]]) -> tuple[FloatArray, FloatArray]:
    """Pixel area and bounding box of each RLE, as pycocotools' loadRes computes them for mask results."""
    from hotcoco import mask as mask_api

    if not rles:
        return np.zeros(0), np.zeros((0, 4))
    area = np.asarray(mask_api.area(list(rles)), dtype=np.float64).reshape(-1)
    box = np.asarray(mask_api.toBbox(list(rles)), dtype=np.float64).reshape(-1, 4)
    return area, box


def mask_iou_groups(
    dt_rles: Sequence[dict[str, Any]],
    gt_rles: Sequence[dict[str, Any]],
    gt_crowd: BoolArray,
    dt_start: IntArray,
    dt_count: IntArray,
    gt_start: IntArray,
    gt_count: IntArray,
) -> FloatArray:
    """Mask IoU for each (image, class) group, flattened detection-major (row of a group's ground truths).

    ``dt_*``/``gt_*`` give each group's slice of ``dt_rles``/``gt_rles``; one hotcoco call per group.
    """
    from hotcoco import mask as mask_api

    out: list[FloatArray] = []
    for ds, dn, gs, gn in zip(dt_start.tolist(), dt_count.tolist(), gt_start.tolist(), gt_count.tolist(), strict=True):
        m = mask_api.iou(
            list(dt_rles[ds : ds + dn]), list(gt_rles[gs : gs + gn]), [bool(c) for c in gt_crowd[gs : gs + gn]]
        )
        out.append(np.asarray(m, dtype=np.float64).reshape(dn, gn).ravel())
    return np.concatenate(out) if out else np.zeros(0)

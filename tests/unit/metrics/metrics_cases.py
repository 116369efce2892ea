"""Generated COCO data for the metrics tests with the awkward cases (tied scores, crowds, empty images, classes without
ground truth, detections of unknown classes) and pycocotools as the oracle."""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np


def make_coco(
    seed: int,
    n_img: int = 30,
    n_cls: int = 4,
    gt_per: float = 4.0,
    dt_per: float = 12.0,
    segm: bool = False,
    first_ann_id: int = 1,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    W, H = 96, 80
    images = [{"id": 10 + 3 * i, "width": W, "height": H, "file_name": f"{i}.jpg"} for i in range(n_img)]
    # one more listed class that never has ground truth
    cats = [{"id": c + 1, "name": f"c{c + 1}"} for c in range(n_cls + 1)]
    anns: list[dict[str, Any]] = []
    dts: list[dict[str, Any]] = []
    aid = first_ann_id

    def box() -> list[float]:
        w, h = rng.uniform(2, 60, 2)
        return [float(rng.uniform(0, W - w)), float(rng.uniform(0, H - h)), float(w), float(h)]

    def poly(b: list[float]) -> list[list[float]]:
        x, y, w, h = b
        return [[x, y, x + w, y, x + w * 0.8, y + h, x, y + h * 0.9]]

    for k, im in enumerate(images):
        if k % 7 == 3:
            continue  # empty image: no ground truth, maybe detections
        boxes = []
        for _ in range(rng.poisson(gt_per)):
            b = box()
            c = int(rng.integers(1, n_cls + 1))
            a: dict[str, Any] = {
                "id": aid,
                "image_id": im["id"],
                "category_id": c,
                "bbox": b,
                "area": float(b[2] * b[3]),
                "iscrowd": int(rng.random() < 0.08),
            }
            if segm:
                a["segmentation"] = poly(b)
                a["area"] = float(b[2] * b[3] * 0.85)
            anns.append(a)
            aid += 1
            boxes.append((b, c))
    by_img: dict[int, list[tuple[list[float], int]]] = {}
    for a in anns:
        by_img.setdefault(a["image_id"], []).append((a["bbox"], a["category_id"]))
    for im in images:
        own = by_img.get(im["id"], [])
        for _ in range(rng.poisson(dt_per)):
            if own and rng.random() < 0.55:
                b0, c = own[int(rng.integers(len(own)))]
                j = rng.normal(0, 0.12, 4) * np.array([b0[2], b0[3], b0[2], b0[3]])
                b = [b0[0] + j[0], b0[1] + j[1], max(1.0, b0[2] + j[2]), max(1.0, b0[3] + j[3])]
                if rng.random() < 0.1:
                    c = int(rng.integers(1, n_cls + 3))  # sometimes wrong, sometimes an unknown class
            else:
                b, c = box(), int(rng.integers(1, n_cls + 3))
            d: dict[str, Any] = {
                "image_id": im["id"],
                "category_id": c,
                "bbox": [float(v) for v in b],
                "score": float(np.round(rng.random(), 1)),
            }  # coarse scores: many ties
            if segm:
                from pycocotools import mask as pmask

                rle = pmask.merge(pmask.frPyObjects(poly(d["bbox"]), H, W))
                rle["counts"] = rle["counts"].decode("ascii")
                d = {"image_id": d["image_id"], "category_id": c, "segmentation": rle, "score": d["score"]}
            dts.append(d)
    return {"images": images, "categories": cats, "annotations": anns}, dts


def pycoco_eval(gt: dict[str, Any], dt: list[dict[str, Any]], iou_type: str = "bbox", img_ids: Any = None) -> Any:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        g = COCO()
        g.dataset = copy.deepcopy(gt)
        g.createIndex()
        d = g.loadRes(copy.deepcopy(dt)) if dt else COCO()
        ev = COCOeval(g, d, iou_type)
        if img_ids is not None:
            ev.params.imgIds = list(img_ids)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev

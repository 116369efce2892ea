"""Decoding of Ultralytics YOLO export outputs (YOLOv5, YOLOv8, YOLO11) into boxes in input pixels, with NMS."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import UserInputError
from truthline.models.nms import PostprocessConfig, nms_classwise

YoloLayout = Literal["yolov5", "yolov8", "yolo11"]
YOLO_LAYOUTS: tuple[str, ...] = ("yolov5", "yolov8", "yolo11")
RawBoxes = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.int64]]


def _rows(output: npt.NDArray[np.float32], layout: str, num_classes: int | None) -> npt.NDArray[np.float32]:
    """(B, N, 4 [+1] + C) rows whatever the layout; checks the class count."""
    if output.ndim != 3:
        raise UserInputError(f"a {layout} output must have 3 dimensions, got shape {output.shape}")
    extra = 5 if layout == "yolov5" else 4
    rows = output if layout == "yolov5" else output.transpose(0, 2, 1)  # v8/11: (B, 4+C, N)
    c = rows.shape[2] - extra
    if c < 1 or (num_classes is not None and c != num_classes):
        raise UserInputError(
            f"{layout} output of shape {output.shape} holds {c} classes, the model has {num_classes}",
            fix="check --layout (yolov5: (1, N, 5+C); yolov8/yolo11: (1, 4+C, N)) and the class names",
        )
    return rows


def decode_yolo(
    output: npt.NDArray[np.float32], layout: str, config: PostprocessConfig, num_classes: int | None = None
) -> list[RawBoxes]:
    """Per image: boxes ``[x, y, w, h]`` in input pixels, scores and class ids after class-wise NMS.

    YOLOv5 rows are ``cx, cy, w, h, objectness, class probabilities`` (score = objectness x best class
    probability); YOLOv8/YOLO11 rows (the output transposed) are ``cx, cy, w, h, class scores`` with no
    objectness. Coordinates are in input (letterboxed) pixels, as Ultralytics exports them.
    """
    if layout not in YOLO_LAYOUTS:
        raise UserInputError(f"unknown YOLO layout {layout!r}", fix=f"use one of {', '.join(YOLO_LAYOUTS)}")
    rows = _rows(np.asarray(output, dtype=np.float32), layout, num_classes)
    out: list[RawBoxes] = []
    for r in rows:
        cls_scores = r[:, 5:] * r[:, 4:5] if layout == "yolov5" else r[:, 4:]
        class_ids = np.argmax(cls_scores, axis=1).astype(np.int64)
        scores = cls_scores[np.arange(len(r)), class_ids].astype(np.float32)
        cand = np.flatnonzero(scores >= config.score_threshold)
        cx, cy, w, h = (r[cand, i] for i in range(4))
        boxes = np.stack([cx - w / 2, cy - h / 2, w, h], axis=1).astype(np.float32)
        keep = nms_classwise(boxes, scores[cand], class_ids[cand], config)
        out.append((boxes[keep], scores[cand][keep], class_ids[cand][keep]))
    return out

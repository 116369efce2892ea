"""Model output layouts and their decoding: raw output tensors in, boxes in input pixels or class scores out.

Every adapter that runs a network (ONNX Runtime, PyTorch) decodes through :func:`decode_detections` or
:func:`decode_class_scores`, so one layout means one decoding whatever runs the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import UserInputError
from truthline.models.centernet_head import CENTERNET_LAYOUT, decode_centernet
from truthline.models.nms import PostprocessConfig
from truthline.models.yolo_layouts import YOLO_LAYOUTS, decode_yolo

RawBoxes = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.int64]]

GENERIC_DETECTOR_LAYOUT = "xyxy-score-class"
CLASSIFIER_LAYOUTS = ("probabilities", "logits")
DETECTOR_LAYOUTS = (CENTERNET_LAYOUT, *YOLO_LAYOUTS, GENERIC_DETECTOR_LAYOUT)

LAYOUT_HELP = {
    CENTERNET_LAYOUT: "truthline's built-in detector: (B, C+4, H, W) heatmaps, size and offset at a stride",
    "yolov5": "Ultralytics YOLOv5 export: (B, N, 5+C) cx, cy, w, h, objectness, class probabilities",
    "yolov8": "Ultralytics YOLOv8 export: (B, 4+C, N) cx, cy, w, h, class scores",
    "yolo11": "Ultralytics YOLO11 export: same as yolov8",
    GENERIC_DETECTOR_LAYOUT: "detections after NMS: one (B, N, 6) output [x1, y1, x2, y2, score, class] or three "
    "outputs boxes (B, N, 4) xyxy, scores (B, N), classes (B, N); input pixels",
    "probabilities": "classifier: (B, C) class probabilities",
    "logits": "classifier: (B, C) logits, softmax applied here",
}


def task_of(layout: str) -> Literal["detect", "classify"]:
    if layout in DETECTOR_LAYOUTS:
        return "detect"
    if layout in CLASSIFIER_LAYOUTS:
        return "classify"
    raise UserInputError(
        f"unknown model output layout {layout!r}",
        fix="use one of " + ", ".join((*DETECTOR_LAYOUTS, *CLASSIFIER_LAYOUTS)),
    )


def _generic(outputs: Sequence[npt.NDArray[np.float32]], config: PostprocessConfig) -> list[RawBoxes]:
    if len(outputs) >= 3:
        boxes, scores, classes = (np.asarray(o, dtype=np.float32) for o in outputs[:3])
    else:
        det = np.asarray(outputs[0], dtype=np.float32)
        if det.ndim != 3 or det.shape[2] != 6:
            raise UserInputError(f"a {GENERIC_DETECTOR_LAYOUT} output must be (B, N, 6), got {det.shape}")
        boxes, scores, classes = det[..., :4], det[..., 4], det[..., 5]
    res: list[RawBoxes] = []
    for b, s, c in zip(boxes.reshape(len(boxes), -1, 4), scores.reshape(len(boxes), -1), classes, strict=True):
        keep = np.flatnonzero(s >= config.score_threshold)
        keep = keep[np.argsort(-s[keep], kind="stable")][: config.max_detections]
        xywh = np.concatenate([b[keep, :2], b[keep, 2:] - b[keep, :2]], axis=1).astype(np.float32)
        res.append((xywh, s[keep].astype(np.float32), c.reshape(-1)[keep].astype(np.int64)))
    return res


def decode_detections(
    outputs: Sequence[npt.NDArray[np.float32]],
    layout: str,
    config: PostprocessConfig,
    *,
    num_classes: int | None = None,
    stride: int | None = None,
) -> list[RawBoxes]:
    """Raw outputs of a batch to per-image (boxes xywh in input pixels, scores, class ids)."""
    if layout == CENTERNET_LAYOUT:
        if not stride:
            raise UserInputError(f"layout {layout} needs the head's stride", fix="pass stride= (e.g. 4)")
        return decode_centernet(outputs[0], stride, config, num_classes)
    if layout in YOLO_LAYOUTS:
        return decode_yolo(outputs[0], layout, config, num_classes)
    if layout == GENERIC_DETECTOR_LAYOUT:
        return _generic(outputs, config)
    task_of(layout)
    raise UserInputError(f"layout {layout!r} is a classifier layout, not a detector's")


def decode_class_scores(
    outputs: Sequence[npt.NDArray[np.float32]], layout: str, num_classes: int | None = None
) -> npt.NDArray[np.float32]:
    """Raw classifier output to (B, C) probabilities."""
    if layout not in CLASSIFIER_LAYOUTS:
        raise UserInputError(f"layout {layout!r} is not a classifier layout", fix="use probabilities or logits")
    x = np.asarray(outputs[0], dtype=np.float32).reshape(len(outputs[0]), -1)
    if num_classes is not None and x.shape[1] != num_classes:
        raise UserInputError(f"the classifier outputs {x.shape[1]} scores, the model names {num_classes} classes")
    if layout == "logits":
        e = np.exp(x - x.max(axis=1, keepdims=True))
        x = e / e.sum(axis=1, keepdims=True)
    return x.astype(np.float32)

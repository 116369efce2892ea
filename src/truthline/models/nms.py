"""Postprocessing thresholds and class-wise non-maximum suppression (OpenCV's, never a Python loop)."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field


class PostprocessConfig(BaseModel):
    """Which raw detections a detector keeps: score floor, class-wise NMS IoU, cap per image."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    score_threshold: float = 0.05
    iou_threshold: float = Field(default=0.5, gt=0.0, le=1.0)
    max_detections: int = Field(default=100, ge=1)


def nms_classwise(
    boxes_xywh: npt.NDArray[np.float32],
    scores: npt.NDArray[np.float32],
    class_ids: npt.NDArray[np.int64],
    config: PostprocessConfig,
) -> npt.NDArray[np.int64]:
    """Indices kept by class-wise NMS (boxes of different classes never suppress each other), best first."""
    keep_score = np.flatnonzero(scores >= config.score_threshold)
    if keep_score.size == 0:
        return np.zeros(0, dtype=np.int64)
    b = np.ascontiguousarray(boxes_xywh[keep_score], dtype=np.float32)
    s = np.ascontiguousarray(scores[keep_score], dtype=np.float32)
    c = np.ascontiguousarray(class_ids[keep_score], dtype=np.int32)
    kept = np.asarray(
        cv2.dnn.NMSBoxesBatched(b, s, c, config.score_threshold, config.iou_threshold),  # type: ignore[arg-type]
        dtype=np.int64,
    ).reshape(-1)
    kept = kept[np.argsort(-s[kept], kind="stable")][: config.max_detections]
    return keep_score[kept].astype(np.int64)

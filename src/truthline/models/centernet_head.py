"""The head of truthline's built-in detector, decoded in numpy: per-class centre heatmaps, box size and offset.

Output tensor (B, C + 4, H, W) at ``stride`` input pixels per cell: channels ``0..C-1`` are centre probabilities
per class (sigmoid applied in the graph), ``C, C+1`` the box width and height in cells, ``C+2, C+3`` the centre's
offset within its cell. The PyTorch trainer, the PyTorch adapter and the ONNX adapter all decode with
:func:`decode_centernet`, so an exported model serves exactly what was validated.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from truthline.domain.errors import UserInputError
from truthline.models.nms import PostprocessConfig, nms_classwise

CENTERNET_LAYOUT = "truthline-centernet"
RawBoxes = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.int64]]
_KERNEL = np.ones((3, 3), np.uint8)


def decode_centernet(
    output: npt.NDArray[np.float32], stride: int, config: PostprocessConfig, num_classes: int | None = None
) -> list[RawBoxes]:
    """Per image: boxes ``[x, y, w, h]`` in input pixels, scores and class ids.

    A detection is a local maximum of its class heatmap (3x3, as CenterNet's max-pool) at or above the score
    threshold; the best ``max_detections`` go through class-wise NMS at ``config.iou_threshold``.
    """
    out4 = np.asarray(output, dtype=np.float32)
    if out4.ndim != 4 or out4.shape[1] < 5:
        raise UserInputError(f"a {CENTERNET_LAYOUT} output must be (B, C+4, H, W), got {out4.shape}")
    C = out4.shape[1] - 4
    if num_classes is not None and num_classes != C:
        raise UserInputError(f"the detector head has {C} classes, the model names {num_classes}")
    results: list[RawBoxes] = []
    for o in out4:
        heat = np.ascontiguousarray(o[:C].transpose(1, 2, 0))  # H, W, C
        pooled = cv2.dilate(heat, _KERNEL).reshape(heat.shape)
        peaks = (heat == pooled) & (heat >= config.score_threshold)
        ys, xs, cs = np.nonzero(peaks)
        scores = heat[ys, xs, cs]
        order = np.argsort(-scores, kind="stable")[: config.max_detections * 4]
        ys, xs, cs, scores = ys[order], xs[order], cs[order], scores[order]
        w = np.maximum(o[C, ys, xs], 0.0) * stride
        h = np.maximum(o[C + 1, ys, xs], 0.0) * stride
        cx = (xs + o[C + 2, ys, xs]) * stride
        cy = (ys + o[C + 3, ys, xs]) * stride
        boxes = np.stack([cx - w / 2, cy - h / 2, w, h], axis=1).astype(np.float32)
        class_ids = cs.astype(np.int64)
        keep = nms_classwise(boxes, scores.astype(np.float32), class_ids, config)
        results.append((boxes[keep], scores[keep].astype(np.float32), class_ids[keep]))
    return results

"""Ultralytics YOLO layouts: a tiny graph exported to ONNX in each layout is decoded, NMS'd and un-letterboxed."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from truthline.domain.errors import UserInputError
from truthline.models import Detections, PostprocessConfig, PreprocessSpec, load_model

# Three candidate boxes in a 64x64 letterboxed input (cx, cy, w, h), two classes:
# 0: class 0, the best; 1: class 0 overlapping 0 (suppressed); 2: class 1 overlapping 0 (kept: other class)
BOXES = [[32.0, 32.0, 16.0, 8.0], [33.0, 32.0, 16.0, 8.0], [32.0, 33.0, 16.0, 8.0]]
CLASS_SCORES = [[0.9, 0.05], [0.8, 0.1], [0.1, 0.7]]
OBJECTNESS = [1.0, 1.0, 1.0]


class Constant(nn.Module):
    """Emits a fixed detection tensor per input image, as an exported YOLO head would."""

    def __init__(self, rows: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("rows", rows)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rows.unsqueeze(0).expand(x.shape[0], -1, -1) + x.mean() * 0.0


def _export(layout: str, path: Path) -> Path:
    b, c = torch.tensor(BOXES), torch.tensor(CLASS_SCORES)
    if layout == "yolov5":
        rows = torch.cat([b, torch.tensor(OBJECTNESS)[:, None], c], dim=1)  # (N, 5+C)
    else:
        rows = torch.cat([b, c], dim=1).T.contiguous()  # (4+C, N)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Constant(rows),
            (torch.zeros(1, 3, 64, 64),),
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=["images"],
            output_names=["output0"],
            dynamic_axes={"images": {0: "b"}, "output0": {0: "b"}},
        )
    return path


@pytest.mark.parametrize("layout", ["yolov5", "yolov8", "yolo11"])
def test_decodes_nms_and_maps_back_through_the_letterbox(layout: str, tmp_path: Path) -> None:
    path = _export(layout, tmp_path / f"{layout}.onnx")
    model = load_model(
        "onnx",
        path,
        PreprocessSpec.ultralytics(64),
        layout=layout,
        class_names=["a", "b"],
        postprocess=PostprocessConfig(score_threshold=0.25, iou_threshold=0.45),
    )
    image = np.zeros((64, 128, 3), np.uint8)  # scale 0.5, 16 px padding above and below
    (dets,) = model.predict([image])
    assert isinstance(dets, Detections)
    order = np.argsort(dets.class_ids)
    assert dets.class_ids[order].tolist() == [0, 1]
    assert np.allclose(dets.scores[order], [0.9, 0.7], atol=1e-6)
    # input box (24, 28, 16, 8) -> original ((24 - 0) / 0.5, (28 - 16) / 0.5, 32, 16)
    assert np.allclose(dets.boxes[order][0], [48, 24, 32, 16], atol=1e-4)
    assert np.allclose(dets.boxes[order][1], [48, 26, 32, 16], atol=1e-4)
    assert dets.timings.batch_size == 1


def test_wrong_class_count_is_a_clear_error(tmp_path: Path) -> None:
    path = _export("yolov8", tmp_path / "v8.onnx")
    model = load_model("onnx", path, PreprocessSpec.ultralytics(64), layout="yolov8", class_names=["a", "b", "c"])
    with pytest.raises(UserInputError, match="holds 2 classes"):
        model.predict([np.zeros((64, 64, 3), np.uint8)])


def test_foreign_onnx_needs_spec_and_layout(tmp_path: Path) -> None:
    path = _export("yolov8", tmp_path / "v8.onnx")
    with pytest.raises(UserInputError, match="preprocessing spec"):
        load_model("onnx", path, layout="yolov8", class_names=["a", "b"])
    with pytest.raises(UserInputError, match="layout"):
        load_model("onnx", path, PreprocessSpec.ultralytics(64), class_names=["a", "b"])

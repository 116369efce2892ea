"""The JSON config stored with a model version: format, task, output layout, class names, preprocessing."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from truthline.domain.errors import FormatError
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import PreprocessSpec

ModelFormat = Literal["onnx", "torch", "opencv", "predictions"]


class ModelConfig(BaseModel):
    """Everything besides the model file that ``load_model`` needs to rebuild an adapter.

    ``format``: ``onnx`` (file: the .onnx bytes), ``torch`` (TorchScript or truthline checkpoint), ``opencv``
    (no file: ``name`` such as ``opencv:hog-people``), ``predictions`` (file: a COCO results JSON).
    ``layout`` names how the outputs are decoded (``truthline-centernet``, ``yolov5``, ``yolov8``, ``yolo11``,
    ``xyxy-score-class``, ``probabilities``, ``logits``; OpenCV and predictions files need none).
    ``options`` holds adapter settings (e.g. HOG's ``win_stride``), JSON values only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: ModelFormat
    task: Literal["detect", "classify"] = "detect"
    layout: str | None = None
    class_names: list[str] = Field(default_factory=list)
    preprocess: PreprocessSpec
    postprocess: PostprocessConfig = Field(default_factory=PostprocessConfig)
    stride: int | None = None
    name: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)

    @staticmethod
    def from_json(text: str | bytes, *, where: str = "model config") -> ModelConfig:
        try:
            return ModelConfig.model_validate_json(text)
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise FormatError(f"invalid model config: {first['msg']}", where=f"{where}:{loc}") from None

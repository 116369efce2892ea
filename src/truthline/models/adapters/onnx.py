"""ONNX Runtime adapter: truthline's own exports, Ultralytics YOLO exports and generic detector/classifier graphs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import FormatError, UserInputError
from truthline.models.adapters.network import NetworkClassifier, NetworkDetector
from truthline.models.decoding import task_of
from truthline.models.model_config import ModelConfig
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import PreprocessSpec

METADATA_KEY = "truthline.model"


class OnnxRunner:
    """One CPU InferenceSession; feeds the first input and returns every output as numpy."""

    def __init__(self, model: str | Path | bytes, threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        src = model if isinstance(model, bytes) else str(model)
        if not isinstance(model, bytes) and not Path(model).is_file():
            raise UserInputError(f"no ONNX file {model}", fix="pass the path of an .onnx model")
        try:
            self.session = ort.InferenceSession(src, sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as e:
            raise FormatError(f"ONNX Runtime cannot load the model: {e}", where=str(model)[:200]) from None
        self.input_name = self.session.get_inputs()[0].name
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)

    def __call__(self, tensor: npt.NDArray[Any]) -> list[npt.NDArray[np.float32]]:
        return [np.asarray(o) for o in self.session.run(None, {self.input_name: tensor})]

    def embedded_config(self) -> ModelConfig | None:
        """The model config a truthline export stores in its metadata, if any."""
        text = self.metadata.get(METADATA_KEY)
        return ModelConfig.from_json(text, where="onnx metadata") if text else None


def onnx_model(
    model: str | Path | bytes,
    preprocess: PreprocessSpec | None = None,
    class_names: Sequence[str] | None = None,
    *,
    layout: str | None = None,
    postprocess: PostprocessConfig | None = None,
    stride: int | None = None,
    threads: int | None = None,
) -> NetworkDetector | NetworkClassifier:
    """A detector or classifier (by ``layout``) that runs an ONNX graph with ONNX Runtime on the CPU.

    Arguments left ``None`` come from the config a truthline export embeds; a foreign graph (Ultralytics,
    generic) needs ``preprocess``, ``class_names`` and ``layout``.
    """
    runner = OnnxRunner(model, threads)
    embedded = runner.embedded_config()
    preprocess = preprocess or (embedded.preprocess if embedded else None)
    names = list(class_names) if class_names else (embedded.class_names if embedded else [])
    layout = layout or (embedded.layout if embedded else None)
    stride = stride or (embedded.stride if embedded else None)
    if preprocess is None or layout is None:
        raise UserInputError(
            "this ONNX model carries no truthline config",
            fix="give its preprocessing spec and --layout (yolov5, yolov8, yolo11, xyxy-score-class, probabilities)",
        )
    if task_of(layout) == "classify":
        return NetworkClassifier(runner, preprocess, names, layout=layout)
    post = postprocess or (embedded.postprocess if embedded else None)
    return NetworkDetector(runner, preprocess, names, layout=layout, postprocess=post, stride=stride)

"""Export of the built-in networks to ONNX (opset 17, dynamic batch), with the model config embedded."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from truthline.models.model_config import ModelConfig
from truthline.models.preprocess import PreprocessSpec

OPSET = 17
METADATA_KEY = "truthline.model"


def export_onnx(module: nn.Module, path: str | Path, spec: PreprocessSpec, config: ModelConfig) -> Path:
    """Write ``module`` as ONNX with input ``images`` (N, 3, H, W) and output ``output``, batch axis dynamic.

    The model config (layout, class names, preprocessing) is stored in the file's ``metadata_props`` under
    ``truthline.model``, so ``load_model("onnx", path)`` can rebuild the adapter from the file alone.
    """
    if spec.input_size is None or spec.layout != "nchw" or spec.dtype != "float32":
        raise ValueError("ONNX export of a built-in network needs a fixed-size float32 NCHW preprocessing spec")
    w, h = spec.input_size
    p = Path(path)
    dummy = torch.zeros(1, 3, h, w, dtype=torch.float32)
    module = module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter is deprecated; onnxscript is not installed
        torch.onnx.export(
            module,
            (dummy,),
            str(p),
            dynamo=False,
            opset_version=OPSET,
            input_names=["images"],
            output_names=["output"],
            dynamic_axes={"images": {0: "batch"}, "output": {0: "batch"}},
            do_constant_folding=True,
        )
    model = onnx.load(str(p))
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, config.to_json()
    onnx.save(model, str(p))
    return p


def max_abs_difference(module: nn.Module, onnx_path: str | Path, tensor: np.ndarray) -> float:
    """Largest absolute difference between PyTorch's and ONNX Runtime's outputs on ``tensor`` (parity check)."""
    import onnxruntime as ort

    with torch.inference_mode():
        ref = module.eval()(torch.from_numpy(tensor)).numpy()
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: tensor})[0]
    return float(np.max(np.abs(ref - np.asarray(got))))

"""PyTorch adapter: an nn.Module, a TorchScript file or a truthline checkpoint, run on the CPU."""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from truthline.domain.errors import FormatError, UserInputError
from truthline.models.adapters.network import NetworkClassifier, NetworkDetector
from truthline.models.decoding import task_of
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import PreprocessSpec

ARCHITECTURES = ("CenterNetLite", "SmallClassifier")


class TorchRunner:
    """Runs a module in eval mode under ``inference_mode`` and returns its outputs as numpy arrays."""

    def __init__(self, module: nn.Module | torch.jit.ScriptModule) -> None:
        self.module = module.eval()

    def __call__(self, tensor: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
        with torch.inference_mode():
            out: Any = self.module(torch.from_numpy(tensor))
        outs = out if isinstance(out, list | tuple) else [out]
        return [o.detach().cpu().numpy() for o in outs]


def save_checkpoint(
    module: nn.Module, path: str | Path, *, arch: str, num_classes: int, width: int, config_json: str = ""
) -> Path:
    """Write a truthline checkpoint (architecture, its arguments, state dict, model config JSON).

    Only tensors, numbers and strings: it loads with ``torch.load(weights_only=True)``.
    """
    if arch not in ARCHITECTURES:
        raise UserInputError(f"unknown architecture {arch!r}", fix=f"use one of {', '.join(ARCHITECTURES)}")
    p = Path(path)
    state = {"arch": arch, "num_classes": num_classes, "width": width, "config": config_json}
    torch.save({**state, "state_dict": module.state_dict()}, p)
    return p


def _is_torchscript(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any(n.endswith("constants.pkl") for n in z.namelist())


def checkpoint_config(path: str | Path) -> str | None:
    """The model config JSON stored in a truthline checkpoint, if ``path`` is one."""
    if not Path(path).is_file() or _is_torchscript(Path(path)):
        return None
    try:
        ckpt = torch.load(Path(path), map_location="cpu", weights_only=True)
    except Exception:
        return None
    if not isinstance(ckpt, dict):
        return None
    return str(ckpt.get("config") or "") or None


def load_torch_module(path: str | Path) -> nn.Module | torch.jit.ScriptModule:
    """A TorchScript file (``torch.jit.save``) or a truthline checkpoint (:func:`save_checkpoint`)."""
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"no model file {p}", fix="pass the path of a TorchScript or truthline checkpoint")
    if _is_torchscript(p):
        with warnings.catch_warnings():  # TorchScript is deprecated upstream; files made with it still load
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(str(p), map_location="cpu")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:
        raise FormatError(f"not a TorchScript file or truthline checkpoint: {e}", where=str(p)) from None
    if not isinstance(ckpt, dict) or ckpt.get("arch") not in ARCHITECTURES:
        raise FormatError(
            "a plain state dict or pickled module cannot be rebuilt safely",
            where=str(p),
            fix="save the model with torch.jit.save, export it to ONNX, or use a truthline checkpoint",
        )
    from truthline.models.networks import CenterNetLite, SmallClassifier

    cls = CenterNetLite if ckpt["arch"] == "CenterNetLite" else SmallClassifier
    module = cls(int(ckpt["num_classes"]), width=int(ckpt["width"]))
    module.load_state_dict(ckpt["state_dict"])
    return module.eval()


def torch_model(
    module: nn.Module | torch.jit.ScriptModule | str | Path,
    preprocess: PreprocessSpec,
    class_names: Sequence[str],
    *,
    layout: str,
    postprocess: PostprocessConfig | None = None,
    stride: int | None = None,
) -> NetworkDetector | NetworkClassifier:
    """A detector or classifier (by ``layout``) that runs a PyTorch module."""
    m = load_torch_module(module) if isinstance(module, str | Path) else module
    runner = TorchRunner(m)
    if task_of(layout) == "classify":
        return NetworkClassifier(runner, preprocess, class_names, layout=layout)
    if stride is None:
        stride = getattr(m, "stride", None)
    return NetworkDetector(runner, preprocess, class_names, layout=layout, postprocess=postprocess, stride=stride)

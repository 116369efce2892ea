"""What a built-in trainer returns, and the run-time setup every trainer shares (seed, threads, clock)."""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from truthline.models.adapters.network import NetworkClassifier, NetworkDetector
from truthline.models.adapters.torch import save_checkpoint, torch_model
from truthline.models.model_config import ModelConfig
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import PreprocessSpec

EpochCallback = Callable[[int, dict[str, float]], Any]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TrainConfig(BaseModel):
    """Settings every built-in trainer takes (stored with the training run); each trainer sets its defaults."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    epochs: int = Field(default=10, ge=1)
    batch_size: int = Field(default=32, ge=1)
    lr: float = Field(default=3e-3, gt=0)
    weight_decay: float = Field(default=1e-4, ge=0)
    input_size: tuple[int, int] = (128, 128)
    width: int = Field(default=32, ge=8)
    seed: int = 0
    time_budget_s: float | None = Field(default=None, gt=0)
    threads: int = Field(default=2, ge=1)
    flip: bool = True
    val_every: int = Field(default=1, ge=1)
    preprocess: PreprocessSpec | None = None

    def optimiser(self, net: nn.Module, n_train: int) -> tuple[torch.optim.Optimizer, Any]:
        """AdamW with a one-cycle schedule over every step of every epoch (the same for every built-in trainer)."""
        total = self.epochs * math.ceil(n_train / self.batch_size)
        opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.lr, total_steps=total, pct_start=0.15)
        return opt, sched

    def spec(self) -> PreprocessSpec:
        """The preprocessing the network trains with: the given spec, else resize + RGB + ImageNet normalisation."""
        return self.preprocess or PreprocessSpec(
            input_size=self.input_size, mode="resize", colour="rgb", mean=IMAGENET_MEAN, std=IMAGENET_STD
        )


@contextlib.contextmanager
def seeded_cpu(seed: int, threads: int) -> Iterator[None]:
    """Seed Python, numpy and torch and use ``threads`` CPU threads; restore the thread count afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Clock:
    """Seconds since start, and whether an optional budget is spent."""

    def __init__(self, budget_s: float | None) -> None:
        self.t0 = time.perf_counter()
        self.budget_s = budget_s

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def spent(self) -> bool:
        return self.budget_s is not None and self.elapsed >= self.budget_s


@dataclass
class TrainedModel:
    """A trained built-in network with everything needed to serve and register it.

    ``history`` holds one dict of metrics per epoch (``epoch``, ``train_loss``, validation figures, ``seconds``);
    ``stopped`` is ``"epochs"``, ``"time_budget"`` or ``"callback"``.
    """

    module: nn.Module
    task: Literal["detect", "classify"]
    layout: str
    class_names: tuple[str, ...]
    preprocess: PreprocessSpec
    config: BaseModel
    arch: str
    width: int
    stride: int | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str = "epochs"

    @property
    def final_metrics(self) -> dict[str, float]:
        return dict(self.history[-1]) if self.history else {}

    def model_config(self, format: Literal["onnx", "torch"] = "onnx") -> ModelConfig:
        """The JSON-able config that, with the exported file, rebuilds this model through ``load_model``."""
        return ModelConfig(
            format=format,
            task=self.task,
            layout=self.layout,
            class_names=list(self.class_names),
            preprocess=self.preprocess,
            stride=self.stride,
        )

    def adapter(self, postprocess: PostprocessConfig | None = None) -> NetworkDetector | NetworkClassifier:
        """The in-process PyTorch adapter (the same decode the ONNX adapter uses)."""
        return torch_model(
            self.module,
            self.preprocess,
            self.class_names,
            layout=self.layout,
            postprocess=postprocess,
            stride=self.stride,
        )

    def save_checkpoint(self, path: str | Path) -> Path:
        """A truthline checkpoint (state dict + model config) that ``load_model("torch", path)`` rebuilds."""
        return save_checkpoint(
            self.module,
            path,
            arch=self.arch,
            num_classes=len(self.class_names),
            width=self.width,
            config_json=self.model_config("torch").to_json(),
        )

    def export_onnx(self, path: str | Path) -> Path:
        """ONNX (opset 17, dynamic batch, input ``images``, output ``output``) with the model config embedded."""
        from truthline.models.export import export_onnx

        return export_onnx(self.module.eval(), path, self.preprocess, self.model_config("onnx"))

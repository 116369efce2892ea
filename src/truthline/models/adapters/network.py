"""Detectors and classifiers around any tensor-in, tensors-out runner: preprocess, run, decode, map boxes back."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from truthline.domain.errors import UserInputError
from truthline.models.decoding import decode_class_scores, decode_detections, task_of
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import PreprocessSpec, preprocess
from truthline.models.results import ClassScores, Detections, Image, Timings

Runner = Callable[[npt.NDArray[np.float32]], list[npt.NDArray[np.float32]]]


def _ms(t0: float, t1: float) -> float:
    return (t1 - t0) * 1000.0


class NetworkDetector:
    """A detector made of the shared preprocessing, a runner (ONNX Runtime session, PyTorch module) and a layout.

    ``predict`` calls :func:`preprocess`, the runner, :func:`decode_detections`, then maps every box back to
    original pixels with the image's :class:`Transform`.
    """

    task: Literal["detect"] = "detect"

    def __init__(
        self,
        runner: Runner,
        preprocess: PreprocessSpec,
        class_names: Sequence[str],
        *,
        layout: str,
        postprocess: PostprocessConfig | None = None,
        stride: int | None = None,
    ) -> None:
        if task_of(layout) != "detect":
            raise UserInputError(f"layout {layout!r} is a classifier's", fix="load it as a classifier")
        if not class_names:
            raise UserInputError("a detector needs its class names", fix="pass class_names in taxonomy order")
        self.runner = runner
        self.preprocess = preprocess
        self.class_names = tuple(class_names)
        self.layout = layout
        self.postprocess = postprocess or PostprocessConfig()
        self.stride = stride

    def predict(self, images: Sequence[Image]) -> list[Detections]:
        if len(images) == 0:
            return []
        t0 = time.perf_counter()
        tensor, transforms = preprocess(images, self.preprocess)
        t1 = time.perf_counter()
        outputs = self.runner(tensor)
        t2 = time.perf_counter()
        raw = decode_detections(
            outputs, self.layout, self.postprocess, num_classes=len(self.class_names), stride=self.stride
        )
        mapped = [(tr.to_original(b), s, c) for (b, s, c), tr in zip(raw, transforms, strict=True)]
        t3 = time.perf_counter()
        timings = Timings(_ms(t0, t1), _ms(t1, t2), _ms(t2, t3), len(images))
        return [Detections.build(b, s, c, timings) for b, s, c in mapped]


class NetworkClassifier:
    """A classifier made of the shared preprocessing, a runner and a ``probabilities``/``logits`` layout."""

    task: Literal["classify"] = "classify"

    def __init__(
        self, runner: Runner, preprocess: PreprocessSpec, class_names: Sequence[str], *, layout: str = "probabilities"
    ) -> None:
        if task_of(layout) != "classify":
            raise UserInputError(f"layout {layout!r} is a detector's", fix="load it as a detector")
        if not class_names:
            raise UserInputError("a classifier needs its class names", fix="pass class_names in taxonomy order")
        self.runner = runner
        self.preprocess = preprocess
        self.class_names = tuple(class_names)
        self.layout = layout

    def predict(self, images: Sequence[Image]) -> ClassScores:
        if len(images) == 0:
            return ClassScores(np.zeros((0, len(self.class_names)), np.float32))
        t0 = time.perf_counter()
        tensor, _ = preprocess(images, self.preprocess)
        t1 = time.perf_counter()
        outputs = self.runner(tensor)
        t2 = time.perf_counter()
        scores = decode_class_scores(outputs, self.layout, len(self.class_names))
        t3 = time.perf_counter()
        return ClassScores(scores, Timings(_ms(t0, t1), _ms(t1, t2), _ms(t2, t3), len(images)))

"""Models engine: adapters behind one interface, the one preprocessing path, built-in trainers, bench.

Arrays and domain types in, results out; no store, no CLI (see docs/models.md):

- ``PreprocessSpec``, ``preprocess``, ``Transform``, ``check_same_spec``: the only preprocessing path.
- ``Detections``, ``ClassScores``, ``Timings``; protocols ``Detector`` and ``Classifier``.
- ``load_model``, ``resolve_config``, ``load_model_from_config``, ``ModelConfig``: adapters by format
  (onnx incl. Ultralytics YOLOv5/v8/11 layouts, torch, opencv:hog-people / opencv:haar-*, predictions).
- ``train_detector``, ``train_classifier`` (+ configs, ``TrainedModel``): built-in PyTorch trainers.
- ``bench``; ``environment_snapshot``, ``code_ref``.

PyTorch is imported only by the trainers and the torch adapter (attributes below load it on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from truthline.models.adapters.opencv import opencv_names
from truthline.models.bench import BatchBench, bench
from truthline.models.decoding import CLASSIFIER_LAYOUTS, DETECTOR_LAYOUTS, LAYOUT_HELP
from truthline.models.environment import code_ref, environment_snapshot
from truthline.models.loading import as_classifier, as_detector, load_model, load_model_from_config, resolve_config
from truthline.models.model_config import ModelConfig
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import PreprocessSpec, Transform, check_same_spec, preprocess
from truthline.models.results import Classifier, ClassScores, Detections, Detector, Timings

if TYPE_CHECKING:
    from truthline.models.classifier_training import ClassifierTrainConfig, train_classifier
    from truthline.models.detector_training import DetectorTrainConfig, train_detector
    from truthline.models.trained import TrainedModel

_LAZY = {
    "ClassifierTrainConfig": "truthline.models.classifier_training",
    "train_classifier": "truthline.models.classifier_training",
    "DetectorTrainConfig": "truthline.models.detector_training",
    "train_detector": "truthline.models.detector_training",
    "TrainedModel": "truthline.models.trained",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'truthline.models' has no attribute {name!r}")


__all__ = [
    "CLASSIFIER_LAYOUTS",
    "DETECTOR_LAYOUTS",
    "LAYOUT_HELP",
    "BatchBench",
    "ClassScores",
    "Classifier",
    "ClassifierTrainConfig",
    "Detections",
    "Detector",
    "DetectorTrainConfig",
    "ModelConfig",
    "PostprocessConfig",
    "PreprocessSpec",
    "Timings",
    "TrainedModel",
    "Transform",
    "as_classifier",
    "as_detector",
    "bench",
    "check_same_spec",
    "code_ref",
    "environment_snapshot",
    "load_model",
    "load_model_from_config",
    "opencv_names",
    "preprocess",
    "resolve_config",
    "train_classifier",
    "train_detector",
]

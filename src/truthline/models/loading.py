"""``load_model``: one factory from a format, a file or name and a config to the right adapter."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from truthline.domain.errors import UserInputError
from truthline.models.decoding import task_of
from truthline.models.model_config import ModelConfig
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import PreprocessSpec
from truthline.models.results import Classifier, Detector

FORMAT_ALIASES = {
    "onnx": "onnx",
    "torch": "torch",
    "pytorch": "torch",
    "torchscript": "torch",
    "opencv": "opencv",
    "predictions": "predictions",
    "coco-results": "predictions",
}

Source = str | Path | bytes | Any  # a file path, file bytes, an opencv name or an in-process nn.Module


def _format(fmt: str | None, source: Source) -> str:
    if fmt is None and isinstance(source, str) and source.startswith("opencv:"):
        return "opencv"
    if fmt is None or fmt.lower() not in FORMAT_ALIASES:
        raise UserInputError(f"unknown model format {fmt!r}", fix="use onnx, torch, opencv or predictions")
    return FORMAT_ALIASES[fmt.lower()]


def _embedded(fmt: str, source: Source) -> ModelConfig | None:
    """The config a truthline ONNX export or checkpoint carries, if any."""
    if fmt == "onnx" and isinstance(source, str | Path | bytes):
        import onnx

        try:
            model = (
                onnx.load_from_string(source)
                if isinstance(source, bytes)
                else onnx.load(str(source), load_external_data=False)
            )
        except Exception:
            return None
        meta = {p.key: p.value for p in model.metadata_props}
        text = meta.get("truthline.model")
        return ModelConfig.from_json(text, where="onnx metadata") if text else None
    if fmt == "torch" and isinstance(source, str | Path):
        from truthline.models.adapters.torch import checkpoint_config

        text = checkpoint_config(source)
        return ModelConfig.from_json(text, where="checkpoint") if text else None
    return None


def resolve_config(
    format: str | None,
    source: Source = None,
    preprocess: PreprocessSpec | None = None,
    *,
    layout: str | None = None,
    class_names: list[str] | tuple[str, ...] | None = None,
    postprocess: PostprocessConfig | None = None,
    stride: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> ModelConfig:
    """The complete :class:`ModelConfig` to store with a model version (fails if anything needed is missing).

    Values given here win over those embedded in a truthline ONNX export or checkpoint. OpenCV detectors
    default to :meth:`PreprocessSpec.opencv_native`; every other model needs a spec (given or embedded).
    """
    fmt = _format(format, source)
    emb = _embedded(fmt, source)
    opts = dict(options or {})
    if fmt == "opencv":
        from truthline.models.adapters.opencv import opencv_model

        if not isinstance(source, str):
            raise UserInputError("an OpenCV model is named, e.g. opencv:hog-people")
        adapter = opencv_model(source, preprocess, postprocess, **opts)
        return ModelConfig(
            format="opencv",
            task="detect",
            class_names=list(adapter.class_names),
            preprocess=adapter.preprocess,
            postprocess=adapter.postprocess,
            name=source if source.startswith("opencv:") else f"opencv:{source}",
            options=adapter.options,
        )
    names = list(class_names) if class_names else (emb.class_names if emb else [])
    if not names:
        raise UserInputError("the model's class names are missing", fix="pass class_names in taxonomy order")
    if fmt == "predictions":
        return ModelConfig(
            format="predictions",
            class_names=names,
            preprocess=preprocess or PreprocessSpec.opencv_native(),
            options=opts,
        )
    spec = preprocess or (emb.preprocess if emb else None)
    if spec is None:
        raise UserInputError(
            "a model cannot be registered without its preprocessing spec",
            fix="pass the spec it was trained with (input size, resize/letterbox, colour order, normalisation)",
        )
    lay = layout or (emb.layout if emb else None)
    if lay is None:
        raise UserInputError("the model's output layout is missing", fix="pass --layout (e.g. yolov8)")
    return ModelConfig(
        format=fmt,  # type: ignore[arg-type]
        task=task_of(lay),
        layout=lay,
        class_names=names,
        preprocess=spec,
        postprocess=postprocess or (emb.postprocess if emb else PostprocessConfig()),
        stride=stride or (emb.stride if emb else None),
        options=opts,
    )


def load_model_from_config(config: ModelConfig, source: Source = None) -> Detector | Classifier:
    """Rebuild the adapter from a stored config and the model file (path or bytes; ``None`` for OpenCV)."""
    if config.format == "opencv":
        from truthline.models.adapters.opencv import opencv_model

        return opencv_model(config.name or "", config.preprocess, config.postprocess, **config.options)
    if config.format == "predictions":
        from truthline.models.adapters.predictions import PredictionsFileDetector

        if source is None:
            raise UserInputError("a predictions model needs its COCO results file")
        opts = dict(config.options)
        return PredictionsFileDetector(
            source,
            config.class_names,
            images=opts.get("images"),
            category_ids=opts.get("category_ids"),
            categories=opts.get("categories"),
            preprocess=config.preprocess,
        )
    if config.layout is None:
        raise UserInputError("the model config has no output layout")
    if config.format == "onnx":
        from truthline.models.adapters.onnx import onnx_model

        threads = config.options.get("threads")
        return onnx_model(
            source,
            config.preprocess,
            config.class_names,
            layout=config.layout,
            postprocess=config.postprocess,
            stride=config.stride,
            threads=int(threads) if threads else None,
        )
    from truthline.models.adapters.torch import torch_model

    if source is None or isinstance(source, bytes):
        raise UserInputError(
            "a torch model is loaded from a file path or an nn.Module", fix="write the bytes to a file"
        )
    return torch_model(
        source,
        config.preprocess,
        config.class_names,
        layout=config.layout,
        postprocess=config.postprocess,
        stride=config.stride,
    )


def load_model(
    format: str | None,
    path_or_name: Source,
    preprocess: PreprocessSpec | None = None,
    *,
    layout: str | None = None,
    class_names: list[str] | tuple[str, ...] | None = None,
    postprocess: PostprocessConfig | None = None,
    stride: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> Detector | Classifier:
    """Build the adapter for ``format`` (onnx, torch, opencv, predictions) and a file, bytes or name.

    ``load_model("opencv", "opencv:hog-people")``; ``load_model("onnx", "yolo.onnx", PreprocessSpec.ultralytics(),
    layout="yolov8", class_names=names)``; ``load_model("onnx", "mine.onnx")`` for a truthline export.
    """
    config = resolve_config(
        format,
        path_or_name,
        preprocess,
        layout=layout,
        class_names=class_names,
        postprocess=postprocess,
        stride=stride,
        options=options,
    )
    return load_model_from_config(config, path_or_name)


def as_detector(model: Detector | Classifier) -> Detector:
    """``model`` typed as a detector, or a UserInputError naming what it is."""
    if model.task != "detect":
        raise UserInputError("the model is a classifier, not a detector", fix="use a detection model here")
    return model


def as_classifier(model: Detector | Classifier) -> Classifier:
    """``model`` typed as a classifier, or a UserInputError naming what it is."""
    if model.task != "classify":
        raise UserInputError("the model is a detector, not a classifier", fix="use a classification model here")
    return model

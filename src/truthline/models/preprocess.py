"""The one preprocessing path: a frozen spec, ``preprocess`` (images to tensor) and the box transforms back.

Training and serving both call :func:`preprocess` with the model's :class:`PreprocessSpec`; nothing else in
truthline resizes, pads, reorders colours or normalises an image for a model. Boxes predicted in input pixels
go back to original pixels through :meth:`Transform.to_original` (the one inverse); training targets go in
through :meth:`Transform.to_input`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import cv2
import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from truthline.domain.content import content_hash
from truthline.domain.errors import FormatError, UserInputError
from truthline.domain.specs import parse_spec

FloatArray = npt.NDArray[np.float32]
Image = npt.NDArray[np.uint8]

_INTERPOLATION = {"linear": cv2.INTER_LINEAR, "nearest": cv2.INTER_NEAREST, "area": cv2.INTER_AREA}


class PreprocessSpec(BaseModel):
    """How an image becomes a model input. Stored with every model version; hashed by :attr:`spec_hash`.

    Steps, in this order: ``mode`` (``resize`` stretches to ``input_size``; ``letterbox`` scales to fit keeping
    the aspect ratio and pads with ``pad_value``, centred as Ultralytics does or at the top left; ``none`` keeps the
    image as it is), colour order (``bgr`` as decoded, or ``rgb``), then ``value * scale``, ``(v - mean) / std``
    per channel (in the output colour order), ``layout`` and ``dtype``. ``uint8`` output allows no scaling.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_size: tuple[int, int] | None = Field(default=None, description="(width, height) of the model input")
    mode: Literal["resize", "letterbox", "none"] = "resize"
    pad_value: int = Field(default=114, ge=0, le=255)
    pad_position: Literal["center", "top_left"] = "center"
    interpolation: Literal["linear", "nearest", "area"] = "linear"
    colour: Literal["bgr", "rgb"] = "rgb"
    scale: float = 1.0 / 255.0
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    layout: Literal["nchw", "nhwc"] = "nchw"
    dtype: Literal["float32", "uint8"] = "float32"

    @model_validator(mode="after")
    def _consistent(self) -> PreprocessSpec:
        if self.mode != "none" and self.input_size is None:
            raise ValueError(f"mode {self.mode!r} needs input_size (width, height)")
        if self.input_size is not None and min(self.input_size) < 1:
            raise ValueError("input_size must be positive")
        if any(s == 0 for s in self.std):
            raise ValueError("std must not contain 0")
        if self.dtype == "uint8" and (self.scale != 1.0 or any(self.mean) or self.std != (1.0, 1.0, 1.0)):
            raise ValueError("dtype uint8 takes no scale, mean or std (use scale 1, mean 0, std 1)")
        return self

    @staticmethod
    def ultralytics(size: int = 640) -> PreprocessSpec:
        """Ultralytics YOLO export input: letterbox to a square with grey 114, RGB, /255, NCHW float32."""
        return PreprocessSpec(input_size=(size, size), mode="letterbox", pad_value=114, colour="rgb")

    @staticmethod
    def opencv_native() -> PreprocessSpec:
        """Images as decoded (BGR uint8, HWC, original size): the input of OpenCV's HOG and Haar detectors."""
        return PreprocessSpec(mode="none", colour="bgr", scale=1.0, dtype="uint8", layout="nhwc")

    @property
    def spec_hash(self) -> str:
        """sha256 of the canonical JSON of every field: equal specs hash equal."""
        return content_hash(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=True)

    @staticmethod
    def from_dict(data: Any, *, where: str = "preprocess") -> PreprocessSpec:
        return parse_spec(
            PreprocessSpec, data, what="preprocessing spec", where=where, fix="see `truthline schema preprocess`"
        )

    @staticmethod
    def from_yaml(text: str, *, where: str = "preprocess") -> PreprocessSpec:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise FormatError(f"preprocessing spec is not YAML: {e}", where=where) from None
        return PreprocessSpec.from_dict(data, where=where)


def check_same_spec(served: PreprocessSpec, trained: PreprocessSpec) -> None:
    """Raise :class:`UserInputError` naming every field where the served spec differs from the training run's."""
    a, b = served.to_dict(), trained.to_dict()
    diffs = [f"{k} (served {a[k]!r}, trained {b[k]!r})" for k in sorted(a) if a[k] != b[k]]
    if diffs:
        raise UserInputError(
            "the preprocessing the model is served with differs from the one it was trained with: " + "; ".join(diffs),
            where=f"spec {served.spec_hash[:12]} vs training {trained.spec_hash[:12]}",
            fix="serve the model with the preprocessing spec stored with its training run",
        )


@dataclass(frozen=True, slots=True)
class Transform:
    """How one image was mapped into the input: ``input = original * scale + pad``, per axis."""

    scale_x: float
    scale_y: float
    pad_x: float
    pad_y: float
    width: int  # original image size
    height: int

    def to_input(self, boxes: npt.ArrayLike) -> FloatArray:
        """Boxes ``[x, y, w, h]`` in original pixels to input pixels (for training targets)."""
        b = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        out = np.empty_like(b)
        out[:, 0] = b[:, 0] * self.scale_x + self.pad_x
        out[:, 1] = b[:, 1] * self.scale_y + self.pad_y
        out[:, 2] = b[:, 2] * self.scale_x
        out[:, 3] = b[:, 3] * self.scale_y
        return out

    def to_original(self, boxes: npt.ArrayLike, *, clip: bool = True) -> FloatArray:
        """The one inverse: boxes ``[x, y, w, h]`` in input pixels back to original pixels, clipped to the image."""
        b = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        x1 = (b[:, 0] - self.pad_x) / self.scale_x
        y1 = (b[:, 1] - self.pad_y) / self.scale_y
        x2 = x1 + b[:, 2] / self.scale_x
        y2 = y1 + b[:, 3] / self.scale_y
        if clip:
            x1, x2 = np.clip(x1, 0, self.width), np.clip(x2, 0, self.width)
            y1, y2 = np.clip(y1, 0, self.height), np.clip(y2, 0, self.height)
        return np.stack([x1, y1, x2 - x1, y2 - y1], axis=1).astype(np.float32)


def _as_bgr(image: npt.NDArray[Any], index: int) -> Image:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise UserInputError(f"image {index} is not a uint8 array", fix="pass decoded BGR uint8 images (cv2.imread)")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)  # type: ignore[return-value]
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise UserInputError(f"image {index} has shape {image.shape}", fix="pass HxWx3 BGR uint8 images")
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)  # type: ignore[return-value]
    return image


def _geometry(image: Image, spec: PreprocessSpec) -> tuple[Image, Transform]:
    h, w = image.shape[:2]
    if spec.mode == "none" or spec.input_size is None:
        return image, Transform(1.0, 1.0, 0.0, 0.0, w, h)
    W, H = spec.input_size
    interp = _INTERPOLATION[spec.interpolation]
    if spec.mode == "resize":
        out = image if (w, h) == (W, H) else cv2.resize(image, (W, H), interpolation=interp)
        return out, Transform(W / w, H / h, 0.0, 0.0, w, h)  # type: ignore[return-value]
    r = min(W / w, H / h)
    nw, nh = round(w * r), round(h * r)
    if spec.pad_position == "center":  # Ultralytics' rounding
        left, top = round((W - nw) / 2 - 0.1), round((H - nh) / 2 - 0.1)
    else:
        left, top = 0, 0
    resized = image if (nw, nh) == (w, h) else cv2.resize(image, (nw, nh), interpolation=interp)
    canvas = np.full((H, W, 3), spec.pad_value, dtype=np.uint8)
    canvas[top : top + nh, left : left + nw] = resized
    return canvas, Transform(nw / w, nh / h, float(left), float(top), w, h)


def preprocess(images: Sequence[npt.NDArray[Any]], spec: PreprocessSpec) -> tuple[npt.NDArray[Any], list[Transform]]:
    """Images (BGR uint8, HxWx3) to one input tensor and each image's :class:`Transform`.

    The only function in truthline that prepares an image for a model: trainers and adapters both call it.
    With mode ``none`` the images of one call must share a size.
    """
    if len(images) == 0:
        raise UserInputError("no images to preprocess", fix="pass at least one image")
    planes: list[Image] = []
    transforms: list[Transform] = []
    for i, img in enumerate(images):
        out, t = _geometry(_as_bgr(img, i), spec)
        planes.append(out)
        transforms.append(t)
    shapes = {p.shape for p in planes}
    if len(shapes) > 1:
        raise UserInputError(
            f"images of different sizes {sorted(shapes)} cannot share a batch with preprocessing mode 'none'",
            fix="predict them one at a time or use mode resize/letterbox",
        )
    batch = np.stack(planes)
    if spec.colour == "rgb":
        batch = batch[..., ::-1]
    if spec.dtype == "uint8":
        tensor: npt.NDArray[Any] = batch
    else:
        tensor = batch.astype(np.float32)
        if spec.scale != 1.0:
            tensor *= np.float32(spec.scale)
        if any(spec.mean):
            tensor -= np.asarray(spec.mean, dtype=np.float32)
        if spec.std != (1.0, 1.0, 1.0):
            tensor /= np.asarray(spec.std, dtype=np.float32)
    if spec.layout == "nchw":
        tensor = tensor.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(tensor), transforms

"""OpenCV's pretrained detectors shipped in opencv-python-headless: the HOG people detector and Haar cascades."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from truthline.domain.errors import NotFoundError, UserInputError
from truthline.models.nms import PostprocessConfig, nms_classwise
from truthline.models.preprocess import PreprocessSpec, Transform, preprocess
from truthline.models.results import Detections, Image, Timings

HOG_NAME = "opencv:hog-people"
HAAR_PREFIX = "opencv:haar-"
# class name of a cascade, by the start of its file stem (haarcascade_<stem>.xml)
HAAR_CLASS = (
    ("frontalcatface", "cat_face"),
    ("frontalface", "face"),
    ("profileface", "face"),
    ("fullbody", "full_body"),
    ("upperbody", "upper_body"),
    ("lowerbody", "lower_body"),
    ("smile", "smile"),
    ("russian_plate", "licence_plate"),
    ("license_plate", "licence_plate"),
)


def opencv_names() -> list[str]:
    """Every built-in OpenCV detector name: ``opencv:hog-people`` and one ``opencv:haar-*`` per cascade file."""
    folder = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
    cascades = sorted(p.stem.removeprefix("haarcascade_").replace("_", "-") for p in folder.glob("haarcascade_*.xml"))
    return [HOG_NAME, *(HAAR_PREFIX + c for c in cascades)]


def _check_spec(spec: PreprocessSpec, who: str) -> None:
    if spec.dtype != "uint8" or spec.layout != "nhwc" or spec.colour != "bgr":
        raise UserInputError(
            f"{who} takes BGR uint8 NHWC images",
            fix="use PreprocessSpec.opencv_native() or a resize/letterbox spec with colour bgr, dtype uint8, nhwc",
        )


class _OpenCVDetector:
    task: Literal["detect"] = "detect"
    class_names: tuple[str, ...]
    preprocess: PreprocessSpec
    postprocess: PostprocessConfig

    def _detect(self, image: Image) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def predict(self, images: Sequence[Image]) -> list[Detections]:
        """One image at a time (OpenCV's detectors take no batch); timings are the batch's total."""
        t_pre = t_inf = t_post = 0.0
        raw: list[tuple[np.ndarray, np.ndarray, Transform]] = []
        for img in images:
            t0 = time.perf_counter()
            tensor, (tr,) = preprocess([img], self.preprocess)
            t1 = time.perf_counter()
            boxes, scores = self._detect(tensor[0])
            t2 = time.perf_counter()
            raw.append((boxes, scores, tr))
            t_pre, t_inf = t_pre + (t1 - t0), t_inf + (t2 - t1)
        out_raw = []
        t0 = time.perf_counter()
        for boxes, scores, tr in raw:
            cls = np.zeros(len(scores), np.int64)
            keep = nms_classwise(boxes, scores, cls, self.postprocess)
            out_raw.append((tr.to_original(boxes[keep]), scores[keep], cls[keep]))
        t_post = time.perf_counter() - t0
        timings = Timings(t_pre * 1e3, t_inf * 1e3, t_post * 1e3, len(images))
        return [Detections.build(b, s, c, timings) for b, s, c in out_raw]


class HogPeopleDetector(_OpenCVDetector):
    """OpenCV's HOG + linear SVM pedestrian detector (Dalal-Triggs, 64x128 window); class ``person``.

    Scores are the SVM margins (``detectMultiScale`` weights), not probabilities: above 0 is a hit, around 1
    and more a confident one. OpenCV groups overlapping windows; class-wise NMS then runs at
    ``postprocess.iou_threshold``.
    """

    def __init__(
        self,
        preprocess: PreprocessSpec | None = None,
        postprocess: PostprocessConfig | None = None,
        *,
        win_stride: tuple[int, int] = (8, 8),
        padding: tuple[int, int] = (8, 8),
        scale: float = 1.05,
        hit_threshold: float = 0.0,
    ) -> None:
        self.preprocess = preprocess or PreprocessSpec.opencv_native()
        _check_spec(self.preprocess, HOG_NAME)
        self.postprocess = postprocess or PostprocessConfig(score_threshold=0.0, iou_threshold=0.45)
        self.class_names = ("person",)
        self.options: dict[str, Any] = {
            "win_stride": list(win_stride),
            "padding": list(padding),
            "scale": scale,
            "hit_threshold": hit_threshold,
        }
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector(), np.float32))
        self._args = (hit_threshold, tuple(win_stride), tuple(padding), scale)

    def _detect(self, image: Image) -> tuple[np.ndarray, np.ndarray]:
        hit, stride, pad, scale = self._args
        rects, weights = self.hog.detectMultiScale(image, hitThreshold=hit, winStride=stride, padding=pad, scale=scale)
        return np.asarray(rects, np.float32).reshape(-1, 4), np.asarray(weights, np.float32).reshape(-1)


class HaarCascadeDetector(_OpenCVDetector):
    """An OpenCV Haar cascade from ``cv2.data.haarcascades`` (e.g. ``frontalface_default``), one class.

    Scores are the cascade's last-stage weights from ``detectMultiScale3(..., outputRejectLevels=True)``.
    """

    def __init__(
        self,
        cascade: str,
        preprocess: PreprocessSpec | None = None,
        postprocess: PostprocessConfig | None = None,
        *,
        scale_factor: float = 1.1,
        min_neighbors: int = 3,
        min_size: tuple[int, int] = (24, 24),
        class_name: str | None = None,
    ) -> None:
        stem = cascade.removeprefix(HAAR_PREFIX).replace("-", "_")
        folder = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
        path = folder / f"haarcascade_{stem}.xml"
        if not path.is_file() and (folder / f"haarcascade_{stem}_default.xml").is_file():
            stem += "_default"  # opencv:haar-frontalface means frontalface_default
            path = folder / f"haarcascade_{stem}.xml"
        if not path.is_file():
            raise NotFoundError(f"no Haar cascade {cascade!r}", fix="use one of " + ", ".join(opencv_names()[1:]))
        self.cascade = cv2.CascadeClassifier(str(path))
        self.preprocess = preprocess or PreprocessSpec.opencv_native()
        _check_spec(self.preprocess, f"{HAAR_PREFIX}{stem}")
        self.postprocess = postprocess or PostprocessConfig(score_threshold=-1e9, iou_threshold=0.45)
        default = next((c for prefix, c in HAAR_CLASS if stem.startswith(prefix)), "eye" if "eye" in stem else stem)
        self.class_names = (class_name or default,)
        self.options = {"scale_factor": scale_factor, "min_neighbors": min_neighbors, "min_size": list(min_size)}
        self._args = (scale_factor, min_neighbors, tuple(min_size))

    def _detect(self, image: Image) -> tuple[np.ndarray, np.ndarray]:
        gray = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        sf, mn, ms = self._args
        rects, _levels, weights = self.cascade.detectMultiScale3(
            gray, scaleFactor=sf, minNeighbors=mn, minSize=ms, outputRejectLevels=True
        )
        return np.asarray(rects, np.float32).reshape(-1, 4), np.asarray(weights, np.float32).reshape(-1)


def opencv_model(
    name: str,
    preprocess: PreprocessSpec | None = None,
    postprocess: PostprocessConfig | None = None,
    **options: Any,
) -> HogPeopleDetector | HaarCascadeDetector:
    """``opencv:hog-people`` or ``opencv:haar-<cascade>`` (e.g. ``opencv:haar-frontalface-default``)."""
    if name in (HOG_NAME, "hog-people"):
        return HogPeopleDetector(preprocess, postprocess, **options)
    if name.startswith(HAAR_PREFIX):
        return HaarCascadeDetector(name, preprocess, postprocess, **options)
    raise NotFoundError(f"no built-in OpenCV detector {name!r}", fix="use one of " + ", ".join(opencv_names()))

"""Deterministic label-error injection (tests, benchmarks, the demo) and a simulated detector for benchmarks.

``inject_box_errors`` corrupts ground-truth boxes in four ways and returns what it did, so that a check's
recall can be measured exactly: ``wrong_class`` (class flipped), ``missing_box`` (box dropped, object still in
the image), ``spurious_box`` (a box added where there is no object) and ``bad_localisation`` (box moved so its
IoU with the truth falls in a range). ``flip_labels`` does the same for class labels. ``simulate_predictions``
stands in for a trained detector: it sees the clean truth and errs the way detectors do (jitter, misses,
weak false positives, rare class confusion), seeded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truthline.qa.boxes import ImageBoxes, as_boxes, iou_matrix

DEFAULT_RATES: Mapping[str, float] = {
    "wrong_class": 0.03,
    "missing_box": 0.03,
    "spurious_box": 0.03,
    "bad_localisation": 0.03,
}


@dataclass(frozen=True, slots=True)
class InjectedError:
    """One injected error. ``index`` is the box's position in the corrupted image (None for a dropped box);
    ``original``/``new`` are ``{"label", "bbox"}`` before and after (None where there is none)."""

    kind: str
    image: str
    index: int | None
    original: dict[str, Any] | None
    new: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def flip_labels(
    labels: Sequence[int] | np.ndarray, n_classes: int, rate: float, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Flip ``rate`` of the labels (exactly ``round(rate * N)``) to a different class, uniformly: ``(noisy, mask)``."""
    y = np.asarray(labels, dtype=np.int64).copy()
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(y), round(rate * len(y)), replace=False)
    y[idx] = (y[idx] + rng.integers(1, n_classes, len(idx))) % n_classes
    mask = np.zeros(len(y), dtype=bool)
    mask[idx] = True
    return y, mask


def _moved(box: np.ndarray, iou_range: tuple[float, float], w: float, h: float, rng: np.random.Generator) -> np.ndarray:
    """A shifted/rescaled copy of ``box`` whose IoU with it lies in ``iou_range`` (inside the image)."""
    x, y, bw, bh = box
    for _ in range(200):
        s = rng.uniform(0.6, 1.5, 2)
        nw, nh = bw * s[0], bh * s[1]
        d = rng.uniform(-0.6, 0.6, 2) * [bw, bh]
        cand = np.array([x + (bw - nw) / 2 + d[0], y + (bh - nh) / 2 + d[1], nw, nh])
        cand[0] = np.clip(cand[0], 0, max(0.0, w - nw))
        cand[1] = np.clip(cand[1], 0, max(0.0, h - nh))
        v = iou_matrix(box[None], cand[None])[0, 0]
        if iou_range[0] <= v <= iou_range[1]:
            return np.round(cand, 1)
    return np.array([x + bw * 0.5, y + bh * 0.5, bw, bh])


def _free_box(boxes: np.ndarray, w: float, h: float, rng: np.random.Generator) -> np.ndarray | None:
    """A box of a plausible size (drawn from ``boxes``) that overlaps none of them."""
    sizes = boxes[:, 2:] if len(boxes) else np.array([[w * 0.15, h * 0.15]])
    for _ in range(200):
        bw, bh = sizes[rng.integers(len(sizes))] * rng.uniform(0.8, 1.2, 2)
        bw, bh = min(bw, w * 0.5), min(bh, h * 0.5)
        cand = np.array([rng.uniform(0, w - bw), rng.uniform(0, h - bh), bw, bh])
        if not len(boxes) or iou_matrix(cand[None], boxes).max() == 0.0:
            return np.round(cand, 1)
    return None


def inject_box_errors(
    images: Sequence[ImageBoxes],
    classes: Sequence[str],
    *,
    rates: Mapping[str, float] = DEFAULT_RATES,
    seed: int = 0,
    loc_iou: tuple[float, float] = (0.3, 0.6),
) -> tuple[list[ImageBoxes], list[InjectedError]]:
    """Corrupt ground-truth boxes; return the corrupted images (same order) and every injected error.

    ``rates`` gives, per kind, the fraction of boxes corrupted (``spurious_box``: the fraction of images that
    get one extra box). A box receives at most one error. The image size (``width``/``height``) bounds new
    boxes; it defaults to the extent of the boxes. The same seed gives the same errors. Each corrupted image's
    ``extra["source_index"]`` gives, per box, its index in the input (None for an added box).
    """
    rng = np.random.default_rng(seed)
    out: list[ImageBoxes] = []
    injected: list[InjectedError] = []
    kinds = ["wrong_class", "missing_box", "bad_localisation"]
    p = np.array([rates.get(k, 0.0) for k in kinds])
    if p.sum() > 1:
        raise ValueError("the rates of wrong_class, missing_box and bad_localisation add up to more than 1")
    for im in images:
        w = float(im.width or (im.boxes[:, 0] + im.boxes[:, 2]).max(initial=64))
        h = float(im.height or (im.boxes[:, 1] + im.boxes[:, 3]).max(initial=64))
        boxes: list[np.ndarray] = []
        labels: list[str] = []
        ids: list[str] = []
        source: list[int | None] = []
        draws = rng.random(len(im))
        for i in range(len(im)):
            box, lab = im.boxes[i], im.labels[i]
            cum = np.cumsum(p)
            kind = kinds[int(np.searchsorted(cum, draws[i], side="right"))] if draws[i] < p.sum() else None
            orig = {"label": lab, "bbox": box.tolist()}
            if kind == "missing_box":
                injected.append(InjectedError(kind, im.image, None, orig, None))
                continue
            if kind == "wrong_class" and len(classes) > 1:
                lab = str(rng.choice([c for c in classes if c != lab]))
            elif kind == "bad_localisation":
                box = _moved(box, loc_iou, w, h, rng)
            else:
                kind = None
            if kind:
                injected.append(InjectedError(kind, im.image, len(boxes), orig, {"label": lab, "bbox": box.tolist()}))
            boxes.append(np.asarray(box, dtype=np.float64))
            labels.append(lab)
            ids.append(im.id_of(i) or f"{im.image}#{i}")
            source.append(i)
        if rng.random() < rates.get("spurious_box", 0.0):
            new = _free_box(im.boxes, w, h, rng)
            if new is not None:
                lab = str(rng.choice(list(classes)))
                injected.append(
                    InjectedError("spurious_box", im.image, len(boxes), None, {"label": lab, "bbox": new.tolist()})
                )
                boxes.append(new)
                labels.append(lab)
                ids.append(f"{im.image}#spurious")
                source.append(None)
        extra = {**im.extra, "source_index": source}
        out.append(
            ImageBoxes(im.image, as_boxes(boxes), labels, ids=ids, width=im.width, height=im.height, extra=extra)
        )
    return out, injected


def inject_synth(
    records: Sequence[Any],
    classes: Sequence[str],
    *,
    rates: Mapping[str, float] = DEFAULT_RATES,
    seed: int = 0,
) -> tuple[list[Any], list[InjectedError]]:
    """``inject_box_errors`` on ``truthline.synth`` records: returns copies with corrupted ``annotations``.

    Unchanged boxes keep their other keys (``track_id``, ``truncated``, ...); changed and added boxes get
    ``"injected": kind``. Image names are the records' ``file_name``.
    """
    images = [ImageBoxes.from_dicts(r.file_name, r.annotations, width=r.width, height=r.height) for r in records]
    corrupted, injected = inject_box_errors(images, classes, rates=rates, seed=seed)
    changed = {(e.image, e.index): e.kind for e in injected if e.index is not None}
    out = []
    for rec, new in zip(records, corrupted, strict=True):
        anns = []
        for k, src in enumerate(new.extra["source_index"]):
            a = dict(rec.annotations[src]) if src is not None else {}
            kind = changed.get((rec.file_name, k))
            if kind:
                a.update(label=new.labels[k], bbox=new.boxes[k].tolist(), injected=kind)
            anns.append(a)
        out.append(dataclasses.replace(rec, annotations=anns))
    return out, injected


@dataclass(frozen=True, slots=True)
class DetectorSimulation:
    """How ``simulate_predictions`` errs: detection rate, box jitter (fraction of size), score distributions
    (beta parameters), class confusion rate and false positives per image (Poisson mean)."""

    detect_rate: float = 0.95
    jitter: float = 0.04
    true_score: tuple[float, float] = (8.0, 1.5)
    confusion_rate: float = 0.03
    false_positives: float = 0.5
    false_score: tuple[float, float] = (1.5, 6.0)
    extra: dict[str, Any] = field(default_factory=dict)


def simulate_predictions(
    truth: Sequence[ImageBoxes], classes: Sequence[str], *, seed: int = 0, sim: DetectorSimulation | None = None
) -> list[ImageBoxes]:
    """Predictions of a simulated detector that sees the clean ``truth`` (for benchmarks and tests only)."""
    s = sim or DetectorSimulation()
    rng = np.random.default_rng(seed)
    out = []
    for im in truth:
        w = float(im.width or 256)
        h = float(im.height or 256)
        boxes, labels, scores = [], [], []
        for box, lab in zip(im.boxes, im.labels, strict=True):
            if rng.random() > s.detect_rate:
                continue
            b = box + rng.normal(0, s.jitter, 4) * np.r_[box[2:], box[2:]]
            score = rng.beta(*s.true_score)
            if rng.random() < s.confusion_rate and len(classes) > 1:
                lab = str(rng.choice([c for c in classes if c != lab]))
                score *= 0.6
            boxes.append(b)
            labels.append(lab)
            scores.append(score)
        for _ in range(rng.poisson(s.false_positives)):
            bw, bh = rng.uniform(0.05, 0.3) * w, rng.uniform(0.05, 0.3) * h
            boxes.append(np.array([rng.uniform(0, w - bw), rng.uniform(0, h - bh), bw, bh]))
            labels.append(str(rng.choice(list(classes))))
            scores.append(rng.beta(*s.false_score))
        out.append(
            ImageBoxes(im.image, as_boxes(boxes), labels, scores=np.array(scores), width=im.width, height=im.height)
        )
    return out

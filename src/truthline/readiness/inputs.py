"""What the readiness engine is given: ground truth, detections on clean and probed images, timings, provenance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truthline.domain.errors import UserInputError
from truthline.readiness.policy import ReadinessPolicy


@dataclass(frozen=True)
class ProbeRun:
    """Detections on evaluation images corrupted by one condition at one severity.

    ``image_ids`` are the evaluation images probed (the same ids as in the clean ground truth,
    so clean and corrupted figures pair up). ``gt`` is the ground truth of the corrupted
    images when the corruption moves boxes (displacement); None: the clean boxes.
    """

    condition: str
    severity: float
    image_ids: Sequence[int]
    dt: Sequence[Mapping[str, Any]]
    gt: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BaselineRun:
    """The champion model's detections on the same images (clean and probes), its timings and identity."""

    dt: Sequence[Mapping[str, Any]]
    probes: Sequence[ProbeRun] = ()
    latency: Mapping[int, Sequence[float]] = field(default_factory=dict)
    model: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadinessInputs:
    """Everything ``assess`` reads. Pure data: the workflow runs the model, the engine judges.

    - ``gt``: COCO dict of the evaluation split; an image may carry its metadata as ``meta`` or
      ``metadata`` (slice keys), or give ``image_meta`` ({image_id: {key: value}}) instead.
    - ``dt``: COCO results list (``image_id``, ``category_id``, ``bbox``, ``score``) on the clean images.
    - ``probes``: one ``ProbeRun`` per (condition, severity) of the policy.
    - ``latency``: {batch size: wall milliseconds of each timed model call at that batch}.
    - ``provenance``: {image_id: value of the policy's provenance key}; None: read it from the metadata.
    - ``near_duplicates``: (test image id, train image id, distance) pairs found; None: not checked.
    - ``drift_monitor``: what watches this model in production (a monitor id or description); None: open.
    - ``model``, ``dataset``: ids and names printed in the reports.
    """

    gt: Mapping[str, Any]
    dt: Sequence[Mapping[str, Any]]
    probes: Sequence[ProbeRun] = ()
    latency: Mapping[int, Sequence[float]] = field(default_factory=dict)
    provenance: Mapping[int, str] | None = None
    near_duplicates: Sequence[tuple[int, int, float]] | None = None
    image_meta: Mapping[int, Mapping[str, Any]] | None = None
    baseline: BaselineRun | None = None
    drift_monitor: str | None = None
    model: Mapping[str, Any] = field(default_factory=dict)
    dataset: Mapping[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[int, dict[str, Any]]:
        """Image metadata by image id: ``image_meta`` where given, else the images' ``meta``/``metadata``."""
        out: dict[int, dict[str, Any]] = {}
        for img in self.gt.get("images", []):
            meta = img.get("meta", img.get("metadata")) or {}
            out[int(img["id"])] = dict(meta)
        if self.image_meta is not None:
            for k, v in self.image_meta.items():
                out.setdefault(int(k), {}).update(v)
        return out


def subset_gt(gt: Mapping[str, Any], image_ids: Sequence[int]) -> dict[str, Any]:
    """The COCO dict restricted to ``image_ids`` (categories kept)."""
    keep = {int(i) for i in image_ids}
    return {
        **{k: v for k, v in gt.items() if k not in ("images", "annotations")},
        "images": [im for im in gt.get("images", []) if int(im["id"]) in keep],
        "annotations": [a for a in gt.get("annotations", []) if int(a["image_id"]) in keep],
        "categories": list(gt.get("categories", [])),
    }


def probe_image_ids(gt: Mapping[str, Any], policy: ReadinessPolicy, max_images: int, seed: int = 0) -> list[int]:
    """Which evaluation images to probe: up to ``max_images``, half positive where there are enough.

    Confidence AUROC and recall drop are measured on positive images, so they are taken
    first (up to half, more when negatives run short); the choice is seeded and sorted by id.
    """
    names = {int(c["id"]): str(c["name"]) for c in gt.get("categories", [])}
    group = set(policy.positive.classes) if policy.positive.classes is not None else set(names.values())
    unknown = group - set(names.values())
    if unknown:
        raise UserInputError(
            f"positive classes {sorted(unknown)} are not in the ground truth",
            where="policy: positive.classes",
            fix=f"use classes of {sorted(names.values())}",
        )
    pos = {int(a["image_id"]) for a in gt.get("annotations", []) if names.get(int(a["category_id"])) in group}
    ids = sorted(int(im["id"]) for im in gt.get("images", []))
    positives = [i for i in ids if i in pos]
    negatives = [i for i in ids if i not in pos]
    rng = np.random.default_rng(seed)
    rng.shuffle(positives)
    rng.shuffle(negatives)
    n_pos = min(len(positives), max(max_images // 2, max_images - len(negatives)))
    chosen = positives[:n_pos] + negatives[: max_images - n_pos]
    return sorted(chosen)

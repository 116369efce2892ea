"""Readiness test data: synth inspection ground truth and simulated detectors (good, night-blind, silent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from truthline.readiness import ProbeRun, ReadinessInputs, parse_policy
from truthline.synth import generate_images, taxonomy

CLASSES = [c.name for c in taxonomy("inspection").classes if c.name != "clean"]
N_IMAGES = 160

POLICY: dict[str, Any] = {
    "name": "inspection-line",
    "positive": {"name": "defect", "classes": CLASSES},
    "threshold": 0.5,
    "target": {"min_recall": 0.9},
    "production": {
        "prevalence": 0.02,
        "volume_per_day": 20000,
        "provenance_key": "camera",
        "production_values": ["cam1"],
    },
    "slices": ["lighting"],
    "probes": [{"condition": "defocus", "severities": [0.3, 0.6, 0.9]}],
    "latency": {"batch_sizes": [1, 8]},
    "gates": [
        {"kind": "min_recall", "min": 0.8},
        {"kind": "max_fpr", "max": 0.1},
        {"kind": "max_slice_gap", "key": "lighting", "metric": "recall", "points": 10},
        {"kind": "max_latency_p95_ms", "batch": 1, "max": 50},
        {"kind": "min_probe_confidence_auroc", "min": 0.7, "probes": ["defocus"]},
        {"kind": "max_probe_drop", "probes": ["defocus"], "metric": "ap50", "points": 30, "max_severity": 0.6},
        {"kind": "max_ece", "max": 0.25},
        {"kind": "min_ap50", "min": 0.5},
        {"kind": "min_provenance_share", "min": 1.0},
        {"kind": "max_near_duplicates", "max": 0},
        {"kind": "max_baseline_regression", "metric": "ap50", "max": 0.01},
    ],
}


@dataclass(frozen=True)
class Scene:
    gt: dict[str, Any]
    pngs: dict[int, bytes]


@pytest.fixture(scope="session")
def scene() -> Scene:
    """160 inspection images, half defective, a quarter at night; COCO ids from 1."""
    records = list(
        generate_images("inspection", N_IMAGES, seed=5, defect_rate=0.5, conditions=["lighting=night:0.7@0.25"])
    )
    cats = [{"id": k + 1, "name": n} for k, n in enumerate(CLASSES)]
    images, anns, pngs = [], [], {}
    for i, r in enumerate(records, start=1):
        images.append({"id": i, "width": r.width, "height": r.height, "file_name": r.file_name, "meta": r.metadata})
        for a in r.annotations:
            x, y, w, h = a["bbox"]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i,
                    "category_id": CLASSES.index(a["label"]) + 1,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
        if i <= 12:
            pngs[i] = r.png
    return Scene({"images": images, "annotations": anns, "categories": cats}, pngs)


def simulate(
    gt: dict[str, Any],
    seed: int,
    *,
    p_detect: float = 0.95,
    p_detect_night: float | None = None,
    silent: bool = False,
    lowered: float = 0.0,
    image_ids: list[int] | None = None,
    fp_rate: float = 0.05,
) -> list[dict[str, Any]]:
    """Detections: found boxes jittered with high scores; misses give nothing (or, ``silent``, a confident
    misplaced box); ``lowered`` scales found scores down (a loud failure); a few low-scoring false positives."""
    rng = np.random.default_rng(seed)
    night = {im["id"] for im in gt["images"] if im.get("meta", {}).get("lighting") == "night"}
    keep = None if image_ids is None else set(image_ids)
    out: list[dict[str, Any]] = []
    for a in gt["annotations"]:
        img = a["image_id"]
        if keep is not None and img not in keep:
            continue
        x, y, w, h = a["bbox"]
        p = p_detect_night if (p_detect_night is not None and img in night) else p_detect
        if rng.random() < p:
            box = [x + rng.normal(0, 0.5), y + rng.normal(0, 0.5), w, h]
            score = rng.uniform(0.75, 0.99) * (1 - lowered)
        elif silent:
            box, score = [x + 2 * w, y + 2 * h, w, h], rng.uniform(0.75, 0.99)
        else:
            continue
        out.append({"image_id": img, "category_id": a["category_id"], "bbox": box, "score": float(score)})
    for im in gt["images"]:
        if (keep is None or im["id"] in keep) and rng.random() < fp_rate * 4:
            s = rng.uniform(0.05, 0.6) if rng.random() < 0.75 else rng.uniform(0.05, 0.3)
            out.append(
                {
                    "image_id": im["id"],
                    "category_id": int(rng.integers(1, len(CLASSES) + 1)),
                    "bbox": [float(rng.uniform(0, 200)), float(rng.uniform(0, 200)), 20.0, 20.0],
                    "score": s,
                }
            )
    return out


def build_inputs(scene: Scene, *, good: bool, baseline: Any = None) -> ReadinessInputs:
    """A passing (``good``) or failing candidate: night-blind, and silently confident under defocus."""
    gt = scene.gt
    ids = [im["id"] for im in gt["images"]][:80]
    dt = simulate(gt, 1, p_detect_night=None if good else 0.3)
    probes = []
    for k, sev in enumerate((0.3, 0.6, 0.9)):
        p = 0.95 - 0.25 * sev if good else 0.95 - 0.5 * sev
        pdt = simulate(gt, 10 + k, p_detect=p, image_ids=ids, silent=not good, lowered=0.3 * sev if good else 0.0)
        probes.append(ProbeRun("defocus", sev, ids, pdt))
    rng = np.random.default_rng(3)
    latency = {1: list(rng.gamma(20, 1.0, 200)), 8: list(rng.gamma(20, 5.0, 100))}
    return ReadinessInputs(
        gt=gt,
        dt=dt,
        probes=probes,
        latency=latency,
        near_duplicates=[],
        baseline=baseline,
        model={"id": "mdl_good" if good else "mdl_bad"},
        dataset={"id": "dsv_test"},
    )


@pytest.fixture(scope="session")
def policy() -> Any:
    return parse_policy(POLICY)


@pytest.fixture(scope="session")
def build() -> Any:
    """``build(scene, good=…, baseline=…)`` -> ReadinessInputs."""
    return build_inputs


@pytest.fixture
def policy_data() -> dict[str, Any]:
    """A fresh deep copy of the test policy document."""
    import copy

    return copy.deepcopy(POLICY)

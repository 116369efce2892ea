"""Latency bench, environment snapshot, code ref, and the model config a registry stores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from truthline.domain.errors import UserInputError
from truthline.models import (
    ModelConfig,
    PreprocessSpec,
    as_classifier,
    as_detector,
    bench,
    code_ref,
    environment_snapshot,
    load_model,
    load_model_from_config,
    opencv_names,
    resolve_config,
)

REPO = Path(__file__).resolve().parents[3]


def test_bench_reports_ordered_percentiles_per_batch_size() -> None:
    hog = load_model(
        "opencv",
        "opencv:hog-people",
        PreprocessSpec(input_size=(96, 160), colour="bgr", scale=1.0, dtype="uint8", layout="nhwc"),
    )
    images = [np.full((160, 96, 3), v, np.uint8) for v in (0, 80, 160)]
    rows = bench(hog, images, batch_sizes=(1, 2), n=5, warmup=1)
    assert [r.batch_size for r in rows] == [1, 2]
    for r in rows:
        assert 0 < r.p50_ms <= r.p95_ms <= r.p99_ms and r.throughput_ips > 0 and r.n == 5
        assert set(r.to_dict()) >= {"p50_ms", "p95_ms", "p99_ms", "throughput_ips"}
        assert (
            len(r.samples_ms) == 5 and max(r.samples_ms) >= r.p99_ms and len(r.to_dict(samples=True)["samples_ms"]) == 5
        )
    with pytest.raises(UserInputError):
        bench(hog, [], n=1)


def test_environment_snapshot_names_packages_and_threads() -> None:
    env = environment_snapshot()
    assert env["python"].count(".") == 2 and env["packages"]["numpy"] == np.__version__
    assert env["packages"]["torch"] is not None and isinstance(env["torch_threads"], int)
    assert "not-a-package" not in env["packages"]


def test_code_ref_inside_and_outside_git(tmp_path: Path) -> None:
    ref = code_ref(REPO)
    if ref is not None:  # a source checkout
        assert len(ref["commit"]) == 40 and isinstance(ref["dirty"], bool)
    assert code_ref(tmp_path) is None


def test_registration_needs_a_spec_and_the_config_rebuilds_the_model() -> None:
    with pytest.raises(UserInputError, match="without its preprocessing spec"):
        resolve_config("onnx", "model.onnx", layout="yolov8", class_names=["a"])
    cfg = resolve_config("opencv", "opencv:haar-frontalface")
    stored = ModelConfig.from_json(cfg.to_json())
    assert stored == cfg and stored.name == "opencv:haar-frontalface" and stored.class_names == ["face"]
    model = as_detector(load_model_from_config(stored))
    with pytest.raises(UserInputError, match="detector, not a classifier"):
        as_classifier(model)
    assert "opencv:hog-people" in opencv_names() and "opencv:haar-frontalface-default" in opencv_names()
    assert model.class_names == ("face",) and model.preprocess == PreprocessSpec.opencv_native()
    with pytest.raises(UserInputError, match="format"):
        load_model("tensorflow", "m.pb")

"""Built-in trainers on tiny synth data: they learn, are deterministic, and export to ONNX with parity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from truthline.domain.errors import UserInputError
from truthline.models import (
    ClassifierTrainConfig,
    ClassScores,
    DetectorTrainConfig,
    ModelConfig,
    TrainedModel,
    load_model,
    load_model_from_config,
    preprocess,
    train_classifier,
    train_detector,
)
from truthline.models.export import max_abs_difference
from truthline.synth import generate_images, taxonomy

NAMES = [c.name for c in taxonomy("inspection").classes if c.boxed]
ALL = [c.name for c in taxonomy("inspection").classes]


def _detection_samples(n: int, seed: int) -> list[tuple[np.ndarray, list[list[float]], list[int]]]:
    return [
        (r.image, [a["bbox"] for a in r.annotations], [NAMES.index(a["label"]) for a in r.annotations])
        for r in generate_images("inspection", n, seed=seed, defect_rate=0.8, width=128, height=128)
    ]


TINY = DetectorTrainConfig(epochs=4, batch_size=16, lr=5e-3, input_size=(64, 64), width=16, seed=3, val_every=4)


@pytest.fixture(scope="module")
def data() -> tuple[list, list]:
    return _detection_samples(64, 1), _detection_samples(16, 2)


@pytest.fixture(scope="module")
def detector(data: tuple[list, list]) -> TrainedModel:
    seen: list[int] = []
    model = train_detector(data[0], data[1], NAMES, TINY, on_epoch=lambda e, m: seen.append(e))
    assert seen == [1, 2, 3, 4]
    return model


def test_detector_learns_and_records_metrics(detector: TrainedModel) -> None:
    h = detector.history
    assert len(h) == 4 and detector.stopped == "epochs"
    assert h[-1]["train_loss"] < 0.8 * h[0]["train_loss"]
    assert "val_map50" in h[-1] and 0.0 <= h[-1]["val_map50"] <= 1.0 and "val_map50" not in h[0]
    assert detector.preprocess.input_size == (64, 64) and detector.class_names == tuple(NAMES)


def test_same_seed_same_weights(data: tuple[list, list], detector: TrainedModel) -> None:
    cfg = TINY.model_copy(update={"epochs": 1})
    a = train_detector(data[0][:32], [], NAMES, cfg).module.state_dict()
    b = train_detector(data[0][:32], [], NAMES, cfg).module.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = train_detector(data[0][:32], [], NAMES, cfg.model_copy(update={"seed": 4})).module.state_dict()
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_onnx_export_matches_pytorch_and_serves_the_same_detections(
    detector: TrainedModel, data: tuple[list, list], tmp_path: Path
) -> None:
    path = detector.export_onnx(tmp_path / "det.onnx")
    images = [img for img, _, _ in data[1][:8]]
    tensor, _ = preprocess(images, detector.preprocess)
    assert max_abs_difference(detector.module, path, tensor) < 1e-4
    served = load_model("onnx", path)  # everything from the config embedded in the file
    assert served.preprocess == detector.preprocess and served.class_names == tuple(NAMES)
    ours = detector.adapter().predict(images)
    theirs = served.predict(images)
    assert isinstance(ours, list) and isinstance(theirs, list)
    assert sum(len(d) for d in ours) > 0
    for a, b in zip(ours, theirs, strict=True):
        assert len(a) == len(b)
        assert np.allclose(a.boxes, b.boxes, atol=1e-2) and np.allclose(a.scores, b.scores, atol=1e-4)
    stored = ModelConfig.from_json(detector.model_config("onnx").to_json())
    again = load_model_from_config(stored, path.read_bytes())
    assert [len(d) for d in again.predict(images)] == [len(d) for d in theirs]  # type: ignore[union-attr]


def test_checkpoint_round_trip(detector: TrainedModel, data: tuple[list, list], tmp_path: Path) -> None:
    ckpt = detector.save_checkpoint(tmp_path / "det.pt")
    model = load_model("torch", ckpt)
    images = [img for img, _, _ in data[1][:4]]
    a, b = detector.adapter().predict(images), model.predict(images)
    assert isinstance(a, list) and isinstance(b, list)
    assert all(np.array_equal(x.scores, y.scores) for x, y in zip(a, b, strict=True))


def test_classifier_learns_and_exports(tmp_path: Path) -> None:
    recs = list(generate_images("inspection", 80, seed=5, defect_rate=0.5, width=96, height=96))
    samples = [(r.image, ALL.index(r.image_class)) for r in recs]
    cfg = ClassifierTrainConfig(epochs=3, batch_size=16, input_size=(64, 64), width=16, seed=1)
    model = train_classifier(samples[:64], samples[64:], ALL, cfg)
    h = model.history
    assert h[-1]["train_loss"] < h[0]["train_loss"] and 0.0 <= h[-1]["val_accuracy"] <= 1.0
    path = model.export_onnx(tmp_path / "cls.onnx")
    tensor, _ = preprocess([img for img, _ in samples[64:]], model.preprocess)
    assert max_abs_difference(model.module, path, tensor) < 1e-4
    scores = load_model("onnx", path).predict([img for img, _ in samples[64:]])
    assert isinstance(scores, ClassScores) and scores.scores.shape == (16, len(ALL))
    assert np.allclose(scores.scores.sum(axis=1), 1.0, atol=1e-5)


def test_bad_training_input_is_refused() -> None:
    img = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(UserInputError, match="class id"):
        train_detector([(img, [[0, 0, 4, 4]], [9])], [], NAMES, TINY)
    with pytest.raises(UserInputError, match="empty"):
        train_detector([], [], NAMES, TINY)


def test_torchscript_file_serves_like_the_module(
    detector: TrainedModel, data: tuple[list, list], tmp_path: Path
) -> None:
    import warnings

    x, _ = preprocess([data[1][0][0]], detector.preprocess)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.trace(detector.module.eval(), torch.from_numpy(x))
        path = tmp_path / "det.ts"
        torch.jit.save(scripted, str(path))
    model = load_model("torch", path, detector.preprocess, layout="truthline-centernet", class_names=NAMES, stride=4)
    images = [img for img, _, _ in data[1][:4]]
    a, b = detector.adapter().predict(images), model.predict(images)
    assert isinstance(a, list) and isinstance(b, list)
    assert all(np.allclose(x.scores, y.scores, atol=1e-5) for x, y in zip(a, b, strict=True))
    with pytest.raises(UserInputError, match="layout"):
        load_model("torch", path, detector.preprocess, class_names=NAMES)

"""Built-in image classifier trainer: SmallClassifier on a train split, validated (accuracy) on val.

CPU only and deterministic for a seed. Images go through :func:`truthline.models.preprocess.preprocess` with
the spec stored on the result, exactly as when serving.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F

from truthline.domain.errors import UserInputError
from truthline.models.evaluation import accuracy
from truthline.models.networks import SmallClassifier
from truthline.models.preprocess import preprocess
from truthline.models.results import ClassScores
from truthline.models.trained import Clock, EpochCallback, TrainConfig, TrainedModel, seeded_cpu

ClassificationSample = tuple[npt.NDArray[np.uint8], int]


class ClassifierTrainConfig(TrainConfig):
    """Settings of the built-in classifier trainer (stored with the training run)."""


def _load(
    samples: Iterable[ClassificationSample], C: int, where: str
) -> tuple[list[npt.NDArray[np.uint8]], npt.NDArray[np.int64]]:
    images, labels = [], []
    for i, (img, label) in enumerate(samples):
        if not 0 <= int(label) < C:
            raise UserInputError(f"class id {label} outside 0..{C - 1}", where=f"{where}[{i}]")
        images.append(img)
        labels.append(int(label))
    return images, np.asarray(labels, np.int64)


def train_classifier(
    train: Iterable[ClassificationSample],
    val: Iterable[ClassificationSample],
    class_names: Sequence[str],
    config: ClassifierTrainConfig | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrainedModel:
    """Train the built-in classifier on ``(image BGR uint8, class id)`` samples; ``val_accuracy`` per epoch.

    ``on_epoch(epoch, metrics)`` returning ``False`` stops training; ``time_budget_s`` stops it when spent.
    """
    cfg = config or ClassifierTrainConfig()
    C = len(class_names)
    if C < 2:
        raise UserInputError("a classifier needs at least two classes", fix="pass the taxonomy's class names")
    spec = cfg.spec()
    if spec.input_size is None or spec.layout != "nchw" or spec.dtype != "float32":
        raise UserInputError("the built-in classifier needs a fixed-size float32 NCHW preprocessing spec")
    tr_x, tr_y = _load(train, C, "train")
    va_x, va_y = _load(val, C, "val")
    if not tr_x:
        raise UserInputError("the train split is empty", fix="train on a dataset version with train images")
    clock = Clock(cfg.time_budget_s)
    with seeded_cpu(cfg.seed, cfg.threads):
        net = SmallClassifier(C, width=cfg.width)
        result = TrainedModel(
            net, "classify", "probabilities", tuple(class_names), spec, cfg, "SmallClassifier", cfg.width
        )
        opt, sched = cfg.optimiser(net, len(tr_x))
        rng = np.random.default_rng(cfg.seed)
        for epoch in range(1, cfg.epochs + 1):
            net.train()
            order = rng.permutation(len(tr_x))
            flips = rng.random(len(tr_x)) < 0.5 if cfg.flip else np.zeros(len(tr_x), bool)
            losses: list[float] = []
            for s in range(0, len(tr_x), cfg.batch_size):
                idx = order[s : s + cfg.batch_size]
                imgs = [np.ascontiguousarray(tr_x[i][:, ::-1]) if flips[i] else tr_x[i] for i in idx]
                tensor, _ = preprocess(imgs, spec)
                loss = F.cross_entropy(net.raw(torch.from_numpy(tensor)), torch.from_numpy(tr_y[idx]))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                losses.append(loss.detach().item())
                if clock.spent():
                    result.stopped = "time_budget"
                    break
            metrics: dict[str, float] = {"epoch": float(epoch), "train_loss": float(np.mean(losses))}
            last = epoch == cfg.epochs or result.stopped != "epochs"
            if va_x and (epoch % cfg.val_every == 0 or last):
                adapter = result.adapter()
                scores = [adapter.predict(va_x[s : s + 64]) for s in range(0, len(va_x), 64)]
                proba = np.concatenate([sc.scores for sc in scores if isinstance(sc, ClassScores)])
                metrics["val_accuracy"] = accuracy(va_y, proba)
                net.train()
            metrics["seconds"] = clock.elapsed
            result.history.append(metrics)
            if on_epoch is not None and on_epoch(epoch, dict(metrics)) is False and not last:
                result.stopped = "callback"
                last = True
            if last:
                break
        net.eval()
        result.seconds = clock.elapsed
    return result

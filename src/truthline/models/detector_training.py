"""Built-in detector trainer: CenterNetLite on a dataset version's train split, validated (COCO mAP) on val.

CPU only and deterministic for a seed (same seed, data and epochs: the same weights). Images go through
:func:`truthline.models.preprocess.preprocess` with the spec stored on the result, exactly as when serving.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F
from pydantic import Field

from truthline.domain.errors import UserInputError
from truthline.models.centernet_head import CENTERNET_LAYOUT
from truthline.models.evaluation import coco_ground_truth, detection_map
from truthline.models.networks import CenterNetLite
from truthline.models.nms import PostprocessConfig
from truthline.models.preprocess import preprocess
from truthline.models.results import Detections
from truthline.models.trained import Clock, EpochCallback, TrainConfig, TrainedModel, seeded_cpu

DetectionSample = tuple[npt.NDArray[np.uint8], npt.ArrayLike, npt.ArrayLike]


class DetectorTrainConfig(TrainConfig):
    """Settings of the built-in detector trainer (stored with the training run)."""

    epochs: int = Field(default=24, ge=1)
    lr: float = Field(default=4e-3, gt=0)
    val_score_threshold: float = Field(default=0.01, ge=0)


class _Data:
    def __init__(self, samples: Iterable[DetectionSample], num_classes: int, where: str) -> None:
        self.images: list[npt.NDArray[np.uint8]] = []
        self.boxes: list[npt.NDArray[np.float32]] = []
        self.classes: list[npt.NDArray[np.int64]] = []
        for i, (img, boxes, classes) in enumerate(samples):
            b = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
            c = np.asarray(classes, dtype=np.int64).reshape(-1)
            if len(b) != len(c):
                raise UserInputError(f"{len(b)} boxes but {len(c)} class ids", where=f"{where}[{i}]")
            if len(c) and (c.min() < 0 or c.max() >= num_classes):
                raise UserInputError(f"class id outside 0..{num_classes - 1}", where=f"{where}[{i}]")
            self.images.append(img)
            self.boxes.append(b)
            self.classes.append(c)

    def __len__(self) -> int:
        return len(self.images)


def gaussian_radius(h: float, w: float, min_overlap: float = 0.7) -> float:
    """CenterNet's radius (in cells) within which a shifted box still overlaps the truth by ``min_overlap``."""
    a1, b1, c1 = 1.0, h + w, w * h * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + math.sqrt(b1**2 - 4 * a1 * c1)) / 2
    a2, b2, c2 = 4.0, 2 * (h + w), (1 - min_overlap) * w * h
    r2 = (b2 + math.sqrt(b2**2 - 4 * a2 * c2)) / 2
    a3, b3, c3 = 4 * min_overlap, -2 * min_overlap * (h + w), (min_overlap - 1) * w * h
    r3 = (b3 + math.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return min(r1, r2, r3)


def build_targets(
    boxes_in: Sequence[npt.NDArray[np.float32]],
    classes: Sequence[npt.NDArray[np.int64]],
    num_classes: int,
    out_hw: tuple[int, int],
    stride: int,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Heatmaps (B, C, H, W), centre cells (K, 3: image, y, x) and their targets (K, 4: w, h, dx, dy in cells)."""
    H, W = out_hw
    heat = np.zeros((len(boxes_in), num_classes, H, W), np.float32)
    cells: list[tuple[int, int, int]] = []
    regs: list[tuple[float, float, float, float]] = []
    for b, (bx, cx) in enumerate(zip(boxes_in, classes, strict=True)):
        for (x, y, w, h), k in zip(bx, cx, strict=True):
            if w <= 0 or h <= 0:
                continue
            fx, fy = (x + w / 2) / stride, (y + h / 2) / stride
            ix, iy = min(max(int(fx), 0), W - 1), min(max(int(fy), 0), H - 1)
            r = max(0, int(gaussian_radius(h / stride, w / stride)))
            sigma = (2 * r + 1) / 6
            ys, xs = np.arange(max(0, iy - r), min(H, iy + r + 1)), np.arange(max(0, ix - r), min(W, ix + r + 1))
            g = np.exp(-((ys[:, None] - iy) ** 2 + (xs[None, :] - ix) ** 2) / (2 * sigma**2)).astype(np.float32)
            window = heat[b, k, ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1]
            np.maximum(window, g, out=window)
            cells.append((b, iy, ix))
            regs.append((w / stride, h / stride, fx - ix, fy - iy))
    return heat, np.asarray(cells, np.int64).reshape(-1, 3), np.asarray(regs, np.float32).reshape(-1, 4)


def centernet_loss(
    raw: torch.Tensor, heat: torch.Tensor, cells: torch.Tensor, regs: torch.Tensor, num_classes: int
) -> torch.Tensor:
    """Penalty-reduced focal loss on the heatmaps + L1 on size (x0.1) and offset at the centre cells."""
    logits = raw[:, :num_classes]
    pos = heat.eq(1.0).float()
    p = torch.sigmoid(logits)
    pos_loss = F.logsigmoid(logits) * (1 - p) ** 2 * pos
    neg_loss = F.logsigmoid(-logits) * p**2 * (1 - heat) ** 4 * (1 - pos)
    n = max(float(pos.sum()), 1.0)
    loss = -(pos_loss.sum() + neg_loss.sum()) / n
    if len(cells):
        pred = raw[cells[:, 0], num_classes:, cells[:, 1], cells[:, 2]]  # K, 4
        loss = loss + 0.1 * F.l1_loss(pred[:, :2], regs[:, :2], reduction="sum") / n
        loss = loss + F.l1_loss(pred[:, 2:], regs[:, 2:], reduction="sum") / n
    return loss


def _flip(img: npt.NDArray[np.uint8], boxes: npt.NDArray[np.float32]) -> tuple[Any, npt.NDArray[np.float32]]:
    out = boxes.copy()
    out[:, 0] = img.shape[1] - boxes[:, 0] - boxes[:, 2]
    return np.ascontiguousarray(img[:, ::-1]), out


def validate_detector(
    model: TrainedModel, data: _Data, gt: dict[str, Any], score_threshold: float, batch_size: int = 64
) -> dict[str, float]:
    adapter = model.adapter(PostprocessConfig(score_threshold=score_threshold))
    dets: list[Detections] = []
    for s in range(0, len(data), batch_size):
        dets.extend(adapter.predict(data.images[s : s + batch_size]))  # type: ignore[arg-type]
    return detection_map(gt, dets)


def train_detector(
    train: Iterable[DetectionSample],
    val: Iterable[DetectionSample],
    class_names: Sequence[str],
    config: DetectorTrainConfig | None = None,
    on_epoch: EpochCallback | None = None,
) -> TrainedModel:
    """Train the built-in detector on ``(image BGR uint8, boxes xywh original pixels, class ids)`` samples.

    Validates every ``val_every`` epochs and after the last one (``val_map50``, ``val_map``). ``on_epoch(epoch,
    metrics)`` is called after each epoch; returning ``False`` stops training. Stops early when
    ``time_budget_s`` is spent (checked after each step; a budget makes the run depend on machine speed).
    """
    cfg = config or DetectorTrainConfig()
    C = len(class_names)
    if C < 1:
        raise UserInputError("no classes to train a detector on", fix="pass the taxonomy's boxed class names")
    spec = cfg.spec()
    if spec.input_size is None or spec.layout != "nchw" or spec.dtype != "float32":
        raise UserInputError("the built-in detector needs a fixed-size float32 NCHW preprocessing spec")
    tr, va = _Data(train, C, "train"), _Data(val, C, "val")
    if len(tr) == 0:
        raise UserInputError("the train split is empty", fix="train on a dataset version with train images")
    gt = coco_ground_truth([(i.shape[1], i.shape[0]) for i in va.images], va.boxes, va.classes, class_names)
    clock = Clock(cfg.time_budget_s)
    with seeded_cpu(cfg.seed, cfg.threads):
        net = CenterNetLite(C, width=cfg.width)
        stride = net.stride
        W, H = spec.input_size
        result = TrainedModel(
            net, "detect", CENTERNET_LAYOUT, tuple(class_names), spec, cfg, "CenterNetLite", cfg.width, stride
        )
        opt, sched = cfg.optimiser(net, len(tr))
        rng = np.random.default_rng(cfg.seed)
        for epoch in range(1, cfg.epochs + 1):
            net.train()
            order = rng.permutation(len(tr))
            flips = rng.random(len(tr)) < 0.5 if cfg.flip else np.zeros(len(tr), bool)
            losses: list[float] = []
            for s in range(0, len(tr), cfg.batch_size):
                idx = order[s : s + cfg.batch_size]
                imgs, boxes = [], []
                for i in idx:
                    img, b = _flip(tr.images[i], tr.boxes[i]) if flips[i] else (tr.images[i], tr.boxes[i])
                    imgs.append(img)
                    boxes.append(b)
                tensor, transforms = preprocess(imgs, spec)
                boxes_in = [t.to_input(b) for t, b in zip(transforms, boxes, strict=True)]
                heat, cells, regs = build_targets(
                    boxes_in, [tr.classes[i] for i in idx], C, (H // stride, W // stride), stride
                )
                raw = net.raw(torch.from_numpy(tensor))
                loss = centernet_loss(raw, torch.from_numpy(heat), torch.from_numpy(cells), torch.from_numpy(regs), C)
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
            if len(va) and (epoch % cfg.val_every == 0 or last):
                metrics.update(
                    {f"val_{k}": v for k, v in validate_detector(result, va, gt, cfg.val_score_threshold).items()}
                )
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

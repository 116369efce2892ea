"""Time to 0.6 mAP@0.5 of the built-in detector on synth inspection data, on 2 CPU threads.

    python benchmarks/train_speed.py [--train 600] [--val 300] [--epochs 8] [--budget 120]

Generates the inspection scenario at 256x256 with defect rate 0.5 (train seed 1, in-distribution val seed 2),
trains ``truthline.models.train_detector`` (CenterNetLite, input 128x128) with torch on 2 threads, validates
after every epoch (COCO mAP through truthline.metrics; pycocotools cross-checks the final figure when
installed), exports to ONNX and checks parity, then times the ONNX adapter. Prints a Markdown section for
benchmarks/README.md. Target (issue 5): val mAP@0.5 >= 0.6 within 120 s of training on 2 CPU cores.
Seconds include the per-epoch validation; data generation is timed separately.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "2"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from truthline.models import DetectorTrainConfig, bench, load_model, preprocess, train_detector  # noqa: E402
from truthline.models.evaluation import coco_ground_truth  # noqa: E402
from truthline.models.export import max_abs_difference  # noqa: E402
from truthline.synth import generate_images, taxonomy  # noqa: E402

NAMES = [c.name for c in taxonomy("inspection").classes if c.boxed]
TARGET = 0.6


def samples(n: int, seed: int) -> list[tuple[np.ndarray, list[list[float]], list[int]]]:
    return [
        (r.image, [a["bbox"] for a in r.annotations], [NAMES.index(a["label"]) for a in r.annotations])
        for r in generate_images("inspection", n, seed=seed, defect_rate=0.5)
    ]


def pycocotools_map50(val: list, dets: list) -> float | None:
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError:
        return None
    gt = coco_ground_truth(
        [(i.shape[1], i.shape[0]) for i, _, _ in val],
        [np.asarray(b, np.float32).reshape(-1, 4) for _, b, _ in val],
        [np.asarray(c, np.int64) for _, _, c in val],
        NAMES,
    )
    results = [r for i, d in enumerate(dets) for r in d.to_coco(i + 1)]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(results), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=600)
    ap.add_argument("--val", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    cv2.setNumThreads(2)

    t0 = time.perf_counter()
    train, val = samples(args.train, 1), samples(args.val, 2)
    gen_s = time.perf_counter() - t0

    cfg = DetectorTrainConfig(epochs=args.epochs, seed=args.seed, time_budget_s=args.budget, threads=2)
    rows: list[dict[str, float]] = []

    cpu0 = time.process_time()

    def on_epoch(epoch: int, m: dict[str, float]) -> None:
        m["cpu_seconds"] = time.process_time() - cpu0  # all threads; / 2 = wall time on 2 idle cores
        rows.append(m)
        print(
            f"epoch {epoch}: loss {m['train_loss']:.3f} mAP50 {m.get('val_map50', float('nan')):.3f} "
            f"at {m['seconds']:.1f} s",
            flush=True,
        )

    model = train_detector(train, val, NAMES, cfg, on_epoch=on_epoch)
    reached = next((r for r in rows if r.get("val_map50", 0.0) >= TARGET), None)
    final = rows[-1]

    images = [img for img, _, _ in val]
    with tempfile.TemporaryDirectory() as tmp:
        path = model.export_onnx(Path(tmp) / "detector.onnx")
        tensor, _ = preprocess(images[:16], model.preprocess)
        parity = max_abs_difference(model.module, path, tensor)
        served = load_model("onnx", path, options={"threads": 2})
        dets = [d for s in range(0, len(images), 64) for d in served.predict(images[s : s + 64])]  # type: ignore[union-attr]
        oracle = pycocotools_map50(val, dets)
        lat = bench(served, images, batch_sizes=(1, 8), n=100, warmup=5)

    print()
    print("### Built-in detector: time to 0.6 mAP@0.5 (synth inspection, 2 CPU threads)")
    print()
    print(
        f"`python benchmarks/train_speed.py` on {platform.processor() or platform.machine()}, {os.cpu_count()} "
        f"CPUs visible, torch {__import__('torch').__version__}, 2 threads. Train {args.train} / val {args.val} "
        f"images (inspection, 256x256, defect rate 0.5, in distribution), CenterNetLite at 128x128, "
        f"{args.epochs} epochs planned, budget {args.budget:.0f} s. Seconds include per-epoch validation."
    )
    print()
    print("| epoch | train loss | val mAP@0.5 | val mAP@[.5:.95] | wall s | CPU s / 2 |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {int(r['epoch'])} | {r['train_loss']:.3f} | {r.get('val_map50', float('nan')):.3f} | "
            f"{r.get('val_map', float('nan')):.3f} | {r['seconds']:.1f} | {r['cpu_seconds'] / 2:.1f} |"
        )
    print()
    hit = (
        f"{reached['seconds']:.1f} s wall, {reached['cpu_seconds'] / 2:.1f} s CPU/2 (epoch {int(reached['epoch'])})"
        if reached
        else "not reached"
    )
    print(
        f"- time to mAP@0.5 >= {TARGET}: **{hit}**; final mAP@0.5 **{final.get('val_map50', 0):.3f}**, "
        f"mAP {final.get('val_map', 0):.3f} after {model.seconds:.1f} s ({model.stopped}); "
        f"target: >= {TARGET} within 120 s"
    )
    if oracle is not None:
        print(f"- pycocotools on the ONNX model's detections: mAP@0.5 {oracle:.3f}")
    print(f"- data generation: {gen_s:.1f} s for {args.train + args.val} images (not in the training time)")
    print(f"- ONNX export parity (max |PyTorch - ONNX Runtime|, 16 images): {parity:.2e} (limit 1e-4)")
    for b in lat:
        print(
            f"- ONNX Runtime, batch {b.batch_size}: p50 {b.p50_ms:.2f} ms, p95 {b.p95_ms:.2f} ms, "
            f"p99 {b.p99_ms:.2f} ms, {b.throughput_ips:.0f} images/s"
        )


if __name__ == "__main__":
    main()

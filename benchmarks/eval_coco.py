"""Benchmark: COCO evaluation as whole processes — pycocotools, faster-coco-eval, bare hotcoco, truthline.

Generates seeded COCO sets (80 classes, about 7 ground truths and 100 detections per image),
then times each tool as a whole subprocess (interpreter start, imports, JSON parsing,
matching, printing), interleaved round by round, with each process's peak memory (its own
``ru_maxrss`` from ``wait4``). In-process it also times ten metadata slices plus the
operating-point sweep from truthline's match table against hotcoco's ``slice_by`` for the
same ten slices. Prints a Markdown table.

    python benchmarks/eval_coco.py --sizes 2000 5000 --rounds 3 --pycocotools-rounds 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

TOOLS: dict[str, str] = {
    "pycocotools": (
        "import sys, contextlib, io\n"
        "from pycocotools.coco import COCO\nfrom pycocotools.cocoeval import COCOeval\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    g = COCO(sys.argv[1]); d = g.loadRes(sys.argv[2]); e = COCOeval(g, d, 'bbox')\n"
        "    e.evaluate(); e.accumulate()\n"
        "e.summarize()\n"
    ),
    "faster-coco-eval": (
        "import sys\nfrom faster_coco_eval import COCO, COCOeval_faster\n"
        "g = COCO(sys.argv[1]); d = g.loadRes(sys.argv[2]); e = COCOeval_faster(g, d, 'bbox')\n"
        "e.evaluate(); e.accumulate(); e.summarize()\n"
    ),
    "hotcoco (bare script)": (
        "import sys, hotcoco\n"
        "g = hotcoco.COCO(sys.argv[1]); d = g.load_res(sys.argv[2]); e = hotcoco.COCOeval(g, d, 'bbox')\n"
        "e.run()\n"
    ),
}
TRUTHLINE = "truthline eval coco"


def make_set(n_img: int, seed: int, n_cls: int = 80, gt_per: float = 7.0, dt_per: float = 100.0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    images = [{"id": i + 1, "width": 640, "height": 480, "file_name": f"{i}.jpg"} for i in range(n_img)]
    cats = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(n_cls)]
    anns: list[dict[str, Any]] = []
    dts: list[dict[str, Any]] = []
    for im in images:
        boxes = []
        for _ in range(rng.poisson(gt_per)):
            w, h = rng.uniform(5, 300, 2)
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            c = int(rng.integers(1, n_cls + 1))
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": im["id"],
                    "category_id": c,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": int(rng.random() < 0.03),
                }
            )
            boxes.append((x, y, w, h, c))
        for _ in range(rng.poisson(dt_per)):
            if boxes and rng.random() < 0.3:
                x, y, w, h, c = boxes[int(rng.integers(len(boxes)))]
                j = rng.normal(0, 0.1, 4) * np.array([w, h, w, h])
                x, y, w, h = x + j[0], y + j[1], max(1.0, w + j[2]), max(1.0, h + j[3])
                if rng.random() < 0.1:
                    c = int(rng.integers(1, n_cls + 1))
            else:
                w, h = rng.uniform(5, 300, 2)
                x, y, c = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h), int(rng.integers(1, n_cls + 1))
            dts.append(
                {
                    "image_id": im["id"],
                    "category_id": c,
                    "bbox": [float(x), float(y), float(w), float(h)],
                    "score": float(np.round(rng.random(), 3)),
                }
            )
    return {"images": images, "categories": cats, "annotations": anns}, dts


def run_process(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one whole child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{cmd} failed: {err[-500:]}")
    return wall, usage.ru_maxrss / 1024


def truthline_cmd(gt: Path, dt: Path) -> list[str]:
    return [sys.executable, "-m", "truthline.cli.main", "eval", "coco", "--gt", str(gt), "--dt", str(dt)]


SLICE_SCRIPT = """
import sys, time, contextlib, io
import numpy as np, hotcoco
from truthline.metrics import match_coco, slice_metrics, sweep
gt, dt = sys.argv[1], sys.argv[2]
m = match_coco(gt, dt)
rng = np.random.default_rng(0)
ids = m.image_ids.tolist()
lab = rng.integers(0, 10, len(ids))
meta = {i: {"camera": f"cam{l}"} for i, l in zip(ids, lab)}
slices = {f"cam{k}": [i for i, l in zip(ids, lab) if l == k] for k in range(10)}
best_ours = best_hot = float("inf")
g = hotcoco.COCO(gt); ev = hotcoco.COCOeval(g, g.load_res(dt), "bbox")
with contextlib.redirect_stdout(io.StringIO()):
    ev.evaluate()
for _ in range(3):
    t = time.perf_counter()
    slice_metrics(m, meta, "camera", 0.5)
    sweep(m, 0.5)
    best_ours = min(best_ours, time.perf_counter() - t)
    with contextlib.redirect_stdout(io.StringIO()):
        t = time.perf_counter()
        ev.slice_by(slices)
        best_hot = min(best_hot, time.perf_counter() - t)
print(best_ours, best_hot)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 5000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pycocotools-rounds", type=int, default=1)
    ap.add_argument("--skip-pycocotools", action="store_true")
    args = ap.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            gt, dt = make_set(n, seed=n)
            gt_path, dt_path = Path(tmp) / f"gt{n}.json", Path(tmp) / f"dt{n}.json"
            gt_path.write_text(json.dumps(gt))
            dt_path.write_text(json.dumps(dt))
            n_dt, n_gt = len(dt), len(gt["annotations"])
            del gt, dt
            times: dict[str, list[float]] = {k: [] for k in [*TOOLS, TRUTHLINE]}
            mem: dict[str, float] = {}
            for r in range(args.rounds):
                for name, code in TOOLS.items():
                    if name == "pycocotools" and (args.skip_pycocotools or r >= args.pycocotools_rounds):
                        continue
                    w, mb = run_process([sys.executable, "-c", code, str(gt_path), str(dt_path)])
                    times[name].append(w)
                    mem[name] = max(mem.get(name, 0.0), mb)
                w, mb = run_process(truthline_cmd(gt_path, dt_path))
                times[TRUTHLINE].append(w)
                mem[TRUTHLINE] = max(mem.get(TRUTHLINE, 0.0), mb)
                print(
                    f"# {n} images, round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items() if v),
                    file=sys.stderr,
                )
            out = subprocess.run(
                [sys.executable, "-c", SLICE_SCRIPT, str(gt_path), str(dt_path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            t_slices, t_hot_slices = float(out[0]), float(out[1])
            med = {k: statistics.median(v) for k, v in times.items() if v}
            hot = med["hotcoco (bare script)"]
            for k, v in med.items():
                ratio_hot = v / hot
                ratio_pyc = f"{med['pycocotools'] / v:.1f}x" if "pycocotools" in med else "-"
                rows.append(
                    f"| {n:,} ({n_gt:,} gt, {n_dt:,} dt) | {k} | {v:.2f} | {ratio_hot:.2f}x | {ratio_pyc} "
                    f"| {mem[k]:.0f} |"
                )
            rows.append(
                f"| {n:,} | 10 slices + sweep (truthline, in process) vs hotcoco `slice_by` (10 slices) "
                f"| {t_slices:.3f} vs {t_hot_slices:.3f} | {t_slices / t_hot_slices:.2f}x | | |"
            )
    print(
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; median of {args.rounds} interleaved rounds "
        f"(pycocotools: {args.pycocotools_rounds}).\n"
    )
    print("| images | tool (whole process) | seconds | vs bare hotcoco | speed-up over pycocotools | peak MiB |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

"""Speed of truthline.synth: images per second at 256x256 on one core, PNG encoding included.

    python benchmarks/synth_speed.py [--n 1000]

Pins the process to one CPU and sets every thread pool (OpenMP, BLAS, OpenCV) to one thread, renders
``n`` images per case after a short warm-up, and prints a Markdown table for benchmarks/README.md.
Target (issue 7): at least 200 images per second for the default inspection scenario.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402

from truthline.synth import generate_images, parse_schedule, render_video  # noqa: E402

CASES: list[tuple[str, str, list[str]]] = [
    ("inspection, no condition", "inspection", []),
    ("inspection, defect rate 0.5", "inspection", []),
    ("shelf, no condition (~20 objects)", "shelf", []),
    (
        "inspection, night + noise + defocus + jpeg",
        "inspection",
        ["lighting=night:0.6", "noise:0.3", "defocus:0.4", "jpeg:0.5"],
    ),
    (
        "shelf, displacement + occlusion + fog + motion blur",
        "shelf",
        ["displacement:0.5", "occlusion:0.3", "fog:0.4", "motion_blur:0.4"],
    ),
]


def images_per_second(scenario: str, conditions: list[str], n: int, rate: float | None) -> float:
    for r in generate_images(scenario, 20, seed=1, conditions=conditions, defect_rate=rate):
        r.png  # noqa: B018 - warm caches (background tiles, kernels, encoder)
    t0 = time.perf_counter()
    for r in generate_images(scenario, n, seed=2, conditions=conditions, defect_rate=rate):
        r.png  # noqa: B018 - PNG encoding is part of the cost
    return n / (time.perf_counter() - t0)


def video_frames_per_second(frames: int) -> float:
    schedule = parse_schedule(
        {
            "scenario": "shelf",
            "frames": frames,
            "seed": 1,
            "conditions": [{"condition": "lighting", "variant": "dusk", "severity": 0.5}],
        }
    )
    t0 = time.perf_counter()
    for _ in render_video(schedule):
        pass
    return frames / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="images per case")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    cv2.setNumThreads(1)
    rows = []
    for i, (label, scenario, conditions) in enumerate(CASES):
        rate = 0.5 if i == 1 else None
        rows.append((label, images_per_second(scenario, conditions, args.n, rate)))
    rows.append(("video frames (shelf, rendering only, no MP4 encoding)", video_frames_per_second(args.n)))
    print(
        f"### truthline synth: generation speed\n\n256x256, PNG encoded, one core "
        f"(`cv2.setNumThreads(1)`, OMP/BLAS 1 thread), {args.n} images per case; "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"OpenCV {cv2.__version__}. Target: >= 200 images/s. Run `python benchmarks/synth_speed.py`.\n"
    )
    print("| case | images/s |\n|---|---:|")
    for label, rate_ in rows:
        print(f"| {label} | {rate_:.0f} |")


if __name__ == "__main__":
    main()

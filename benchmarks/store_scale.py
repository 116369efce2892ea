"""Store at scale: 100,000 images (tiny, metadata only) with 1,000,000 annotations, one commit, lineage look-ups.

Run: python benchmarks/store_scale.py [--images 100000] [--per-image 10] [--postgres URL]
Prints a Markdown table row per backend. Targets (issue 2): commit < 30 s, lineage of one annotation < 10 ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

import truthline
from truthline.domain.labels import Label

CLASSES = ["scratch", "dent", "missing", "contamination", "clean"]


def tiny_png(i: int) -> bytes:
    arr = np.frombuffer(i.to_bytes(4, "little") * 3, np.uint8)[:12].reshape(2, 2, 3)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", compress_level=0)
    return buf.getvalue()


def run(root: Path, url: str | None, n_images: int, per_image: int) -> dict[str, float]:
    ws = truthline.init_workspace(root, database_url=url)
    ws.set_taxonomy(CLASSES, "bench")
    t0 = time.perf_counter()
    ids: list[str] = []
    chunk = 10_000
    for start in range(0, n_images, chunk):
        items = [
            (f"cam{i % 50}/{i:07d}.png", tiny_png(i), {"camera": f"cam{i % 50}", "site": f"site{i % 5}"})
            for i in range(start, min(n_images, start + chunk))
        ]
        ids += ws.add_image_bytes(items)
    t_images = time.perf_counter() - t0
    t0 = time.perf_counter()
    rng = np.random.default_rng(0)
    for start in range(0, n_images, chunk):
        labels = {}
        for k, iid in enumerate(ids[start : start + chunk]):
            xy = rng.integers(0, 200, size=(per_image, 2))
            labels[iid] = [
                Label.box(CLASSES[(start + k + j) % 5], float(x), float(y), 10.0, 8.0, annotator=f"a{j % 3}")
                for j, (x, y) in enumerate(xy)
            ]
        ws.add_labels(labels)
    t_labels = time.perf_counter() - t0
    t0 = time.perf_counter()
    version = ws.commit("bench", group_by="camera", seed=1)
    t_commit = time.perf_counter() - t0
    some = [ws.lineage(iid)["down"]["annotations"][0] for iid in ids[:: max(1, n_images // 20)]]
    times = []
    for ann in some * 5:
        t0 = time.perf_counter()
        node = ws.lineage(ann)
        times.append(time.perf_counter() - t0)
        assert node["down"]["dataset_versions"] == [version["id"]]
    ws.close()
    return {
        "add_images_s": t_images,
        "add_annotations_s": t_labels,
        "commit_s": t_commit,
        "lineage_median_ms": statistics.median(times) * 1000,
        "lineage_p95_ms": sorted(times)[int(0.95 * len(times))] * 1000,
        "annotations": version["n_annotations"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--per-image", type=int, default=10)
    ap.add_argument("--postgres", default=None, help="admin URL; a fresh database is created and dropped")
    args = ap.parse_args()
    backends: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgres:
        import psycopg

        name = f"tl_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        backends.append(("postgresql", args.postgres.rsplit("/", 1)[0] + "/" + name))
    print(
        "| backend | images | annotations | add images s | add annotations s | commit s | lineage median ms | p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, url in backends:
        with tempfile.TemporaryDirectory() as tmp:
            r = run(Path(tmp) / "ws", url, args.images, args.per_image)
        print(
            f"| {label} | {args.images:,} | {r['annotations']:,} | {r['add_images_s']:.1f}"
            f" | {r['add_annotations_s']:.1f} | {r['commit_s']:.1f}"
            f" | {r['lineage_median_ms']:.2f} | {r['lineage_p95_ms']:.2f} |",
            flush=True,
        )
    if args.postgres:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""Benchmark: import and export COCO (5,000 images, 36,000 boxes) and the same dataset in YOLO layout.

Metadata only: YOLO images are tiny real JPEGs so that sizes are read from headers. Run:
    python benchmarks/formats_io.py [--work DIR] [--peers]
``--peers`` also times supervision / datumaro when importable (install them in a separate venv).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

N_IMAGES, N_ANNS, N_CLASSES = 5000, 36000, 80


def make_coco(root: Path, seed: int = 0) -> Path:
    rng = random.Random(seed)
    images = [{"id": i + 1, "file_name": f"{i:06d}.jpg", "width": 64, "height": 48} for i in range(N_IMAGES)]
    anns = []
    for k in range(N_ANNS):
        x, y = rng.uniform(0, 40), rng.uniform(0, 30)
        w, h = rng.uniform(1, 64 - x), rng.uniform(1, 48 - y)
        anns.append(
            {
                "id": k + 1,
                "image_id": rng.randint(1, N_IMAGES),
                "category_id": rng.randint(1, N_CLASSES),
                "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                "area": round(w * h, 2),
                "iscrowd": 0,
                "segmentation": [],
            }
        )
    cats = [{"id": c + 1, "name": f"class_{c}", "supercategory": ""} for c in range(N_CLASSES)]
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    path = root / "annotations" / "instances_train.json"
    path.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
    return path


def make_images(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48)).save(folder / "000000.jpg")
    data = (folder / "000000.jpg").read_bytes()
    for i in range(1, N_IMAGES):
        (folder / f"{i:06d}.jpg").write_bytes(data)


def timed(label: str, fn: Callable[[], object], results: dict[str, float]) -> object:
    t0 = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - t0
    print(f"{label:45s} {results[label]:7.2f} s", flush=True)
    return out


def run_truthline(work: Path, results: dict[str, float]) -> None:
    from truthline.formats import read_dataset, write_dataset

    coco = timed(
        "truthline import COCO", lambda: read_dataset("coco", work / "coco", images=work / "yolo/images/train"), results
    )
    assert sum(len(r.labels) for r in coco.images) == N_ANNS  # type: ignore[attr-defined]
    timed("truthline export COCO", lambda: write_dataset("coco", coco, work / "out_coco"), results)  # type: ignore[arg-type]
    timed("truthline export YOLO (from COCO)", lambda: write_dataset("yolo", coco, work / "yolo"), results)  # type: ignore[arg-type]
    yolo = timed("truthline import YOLO (reads 5,000 headers)", lambda: read_dataset("yolo", work / "yolo"), results)
    assert sum(len(r.labels) for r in yolo.images) == N_ANNS  # type: ignore[attr-defined]
    timed("truthline export YOLO", lambda: write_dataset("yolo", yolo, work / "out_yolo"), results)  # type: ignore[arg-type]


def run_workspace(work: Path, results: dict[str, float]) -> None:
    """The same through a SQLite workspace: parse, blobs and rows in one transaction; export from a version."""
    import truthline

    ws = truthline.init_workspace(work / "ws")
    timed(
        "workspace import COCO (SQLite)",
        lambda: ws.import_dataset("coco", work / "coco", images=work / "yolo/images/train"),
        results,
    )
    timed("workspace commit", lambda: ws.commit("bench"), results)
    timed("workspace export COCO", lambda: ws.export_dataset("head", "coco", work / "ws_coco"), results)
    timed("workspace export YOLO", lambda: ws.export_dataset("head", "yolo", work / "ws_yolo"), results)
    ws2 = truthline.init_workspace(work / "ws2")
    timed("workspace import YOLO (SQLite)", lambda: ws2.import_dataset("yolo", work / "yolo"), results)
    ws.close()
    ws2.close()


def run_supervision(work: Path, results: dict[str, float]) -> None:
    import supervision as sv

    ds = timed(
        "supervision import COCO",
        lambda: sv.DetectionDataset.from_coco(
            images_directory_path=str(work / "yolo/images/train"),
            annotations_path=str(work / "coco/annotations/instances_train.json"),
        ),
        results,
    )
    timed("supervision export COCO", lambda: ds.as_coco(annotations_path=str(work / "sv_coco.json")), results)  # type: ignore[attr-defined]
    yd = timed(
        "supervision import YOLO",
        lambda: sv.DetectionDataset.from_yolo(
            images_directory_path=str(work / "yolo/images/train"),
            annotations_directory_path=str(work / "yolo/labels/train"),
            data_yaml_path=str(work / "yolo/data.yaml"),
        ),
        results,
    )
    timed("supervision export YOLO", lambda: yd.as_yolo(annotations_directory_path=str(work / "sv_yolo")), results)  # type: ignore[attr-defined]


def run_datumaro(work: Path, results: dict[str, float]) -> None:
    import datumaro as dm

    ds = timed("datumaro import COCO", lambda: dm.Dataset.import_from(str(work / "coco"), "coco_instances"), results)
    timed("datumaro export COCO", lambda: ds.export(str(work / "dm_coco"), "coco_instances"), results)  # type: ignore[attr-defined]
    yd = timed("datumaro import YOLO", lambda: dm.Dataset.import_from(str(work / "yolo"), "yolo_ultralytics"), results)
    timed("datumaro export YOLO", lambda: yd.export(str(work / "dm_yolo"), "yolo_ultralytics"), results)  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--only-peers", action="store_true", help="reuse --work made by an earlier run")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tl_bench_"))
    results: dict[str, float] = {}
    if not args.only_peers:
        make_coco(work / "coco")
        make_images(work / "yolo" / "images" / "train")  # the YOLO layout's images, written before the labels
        run_truthline(work, results)
        run_workspace(work, results)
    if args.peers or args.only_peers:
        for name, fn in (("supervision", run_supervision), ("datumaro", run_datumaro)):
            try:
                fn(work, results)
            except ImportError:
                print(f"{name} not installed; skipped")
    print(json.dumps({k: round(v, 3) for k, v in results.items()}))


if __name__ == "__main__":
    main()

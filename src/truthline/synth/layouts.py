"""Folder writers: records to COCO (annotations/instances_<split>.json) and Ultralytics YOLO layouts.

One folder holds both: ``images/<split>/`` (PNG), ``labels/<split>/`` (YOLO txt), ``data.yaml``,
``annotations/instances_<split>.json`` (COCO; ``file_name`` relative to ``images/<split>/``),
``metadata.jsonl`` (one line per image: metadata, image class, novel objects) and ``taxonomy.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from truthline.domain.errors import UserInputError
from truthline.synth.records import SynthRecord, Taxonomy

SplitFn = Callable[[SynthRecord], str]


def split_by_index(fractions: dict[str, float], seed: int = 0) -> SplitFn:
    """A split assignment that depends only on (seed, image index): stable whatever ``n`` is."""
    names = list(fractions)
    edges = np.cumsum([fractions[n] for n in names])

    def assign(record: SynthRecord) -> str:
        u = np.random.default_rng([seed, record.index, 99]).random()
        i = int(np.searchsorted(edges, u, side="right"))
        return names[min(i, len(names) - 1)]

    return assign


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def yolo_lines(record: SynthRecord, taxonomy: Taxonomy) -> str:
    """YOLO label text: ``class cx cy w h`` normalised to 0..1, six decimals, one box per line."""
    ids = {name: i for i, name in enumerate(taxonomy.box_names)}
    lines = []
    for ann in record.annotations:
        x, y, w, h = ann["bbox"]
        lines.append(
            f"{ids[ann['label']]} {(x + w / 2) / record.width:.6f} {(y + h / 2) / record.height:.6f} "
            f"{w / record.width:.6f} {h / record.height:.6f}"
        )
    return "".join(line + "\n" for line in lines)


class FolderWriter:
    """Streams records into a COCO + YOLO folder; ``close()`` writes the per-split JSON and ``data.yaml``."""

    def __init__(self, out_dir: str | os.PathLike[str], taxonomy: Taxonomy, split: SplitFn | None = None) -> None:
        self.root = Path(out_dir)
        if self.root.exists() and not self.root.is_dir():
            raise UserInputError(f"{self.root} is not a folder", where="--out", fix="give a folder path")
        self.taxonomy = taxonomy
        self.split = split or (lambda _r: "train")
        self.cat_ids = {name: i + 1 for i, name in enumerate(taxonomy.box_names)}
        self.coco: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.meta_lines: list[str] = []
        self.count = 0

    def add(self, record: SynthRecord) -> str:
        """Write one record's image and labels; returns its split."""
        split = self.split(record)
        _atomic_write(self.root / "images" / split / record.file_name, record.png)
        stem = Path(record.file_name).stem
        _atomic_write(self.root / "labels" / split / f"{stem}.txt", yolo_lines(record, self.taxonomy).encode())
        doc = self.coco.setdefault(split, {"images": [], "annotations": []})
        image_id = len(doc["images"]) + 1
        doc["images"].append(
            {
                "id": image_id,
                "file_name": record.file_name,
                "width": record.width,
                "height": record.height,
                "metadata": record.metadata,
                "image_class": record.image_class,
                "novel_objects": record.novel_objects,
            }
        )
        for ann in record.annotations:
            x, y, w, h = ann["bbox"]
            entry: dict[str, Any] = {
                "id": len(doc["annotations"]) + 1,
                "image_id": image_id,
                "category_id": self.cat_ids[ann["label"]],
                "bbox": [x, y, w, h],
                "area": w * h,
                "iscrowd": 0,
            }
            entry.update({k: v for k, v in ann.items() if k not in ("label", "bbox")})
            doc["annotations"].append(entry)
        self.meta_lines.append(
            json.dumps(
                {
                    "file_name": record.file_name,
                    "split": split,
                    "metadata": record.metadata,
                    "image_class": record.image_class,
                    "novel_objects": record.novel_objects,
                },
                sort_keys=True,
            )
        )
        self.count += 1
        return split

    def close(self) -> dict[str, int]:
        """Write COCO JSON per split, data.yaml, metadata.jsonl and taxonomy.json; returns images per split."""
        categories = [
            {
                "id": self.cat_ids[c.name],
                "name": c.name,
                "supercategory": self.taxonomy.scenario,
                "guideline": c.guideline,
            }
            for c in self.taxonomy.classes
            if c.boxed
        ]
        for split, doc in self.coco.items():
            body = {
                "info": {"description": f"truthline synth {self.taxonomy.scenario}"},
                "images": doc["images"],
                "annotations": doc["annotations"],
                "categories": categories,
            }
            _atomic_write(
                self.root / "annotations" / f"instances_{split}.json", json.dumps(body, sort_keys=True).encode()
            )
        splits = sorted(self.coco) or ["train"]
        data: dict[str, Any] = {
            "path": ".",
            "names": dict(enumerate(self.taxonomy.box_names)),
            "nc": len(self.taxonomy.box_names),
        }
        for split in splits:
            data[split] = f"images/{split}"
        data.setdefault("val", data.get("train", f"images/{splits[0]}"))
        data.setdefault("train", data["val"])
        _atomic_write(self.root / "data.yaml", yaml.safe_dump(data, sort_keys=False).encode())
        _atomic_write(self.root / "metadata.jsonl", "".join(line + "\n" for line in self.meta_lines).encode())
        _atomic_write(self.root / "taxonomy.json", json.dumps(self.taxonomy.to_dict(), indent=2).encode())
        return {split: len(doc["images"]) for split, doc in self.coco.items()}


def write_folder(
    out_dir: str | os.PathLike[str], records: Iterable[SynthRecord], taxonomy: Taxonomy, split: SplitFn | None = None
) -> dict[str, int]:
    """Write records to ``out_dir`` in COCO and YOLO layout; returns the number of images per split."""
    writer = FolderWriter(out_dir, taxonomy, split)
    for record in records:
        writer.add(record)
    return writer.close()

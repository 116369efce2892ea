"""Small builders for test data: images on disk and metadata CSVs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared"  # ../shared beside the checkout
FIXTURES = SHARED / "fixtures"


def write_images(folder: Path, n: int, *, size: tuple[int, int] = (24, 16), start: int = 0) -> list[str]:
    """Write n distinct small PNGs; returns their names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i in range(start, start + n):
        img = np.zeros((size[1], size[0], 3), np.uint8)
        img[:, :, 0] = i % 256
        img[:, :, 1] = i // 256
        name = f"img_{i:04d}.png"
        cv2.imwrite(str(folder / name), img)
        names.append(name)
    return names


def write_meta(path: Path, rows: dict[str, dict[str, object]]) -> Path:
    keys = sorted({k for r in rows.values() for k in r})
    lines = ["file," + ",".join(keys)]
    lines += [name + "," + ",".join(str(r.get(k, "")) for k in keys) for name, r in rows.items()]
    path.write_text("\n".join(lines) + "\n")
    return path

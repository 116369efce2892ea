"""Masks: COCO run-length encoding (compressed string and uncompressed counts), areas, bounds, polygons."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np


def counts_from_string(s: str) -> list[int]:
    """Decode COCO's compressed RLE string (pycocotools ``rleFrString``) into run lengths."""
    cnts: list[int] = []
    p, n = 0, len(s)
    while p < n:
        x, k, more = 0, 0, 1
        while more:
            if p >= n:
                raise ValueError("truncated RLE string")
            c = ord(s[p]) - 48
            if c < 0 or c > 63:
                raise ValueError(f"invalid RLE character {s[p]!r}")
            x |= (c & 0x1F) << (5 * k)
            more = c & 0x20
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(cnts) > 2:
            x += cnts[-2]
        cnts.append(x)
    if any(c < 0 for c in cnts):
        raise ValueError("negative run length in RLE string")
    return cnts


def counts_to_string(cnts: list[int]) -> str:
    """Encode run lengths as COCO's compressed RLE string (pycocotools ``rleToString``)."""
    out = []
    for i, v in enumerate(cnts):
        x = int(v)
        if i > 2:
            x -= int(cnts[i - 2])
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def rle_counts(rle: dict[str, Any]) -> list[int]:
    counts = rle["counts"]
    return counts_from_string(counts) if isinstance(counts, str) else [int(c) for c in counts]


def rle_area(rle: dict[str, Any]) -> int:
    return sum(rle_counts(rle)[1::2])


def rle_bbox(rle: dict[str, Any]) -> list[float]:
    """``[x, y, w, h]`` of the foreground of a column-major RLE; zeros when empty."""
    h = int(rle["size"][0])
    pos = 0
    x0 = y0 = 10**12
    x1 = y1 = -1
    for i, n in enumerate(rle_counts(rle)):
        if i % 2 == 1 and n > 0:
            first, last = pos, pos + n - 1
            c0, c1 = first // h, last // h
            x0, x1 = min(x0, c0), max(x1, c1)
            if c0 == c1:
                y0, y1 = min(y0, first % h), max(y1, last % h)
            else:
                y0, y1 = 0, h - 1
        pos += n
    if x1 < 0:
        return [0.0, 0.0, 0.0, 0.0]
    return [float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)]


def mask_to_rle(mask: np.ndarray, *, compressed: bool = True) -> dict[str, Any]:
    """Column-major RLE of a 2-D boolean mask: ``{"size": [h, w], "counts": ...}``."""
    h, w = mask.shape
    flat = np.asarray(mask, dtype=bool).ravel(order="F")
    change = np.flatnonzero(np.diff(flat.astype(np.int8))) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        runs = [0, *runs]
    if not flat.size:
        runs = [0]
    return {"size": [int(h), int(w)], "counts": counts_to_string(runs) if compressed else [int(r) for r in runs]}


def rle_to_mask(rle: dict[str, Any]) -> np.ndarray:
    h, w = (int(v) for v in rle["size"])
    counts = rle_counts(rle)
    if sum(counts) != h * w:
        raise ValueError(f"RLE counts sum to {sum(counts)}, expected {h * w} (= h*w)")
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, counts)
    return flat.reshape((w, h)).T


def rle_valid(rle: dict[str, Any]) -> str | None:
    """``None`` when the RLE is consistent, else what is wrong with it."""
    try:
        h, w = (int(v) for v in rle["size"])
        total = sum(rle_counts(rle))
    except (ValueError, TypeError, KeyError) as e:
        return str(e)
    if total != h * w:
        return f"counts sum to {total}, expected h*w = {h * w}"
    return None


def polygon_area(ring: list[float]) -> float:
    xs, ys = ring[0::2], ring[1::2]
    n = len(xs)
    return abs(sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))) / 2.0


def mask_to_polygons(mask: np.ndarray) -> list[list[float]]:
    """Outer contours of a mask as flat rings (pixel corners), largest first; tiny specks skipped."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rings = [c.reshape(-1).astype(float).tolist() for c in contours if len(c) >= 3]
    rings.sort(key=polygon_area, reverse=True)
    return rings


def polygons_to_mask(rings: list[list[float]], h: int, w: int) -> np.ndarray:
    canvas = np.zeros((h, w), dtype=np.uint8)
    pts = [np.round(np.asarray(r, dtype=np.float64).reshape(-1, 2)).astype(np.int32) for r in rings if len(r) >= 6]
    if pts:
        cv2.fillPoly(canvas, pts, 1)
    return canvas.astype(bool)

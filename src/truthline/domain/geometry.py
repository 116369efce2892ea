"""Geometry of an annotation: box, rotated box, polygon, polyline, points, RLE mask or none.

Coordinates are pixels in the image as displayed (EXIF orientation applied), origin at the
top-left corner of the top-left pixel, x to the right, y down. Boxes are ``[x, y, w, h]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from truthline.domain.errors import UserInputError


class GeometryKind(StrEnum):
    """The shapes truthline keeps without conversion."""

    LABEL = "label"  # image-level class, no geometry
    BOX = "box"  # {"bbox": [x, y, w, h]}
    ROTATED_BOX = "rotated_box"  # {"cx", "cy", "w", "h", "angle"} angle in degrees, clockwise
    POLYGON = "polygon"  # {"rings": [[x1, y1, x2, y2, ...], ...]}
    POLYLINE = "polyline"  # {"points": [x1, y1, x2, y2, ...]}
    POINTS = "points"  # {"points": [x1, y1, ...], "visibility": [v1, ...] (optional), "names": [...]}
    MASK = "mask"  # {"rle": {"size": [h, w], "counts": str | list[int]}}


_REQUIRED: dict[GeometryKind, tuple[str, ...]] = {
    GeometryKind.LABEL: (),
    GeometryKind.BOX: ("bbox",),
    GeometryKind.ROTATED_BOX: ("cx", "cy", "w", "h", "angle"),
    GeometryKind.POLYGON: ("rings",),
    GeometryKind.POLYLINE: ("points",),
    GeometryKind.POINTS: ("points",),
    GeometryKind.MASK: ("rle",),
}


_BY_VALUE = {k.value: k for k in GeometryKind}
_NUMBER = (int, float)


def validate_geometry(kind: str | GeometryKind, data: Mapping[str, Any], *, where: str = "geometry") -> GeometryKind:
    """Check that ``data`` has what ``kind`` needs; return the kind as an enum."""
    gk = kind if isinstance(kind, GeometryKind) else _BY_VALUE.get(kind)
    if gk is None:
        raise UserInputError(
            f"unknown geometry kind {kind!r}",
            where=where,
            fix=f"use one of {', '.join(k.value for k in GeometryKind)}",
        ) from None
    missing = [k for k in _REQUIRED[gk] if k not in data]
    if missing:
        raise UserInputError(f"{gk.value} geometry lacks {', '.join(missing)}", where=where)
    if gk is GeometryKind.BOX:
        box = data["bbox"]
        if len(box) != 4 or not all(isinstance(v, _NUMBER) and math.isfinite(v) for v in box):
            raise UserInputError(f"bbox must be four finite numbers [x, y, w, h], got {box!r}", where=where)
        if box[2] < 0 or box[3] < 0:
            raise UserInputError(f"bbox width and height must be >= 0, got {box!r}", where=where)
    return gk


def _bounds(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float, float]:
    x0, y0 = min(xs), min(ys)
    return (x0, y0, max(xs) - x0, max(ys) - y0)


def bounding_box(kind: GeometryKind, data: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """The axis-aligned ``(x, y, w, h)`` that encloses a geometry, ``None`` for image-level labels."""
    if kind is GeometryKind.LABEL:
        return None
    if kind is GeometryKind.BOX:
        x, y, w, h = data["bbox"]
        return (float(x), float(y), float(w), float(h))
    if kind is GeometryKind.ROTATED_BOX:
        cx, cy, w, h, a = (float(data[k]) for k in ("cx", "cy", "w", "h", "angle"))
        c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
        corners = [(cx + dx * c - dy * s, cy + dx * s + dy * c) for dx in (-w / 2, w / 2) for dy in (-h / 2, h / 2)]
        return _bounds([p[0] for p in corners], [p[1] for p in corners])
    if kind is GeometryKind.POLYGON:
        flat = [v for ring in data["rings"] for v in ring]
    elif kind is GeometryKind.MASK:
        return _mask_bounds(data["rle"])
    else:
        flat = list(data["points"])
    if len(flat) < 2:
        return None
    return _bounds(flat[0::2], flat[1::2])


def _mask_bounds(rle: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """Bounds of an uncompressed (list) RLE in COCO's column-major order; compressed RLE gives None."""
    counts = rle.get("counts")
    if not isinstance(counts, list):
        return None
    h = int(rle["size"][0])
    pos, cols, rows = 0, [], []
    for i, n in enumerate(counts):
        if i % 2 == 1 and n > 0:
            first, last = pos, pos + n - 1
            cols += [first // h, last // h]
            rows += [first % h, last % h] if first // h == last // h else [0, h - 1]
        pos += n
    if not cols:
        return None
    return (float(min(cols)), float(min(rows)), float(max(cols) - min(cols) + 1), float(max(rows) - min(rows) + 1))

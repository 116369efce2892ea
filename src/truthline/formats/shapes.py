"""Geometry conversions exporters use when a format cannot hold a shape as it is (each one is reported)."""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from truthline.domain.geometry import GeometryKind
from truthline.domain.labels import Label
from truthline.formats import masks


def rotated_corners(g: dict[str, Any]) -> list[float]:
    """Corners of a rotated box (angle in degrees, clockwise), from its top-left corner, clockwise."""
    cx, cy, w, h, a = (float(g[k]) for k in ("cx", "cy", "w", "h", "angle"))
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    out: list[float] = []
    for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)):
        out += [cx + dx * c - dy * s, cy + dx * s + dy * c]
    return out


def rotated_from_corners(pts: list[float]) -> dict[str, float]:
    """A rotated box from 4 corners in order (first edge = width); exact for a rectangle."""
    x1, y1, x2, y2, x3, y3, x4, y4 = pts
    w = math.hypot(x2 - x1, y2 - y1)
    h = math.hypot(x3 - x2, y3 - y2)
    angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
    return {"cx": (x1 + x2 + x3 + x4) / 4, "cy": (y1 + y2 + y3 + y4) / 4, "w": w, "h": h, "angle": angle}


def min_area_rotated(points: list[float]) -> dict[str, float]:
    """Smallest rotated box around a point list (OpenCV ``minAreaRect``)."""
    arr = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    (cx, cy), (w, h), a = cv2.minAreaRect(arr)
    return {"cx": float(cx), "cy": float(cy), "w": float(w), "h": float(h), "angle": float(a)}


def box_corners(bbox: list[float] | tuple[float, ...]) -> list[float]:
    x, y, w, h = (float(v) for v in bbox)
    return [x, y, x + w, y, x + w, y + h, x, y + h]


def as_box(label: Label) -> list[float] | None:
    b = label.bbox
    return [float(v) for v in b] if b is not None else None


def as_rings(label: Label) -> list[list[float]]:
    """The shape as polygon rings (a box or rotated box gives its 4 corners, a mask its outer contours)."""
    g = label.geometry
    if label.kind is GeometryKind.POLYGON:
        return [list(map(float, r)) for r in g["rings"]]
    if label.kind is GeometryKind.BOX:
        return [box_corners(g["bbox"])]
    if label.kind is GeometryKind.ROTATED_BOX:
        return [rotated_corners(g)]
    if label.kind is GeometryKind.MASK:
        return masks.mask_to_polygons(masks.rle_to_mask(g["rle"]))
    if label.kind in (GeometryKind.POLYLINE, GeometryKind.POINTS):
        return [list(map(float, g["points"]))]
    return []

"""Camera displacement: the affine matrix of a knocked camera and the exact transform of boxes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

MAX_ROTATION_DEG = 8.0
"""Rotation at severity 1."""
MAX_SHIFT_FRACTION = 0.08
"""Translation at severity 1, as a fraction of the shorter image side."""


@dataclass(frozen=True)
class Displacement:
    """A rigid camera displacement: rotation about the image centre (degrees, positive is counter-clockwise
    as seen in the image) followed by a translation (pixels, +x right, +y down)."""

    rotation_deg: float
    dx: float
    dy: float

    def matrix(self, width: int, height: int) -> np.ndarray:
        """2x3 float64 affine matrix mapping original pixel coordinates to displaced ones."""
        m = cv2.getRotationMatrix2D(((width - 1) / 2.0, (height - 1) / 2.0), self.rotation_deg, 1.0)
        m[0, 2] += self.dx
        m[1, 2] += self.dy
        return m

    def metadata(self) -> dict[str, float]:
        return {
            "displacement_rotation_deg": self.rotation_deg,
            "displacement_dx": self.dx,
            "displacement_dy": self.dy,
        }


def sample_displacement(
    severity: float,
    rng: np.random.Generator,
    width: int,
    height: int,
    variant: str = "both",
    params: Mapping[str, float] | None = None,
) -> Displacement:
    """Draw a displacement of the given severity; explicit ``params`` (rotation_deg, dx, dy) win.

    Values are rounded (0.01° and 0.1 px) before use, so the metadata states exactly what was applied.
    """
    params = params or {}
    sign = 1.0 if rng.random() < 0.5 else -1.0
    direction = rng.uniform(0.0, 2.0 * math.pi)
    rotation = sign * severity * MAX_ROTATION_DEG if variant in ("both", "rotate") else 0.0
    shift = severity * MAX_SHIFT_FRACTION * min(width, height) if variant in ("both", "shift") else 0.0
    dx, dy = shift * math.cos(direction), shift * math.sin(direction)
    if params:
        rotation = float(params.get("rotation_deg", 0.0))
        dx = float(params.get("dx", 0.0))
        dy = float(params.get("dy", 0.0))
    return Displacement(round(rotation, 2), round(dx, 1), round(dy, 1))


def displacement_severity(params: Mapping[str, float], width: int, height: int) -> float:
    """The severity that explicit displacement parameters correspond to (for metadata), clipped to 1."""
    rot = abs(float(params.get("rotation_deg", 0.0))) / MAX_ROTATION_DEG
    shift = math.hypot(float(params.get("dx", 0.0)), float(params.get("dy", 0.0)))
    shift /= MAX_SHIFT_FRACTION * min(width, height)
    return round(min(1.0, max(rot, shift)), 3)


def warp_image(image: np.ndarray, matrix: np.ndarray, border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Apply an affine matrix to an image (bilinear; edges replicated so no black wedges appear)."""
    h, w = image.shape[:2]
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=border)


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine matrix to an (N, 2) array of points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return pts @ matrix[:, :2].T + matrix[:, 2]


def transform_boxes(boxes: np.ndarray, matrix: np.ndarray, width: int, height: int) -> np.ndarray:
    """Transform ``[x, y, w, h]`` boxes: the bounds of the moved corners, clipped to the image.

    For an axis-aligned object under rotation this encloses the object; synthetic scenes instead redraw
    their objects through the matrix, so their boxes stay tight.
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(b) == 0:
        return b.copy()
    # box edges are at pixel borders; OpenCV puts pixel centres on integers, hence the half-pixel shifts
    x0, y0 = b[:, 0] - 0.5, b[:, 1] - 0.5
    x1, y1 = x0 + b[:, 2], y0 + b[:, 3]
    corners = np.stack(
        [np.stack([x0, y0], 1), np.stack([x1, y0], 1), np.stack([x1, y1], 1), np.stack([x0, y1], 1)], axis=1
    )  # (N, 4, 2)
    moved = corners @ matrix[:, :2].T + matrix[:, 2] + 0.5
    lo = np.clip(moved.min(axis=1), 0, [width, height])
    hi = np.clip(moved.max(axis=1), 0, [width, height])
    return np.concatenate([lo, hi - lo], axis=1)

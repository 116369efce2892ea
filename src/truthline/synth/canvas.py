"""A drawing surface that moves every shape through the camera matrix and records exact object boxes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from truthline.synth.geometry import transform_points

Color = tuple[int, int, int]


@dataclass(frozen=True)
class DrawnBox:
    """Tight bounds of what an object drew, clipped to the image, plus whether it ran past the border."""

    x: int
    y: int
    w: int
    h: int
    truncated: bool

    def xywh(self) -> list[float]:
        return [float(self.x), float(self.y), float(self.w), float(self.h)]


class Canvas:
    """Draws filled polygons and lines onto a BGR image through an optional 2x3 camera matrix.

    Between ``begin_object`` and ``end_object`` every shape is also drawn into a mask with the same
    integer points, so the object's box is the bounding rectangle of exactly the pixels it drew.
    Shapes use ``LINE_8`` (no anti-aliasing) so the image and the mask agree pixel for pixel.
    """

    def __init__(self, image: np.ndarray, matrix: np.ndarray | None = None) -> None:
        self.image = image
        self.height, self.width = image.shape[:2]
        self.matrix = matrix
        self._mask = np.zeros((self.height, self.width), np.uint8)
        self._recording = False
        self._outside = False

    def _points(self, pts: np.ndarray | Sequence[Sequence[float]], transform: bool = True) -> np.ndarray:
        p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        if transform and self.matrix is not None:
            p = transform_points(p, self.matrix)
        q = np.rint(p).astype(np.int32)
        if self._recording and not self._outside:
            lo, hi = q.min(axis=0), q.max(axis=0)
            if lo[0] < 0 or lo[1] < 0 or hi[0] >= self.width or hi[1] >= self.height:
                self._outside = True
        return q

    def polygon(self, pts: np.ndarray | Sequence[Sequence[float]], color: Color, *, transform: bool = True) -> None:
        q = self._points(pts, transform)
        cv2.fillPoly(self.image, [q], color, lineType=cv2.LINE_8)
        if self._recording:
            cv2.fillPoly(self._mask, [q], 255, lineType=cv2.LINE_8)

    def polyline(
        self, pts: np.ndarray | Sequence[Sequence[float]], color: Color, thickness: int = 1, *, closed: bool = False
    ) -> None:
        q = self._points(pts)
        t = max(1, int(thickness))
        cv2.polylines(self.image, [q], closed, color, t, lineType=cv2.LINE_8)
        if self._recording:
            cv2.polylines(self._mask, [q], closed, 255, t, lineType=cv2.LINE_8)
            if t > 1 and not self._outside:
                lo, hi = q.min(axis=0) - t, q.max(axis=0) + t
                self._outside = bool(lo[0] < 0 or lo[1] < 0 or hi[0] >= self.width or hi[1] >= self.height)

    def ellipse(
        self, centre: Sequence[float], axes: Sequence[float], angle_deg: float, color: Color, n: int = 24
    ) -> None:
        self.polygon(ellipse_points(centre, axes, angle_deg, n), color)

    def begin_object(self) -> None:
        self._recording = True
        self._outside = False

    def end_object(self) -> DrawnBox | None:
        """Stop recording; the box of what was drawn since ``begin_object``, ``None`` when nothing shows."""
        self._recording = False
        x, y, w, h = cv2.boundingRect(self._mask)
        if w == 0 or h == 0:
            return None
        self._mask[y : y + h, x : x + w] = 0
        return DrawnBox(x, y, w, h, self._outside)


def ellipse_points(centre: Sequence[float], axes: Sequence[float], angle_deg: float, n: int = 24) -> np.ndarray:
    """Vertices of an ellipse (float), to be drawn as a polygon through the camera matrix."""
    unit = _unit_circle(n)
    x, y = axes[0] * unit[:, 0], axes[1] * unit[:, 1]
    if angle_deg:
        a = math.radians(angle_deg)
        ca, sa = math.cos(a), math.sin(a)
        x, y = x * ca - y * sa, x * sa + y * ca
    out = np.empty((n, 2))
    out[:, 0] = x + centre[0]
    out[:, 1] = y + centre[1]
    return out


@lru_cache(maxsize=32)
def _unit_circle(n: int) -> np.ndarray:
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    return np.stack([np.cos(t), np.sin(t)], axis=1)


def rect_points(cx: float, cy: float, w: float, h: float, angle_deg: float = 0.0) -> np.ndarray:
    """Corners of a (rotated) rectangle centred at (cx, cy); w and h are pixel counts covered."""
    hw, hh = (w - 1) / 2.0, (h - 1) / 2.0
    pts = np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]])
    if angle_deg:
        a = np.deg2rad(angle_deg)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        pts = pts @ rot.T
    return pts + np.array([cx, cy])


def local_frame(cx: float, cy: float, angle_deg: float, scale: float = 1.0) -> np.ndarray:
    """2x3 matrix from an object's local coordinates (origin at its centre) to scene coordinates."""
    a = np.deg2rad(angle_deg)
    c, s = np.cos(a) * scale, np.sin(a) * scale
    return np.array([[c, -s, cx], [s, c, cy]])

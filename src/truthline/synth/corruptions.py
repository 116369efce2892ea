"""Pixel corruptions for each production condition, usable on any BGR image (synthetic or real).

Every function takes ``(image, severity, variant, rng, params)`` and returns the corrupted image and the
flat metadata it applied (``<condition>_...`` keys), so a corruption on a real evaluation image is recorded
the same way as on a synthetic one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from truthline.domain.errors import UserInputError
from truthline.synth.conditions import CONDITIONS
from truthline.synth.geometry import sample_displacement, transform_boxes, warp_image

Meta = dict[str, Any]
Corruption = Callable[
    [np.ndarray, float, "str | None", np.random.Generator, Mapping[str, float]], tuple[np.ndarray, Meta]
]

# (gain, gamma, offset, blue, green, red multipliers) at severity 1; severity 0 is the identity
_LIGHTING: dict[str, tuple[float, float, float, float, float, float]] = {
    "day": (1.10, 1.00, 0.0, 1.00, 1.00, 1.00),
    "morning": (0.80, 1.10, 0.0, 0.85, 0.97, 1.08),
    "afternoon": (1.10, 0.95, 0.0, 0.95, 1.00, 1.05),
    "dusk": (0.45, 1.30, 0.0, 0.65, 0.88, 1.10),
    "night": (0.20, 1.60, 0.0, 1.15, 0.90, 0.75),
    "overexposure": (2.80, 0.80, 40.0, 1.00, 1.00, 1.00),
}


@lru_cache(maxsize=256)
def _lighting_lut(variant: str, severity: float) -> np.ndarray:
    gain, gamma, offset, b, g, r = _LIGHTING[variant]
    s = severity
    x = np.arange(256, dtype=np.float64) / 255.0
    base = np.power(x, 1.0 + (gamma - 1.0) * s) * 255.0
    lut = np.empty((1, 256, 3), dtype=np.uint8)
    for c, tint in enumerate((b, g, r)):
        mult = (1.0 + (gain - 1.0) * s) * (1.0 + (tint - 1.0) * s)
        lut[0, :, c] = np.clip(np.rint(base * mult + offset * s), 0, 255).astype(np.uint8)
    return lut


def lighting(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """Gain, gamma and colour temperature per time of day; ``overexposure`` brightens and clips."""
    v = variant or "day"
    out = cv2.LUT(img, _lighting_lut(v, round(s, 4)))
    return out, {"lighting": v, "lighting_severity": s}


def _gaussian_1d(n: int, centre: float, sigma: float) -> np.ndarray:
    x = np.arange(n, dtype=np.float32)
    return np.exp(-0.5 * ((x - centre) / sigma) ** 2).astype(np.float32)


def glare(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """An additive bright spot (Gaussian) with a thin horizontal streak through it."""
    h, w = img.shape[:2]
    fx, fy = rng.uniform(0.15, 0.85), rng.uniform(0.1, 0.6)
    fx, fy = float(params.get("x", fx)), float(params.get("y", fy))
    cx, cy = fx * (w - 1), fy * (h - 1)
    sigma = (0.06 + 0.14 * s) * min(w, h)
    spot = np.outer(_gaussian_1d(h, cy, sigma), _gaussian_1d(w, cx, sigma))
    streak = np.outer(_gaussian_1d(h, cy, max(1.0, 0.012 * h)), _gaussian_1d(w, cx, 0.5 * w))
    light = (255.0 * 1.3 * s) * np.maximum(spot, 0.7 * streak)
    out = cv2.add(img, cv2.merge([light, light, light]), dtype=cv2.CV_8U)
    return out, {"glare_severity": s, "glare_x": round(fx, 3), "glare_y": round(fy, 3)}


def fog(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """Haze: blend towards a bright airlight with transmission falling with severity, slightly patchy."""
    h, w = img.shape[:2]
    coarse = rng.uniform(-1.0, 1.0, size=(3, 3)).astype(np.float32)
    field: np.ndarray = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    t = np.clip(1.0 - 0.8 * s + 0.06 * s * field, 0.05, 1.0)[..., None]
    airlight = np.array([218.0, 214.0, 208.0], dtype=np.float32)
    out = img.astype(np.float32) * t + airlight * (1.0 - t)
    out = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return out, {"fog_severity": s}


@lru_cache(maxsize=64)
def _disk_kernel(radius: float) -> np.ndarray:
    r = math.ceil(radius)
    size = 2 * r + 1
    # supersampled disk so that small radii are not quantised to a square
    k = np.zeros((size * 4, size * 4), np.uint8)
    cv2.circle(k, (size * 2, size * 2), round(radius * 4), 255, -1, lineType=cv2.LINE_8)
    kernel = cv2.resize(k.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    return (kernel / kernel.sum()).astype(np.float32)


def defocus_radius(s: float, width: int, height: int) -> float:
    return round(0.5 + 0.03 * s * min(width, height), 2)


def defocus(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """Out of focus: convolution with a disk whose radius grows with severity."""
    h, w = img.shape[:2]
    radius = defocus_radius(s, w, h)
    out = cv2.filter2D(img, -1, _disk_kernel(radius), borderType=cv2.BORDER_REFLECT101)
    return out, {"defocus_severity": s, "defocus_radius_px": radius}


def smear(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """A greasy lens smear: a soft elliptical patch that is blurred and milky."""
    h, w = img.shape[:2]
    fx, fy = float(params.get("x", rng.uniform(0.3, 0.7))), float(params.get("y", rng.uniform(0.3, 0.7)))
    axes = (round((0.35 + 0.35 * s) * w), round((0.25 + 0.3 * s) * h))
    angle = float(rng.uniform(0, 180))
    mask: np.ndarray = np.zeros((h, w), np.float32)
    cv2.ellipse(mask, (round(fx * (w - 1)), round(fy * (h - 1))), axes, angle, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.08 * min(w, h))
    sigma = 1.0 + 5.0 * s
    blurred = cv2.GaussianBlur(img, (0, 0), sigma).astype(np.float32)
    milky = blurred * (1.0 - 0.25 * s) + 200.0 * 0.25 * s
    alpha = (mask * (0.5 + 0.5 * s))[..., None]
    out = img.astype(np.float32) * (1.0 - alpha) + milky * alpha
    out = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return out, {"smear_severity": s, "smear_x": round(fx, 3), "smear_y": round(fy, 3)}


@lru_cache(maxsize=256)
def _line_kernel(length: int, angle_deg: float) -> np.ndarray:
    size = length if length % 2 == 1 else length + 1
    k = np.zeros((size, size), np.float32)
    c = size // 2
    dx = math.cos(math.radians(angle_deg)) * (length - 1) / 2.0
    dy = -math.sin(math.radians(angle_deg)) * (length - 1) / 2.0
    cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    return k / k.sum()


def motion_blur(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """Linear motion blur; length grows with severity, angle drawn at random unless given."""
    h, w = img.shape[:2]
    length = 1 + round(0.075 * s * min(w, h))
    angle = round(float(params.get("angle_deg", rng.uniform(0.0, 180.0))), 1)
    out = img if length <= 1 else cv2.filter2D(img, -1, _line_kernel(length, angle), borderType=cv2.BORDER_REFLECT101)
    return out, {"motion_blur_severity": s, "motion_blur_length_px": length, "motion_blur_angle_deg": angle}


def noise(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """Additive Gaussian sensor noise, independent per pixel and channel."""
    sigma = round(2.0 + 38.0 * s, 2)
    n = rng.standard_normal(img.shape, dtype=np.float32)
    n *= sigma
    out = cv2.add(img, n, dtype=cv2.CV_8U)
    return out, {"noise_severity": s, "noise_sigma": sigma}


def jpeg(
    img: np.ndarray, s: float, variant: str | None, rng: np.random.Generator, params: Mapping[str, float]
) -> tuple[np.ndarray, Meta]:
    """JPEG round trip at a quality that falls from 90 (severity 0) to 10 (severity 1)."""
    quality = round(90 - 80 * s)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover
        raise ValueError("JPEG encoding failed")
    out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if out is None:  # pragma: no cover
        raise ValueError("JPEG decoding failed")
    return out, {"jpeg_severity": s, "jpeg_quality": quality}


PIXEL_CORRUPTIONS: dict[str, Corruption] = {
    "lighting": lighting,
    "glare": glare,
    "fog": fog,
    "defocus": defocus,
    "smear": smear,
    "motion_blur": motion_blur,
    "noise": noise,
    "jpeg": jpeg,
}


def occlusion_band(box: np.ndarray, fraction: float, side: str, width: int, height: int) -> np.ndarray:
    """Polygon of an occluder that covers ``fraction`` of a box from one side, reaching the image edge.

    Returned in pixel-index corners (inclusive), as four (x, y) points.
    """
    x, y, w, h = (float(v) for v in box)
    x0, y0 = round(x), round(y)
    x1, y1 = round(x + w) - 1, round(y + h) - 1
    if side in ("left", "right"):
        cover = round(fraction * (x1 - x0 + 1))
        if side == "left":
            xa, xb = 0, x0 + cover - 1
        else:
            xa, xb = x1 - cover + 1, width - 1
        ya, yb = y0, y1
    else:
        cover = round(fraction * (y1 - y0 + 1))
        if side == "top":
            ya, yb = 0, y0 + cover - 1
        else:
            ya, yb = y1 - cover + 1, height - 1
        xa, xb = x0, x1
    return np.array([[xa, ya], [xb, ya], [xb, yb], [xa, yb]], dtype=np.int32)


OCCLUDER_BGR = (176, 112, 48)
"""Glove blue: a colour no synthetic scene uses for anything else."""


def draw_occluder(
    img: np.ndarray, boxes: np.ndarray, s: float, rng: np.random.Generator, target: int | None = None
) -> tuple[np.ndarray, Meta, list[float]]:
    """Draw an occluder over ``s`` of one box (or of the whole image when there are none).

    Returns the image, metadata, and for every box the fraction of its area the occluder covers.
    """
    h, w = img.shape[:2]
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if target is None:
        target = int(rng.integers(len(boxes))) if len(boxes) else -1
    side = ("left", "right", "top", "bottom")[int(rng.integers(4))]
    box = boxes[target] if target >= 0 else np.array([0.0, 0.0, w, h])
    out = img.copy()
    covered: list[float] = []
    if s > 0 and box[2] > 0 and box[3] > 0:
        poly = occlusion_band(box, s, side, w, h)
        (xa, ya), (xb, yb) = poly[0], poly[2]
        if xb >= xa and yb >= ya:
            out[ya : yb + 1, xa : xb + 1] = OCCLUDER_BGR
        for b in boxes:
            bx0, by0 = round(b[0]), round(b[1])
            bx1, by1 = round(b[0] + b[2]) - 1, round(b[1] + b[3]) - 1
            iw = max(0, min(bx1, xb) - max(bx0, xa) + 1)
            ih = max(0, min(by1, yb) - max(by0, ya) + 1)
            area = max(1, (bx1 - bx0 + 1) * (by1 - by0 + 1))
            covered.append(round(iw * ih / area, 4))
    else:
        covered = [0.0] * len(boxes)
    meta: Meta = {"occlusion_severity": s, "occlusion_fraction": s, "occlusion_side": side}
    return out, meta, covered


def apply_condition_with_boxes(
    image: np.ndarray,
    boxes: np.ndarray,
    condition: str,
    severity: float,
    rng: np.random.Generator,
    *,
    variant: str | None = None,
    params: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, Meta]:
    """Apply one condition to an image and its ``[x, y, w, h]`` boxes.

    Displacement moves the boxes (bounds of the moved corners, clipped); occlusion adds
    ``occluded`` fractions per box to the metadata under ``occluded_fractions``; other conditions leave boxes.
    """
    info = CONDITIONS.get(condition)
    if info is None:
        raise UserInputError(f"unknown condition {condition!r}", fix=f"use one of {', '.join(CONDITIONS)}")
    if not 0.0 <= severity <= 1.0:
        raise UserInputError(
            f"severity {severity} outside 0..1", where=f"condition {condition!r}", fix="give a number from 0 to 1"
        )
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise UserInputError("image must be an HxWx3 uint8 BGR array", where=f"condition {condition!r}")
    params = params or {}
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    h, w = image.shape[:2]
    if condition in PIXEL_CORRUPTIONS:
        out, meta = PIXEL_CORRUPTIONS[condition](image, severity, variant or info.default_variant, rng, params)
        return out, boxes.copy(), meta
    if condition == "displacement":
        d = sample_displacement(severity, rng, w, h, variant or "both", params)
        m = d.matrix(w, h)
        return (
            warp_image(image, m),
            transform_boxes(boxes, m, w, h),
            {"displacement_severity": severity, **d.metadata()},
        )
    if condition == "occlusion":
        out, meta, covered = draw_occluder(image, boxes, severity, rng)
        meta["occluded_fractions"] = covered
        return out, boxes.copy(), meta
    raise UserInputError(
        f"condition {condition!r} needs a synthetic scene",
        where="apply_condition",
        fix="use truthline.synth.generate_images with this condition",
    )


def apply_condition(
    image: np.ndarray,
    condition: str,
    severity: float,
    rng: np.random.Generator,
    *,
    variant: str | None = None,
    params: Mapping[str, float] | None = None,
) -> np.ndarray:
    """Apply one condition's corruption to an existing HxWx3 uint8 BGR image; returns a new array.

    Works for every condition except ``redesign`` and ``novel``, which change the scene itself.
    """
    out, _, _ = apply_condition_with_boxes(
        image, np.zeros((0, 4)), condition, severity, rng, variant=variant, params=params
    )
    return out

"""Scenario "inspection": metal parts on a conveyor, some with scratch, dent, missing component or contamination.

A still image shows one part; its defects are boxed and the image carries the image-level class
(``clean`` or the defect class). In video, parts ride the belt through the frame and every defect keeps
one track id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from truthline.synth.canvas import Canvas, Color, ellipse_points, local_frame, rect_points
from truthline.synth.geometry import transform_points
from truthline.synth.records import ClassSpec, Taxonomy
from truthline.synth.scenes.base import (
    DEFECT,
    LAYOUT,
    NOVEL,
    SceneConditions,
    SceneObject,
    SceneOutput,
    View,
    periodic_texture,
    window,
)

DEFECTS = ("scratch", "dent", "missing_component", "contamination")

TAXONOMY = Taxonomy(
    scenario="inspection",
    description="Parts at an inspection station. Box every defect; label the image clean or by its defect.",
    classes=(
        ClassSpec("scratch", "a thin bright line cut into the part surface; box the whole line"),
        ClassSpec("dent", "a dark round depression with a bright rim highlight; box the depression"),
        ClassSpec(
            "missing_component", "an empty copper pad where a bolt, chip, connector or capacitor belongs; box the pad"
        ),
        ClassSpec("contamination", "a brown stain or deposit on the part; box the stain"),
        ClassSpec("clean", "image-level only: a part with no defect; never boxed", boxed=False),
    ),
)

BODY_BGR = np.array([178.0, 180.0, 182.0])
REDESIGN_BGR = np.array([120.0, 140.0, 60.0])
SCRATCH_BGR: Color = (238, 240, 242)
DENT_BGR: Color = (112, 114, 118)
DENT_RIM_BGR: Color = (222, 224, 226)
STAIN_BGR: Color = (35, 75, 118)
STAIN_CORE_BGR: Color = (22, 50, 84)
PAD_BGR: Color = (70, 130, 192)
COMPONENT_BGR: dict[str, Color] = {
    "bolt": (72, 72, 78),
    "chip": (34, 34, 38),
    "connector": (64, 44, 22),
    "capacitor": (50, 112, 40),
}
NOVEL_BGR: dict[str, Color] = {"wrench": (172, 60, 172), "cable_tie": (40, 222, 182), "insect": (18, 18, 18)}


@dataclass
class Component:
    name: str
    shape: str  # "circle" | "rect"
    x: float
    y: float
    w: float
    h: float


@dataclass
class Defect:
    kind: str
    points: np.ndarray  # local coordinates of the defect's main shape
    extra: np.ndarray | None = None  # rim highlight / stain core
    component: int = -1


@dataclass
class PartSpec:
    bw: float
    bh: float
    angle: float
    dx: float
    dy: float
    tint: np.ndarray
    components: list[Component]
    defects: list[Defect] = field(default_factory=list)

    @property
    def image_class(self) -> str:
        return self.defects[0].kind if self.defects else "clean"


def _components(bw: float, bh: float) -> list[Component]:
    ex, ey = bw / 2 - 15, bh / 2 - 15
    out = [Component("bolt", "circle", sx * ex, sy * ey, 15, 15) for sx in (-1, 1) for sy in (-1, 1)]
    out += [
        Component("chip", "rect", -0.16 * bw, -0.04 * bh, 38, 28),
        Component("connector", "rect", 0.24 * bw, -0.2 * bh, 32, 16),
        Component("capacitor", "circle", 0.22 * bw, 0.2 * bh, 21, 21),
    ]
    return out


def _component_points(c: Component) -> np.ndarray:
    if c.shape == "circle":
        return ellipse_points((c.x, c.y), ((c.w - 1) / 2, (c.h - 1) / 2), 0.0, 20)
    return rect_points(c.x, c.y, c.w, c.h)


def _blob(rng: np.random.Generator, cx: float, cy: float, r: float, n: int = 12) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(0, 0.4)
    rad = r * rng.uniform(0.65, 1.0, n)
    return np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], axis=1)


def make_part(layout: np.random.Generator, defects: np.random.Generator, rate: float) -> PartSpec:
    """Draw a part and (with probability ``rate``) its defects, in part-local coordinates at scale 1."""
    bw, bh = layout.uniform(150, 180), layout.uniform(106, 126)
    spec = PartSpec(
        bw=bw,
        bh=bh,
        angle=layout.uniform(-8, 8),
        dx=layout.uniform(-10, 10),
        dy=layout.uniform(-10, 10),
        tint=layout.uniform(-10, 10) + layout.uniform(-3, 3, 3),
        components=_components(bw, bh),
    )
    if defects.random() >= rate:
        return spec
    kind = DEFECTS[int(defects.integers(len(DEFECTS)))]
    count = 2 if kind != "missing_component" and defects.random() < 0.25 else 1
    ix, iy = 0.34 * bw, 0.3 * bh
    for _ in range(count):
        cx, cy = defects.uniform(-ix, ix), defects.uniform(-iy, iy)
        if kind == "scratch":
            length = defects.uniform(30, 56)
            theta = math.radians(defects.uniform(25, 65) + (90 if defects.random() < 0.5 else 0))
            ux, uy = math.cos(theta) * length / 2, math.sin(theta) * length / 2
            bend = defects.uniform(-4, 4)
            pts = np.array([[cx - ux, cy - uy], [cx + bend * uy / length, cy - bend * ux / length], [cx + ux, cy + uy]])
            spec.defects.append(Defect(kind, pts))
        elif kind == "dent":
            a, b = defects.uniform(8, 13), defects.uniform(7, 11)
            ang = defects.uniform(0, 180)
            outer = ellipse_points((cx, cy), (a, b), ang, 24)
            r = math.radians(ang)
            ox, oy = -0.3 * a * math.cos(r) + 0.3 * b * math.sin(r), -0.3 * a * math.sin(r) - 0.3 * b * math.cos(r)
            rim = ellipse_points((cx + ox, cy + oy), (0.45 * a, 0.3 * b), ang, 16)
            spec.defects.append(Defect(kind, outer, rim))
        elif kind == "contamination":
            r = defects.uniform(8, 15)
            spec.defects.append(Defect(kind, _blob(defects, cx, cy, r), _blob(defects, cx, cy, 0.45 * r, 8)))
        else:
            i = int(defects.integers(len(spec.components)))
            spec.defects.append(Defect(kind, _component_points(spec.components[i]), component=i))
    return spec


def _rounded_rect(bw: float, bh: float, radius: float, chamfer: bool) -> np.ndarray:
    hw, hh = (bw - 1) / 2, (bh - 1) / 2
    if chamfer:
        c = radius * 1.4
        return np.array(
            [
                [-hw + c, -hh],
                [hw - c, -hh],
                [hw, -hh + c],
                [hw, hh - c],
                [hw - c, hh],
                [-hw + c, hh],
                [-hw, hh - c],
                [-hw, -hh + c],
            ]
        )
    pts = []
    for (sx, sy), start in (((1, 1), 0), ((-1, 1), 90), ((-1, -1), 180), ((1, -1), 270)):
        t = np.radians(np.linspace(start, start + 90, 6))
        pts.append(np.stack([sx * (hw - radius) + radius * np.cos(t), sy * (hh - radius) + radius * np.sin(t)], axis=1))
    return np.concatenate(pts)


def _color(v: np.ndarray) -> Color:
    c = np.clip(np.rint(v), 0, 255).astype(int)
    return (int(c[0]), int(c[1]), int(c[2]))


def draw_part(
    canvas: Canvas, spec: PartSpec, cx: float, cy: float, scale: float, cond: SceneConditions
) -> list[tuple[int, SceneObject]]:
    """Draw one part centred near (cx, cy); returns its visible defects as (defect index, object)."""
    frame = local_frame(cx + spec.dx * scale, cy + spec.dy * scale, spec.angle, scale)

    def pts(p: np.ndarray) -> np.ndarray:
        return transform_points(p, frame)

    redesigned = cond.redesign_target == "part" and cond.redesign_severity > 0
    s = cond.redesign_severity if redesigned else 0.0
    body = BODY_BGR * (1 - s) + REDESIGN_BGR * s + spec.tint
    outline = _rounded_rect(spec.bw, spec.bh, 12, chamfer=redesigned and s >= 0.5)
    canvas.polygon(pts(outline), _color(body))
    canvas.polyline(pts(outline), _color(body * 0.6), max(1, round(2 * scale)), closed=True)
    if redesigned and s >= 0.3:
        stripe = rect_points(0, spec.bh * 0.36, spec.bw * 0.8, 8)
        canvas.polygon(pts(stripe), (236, 236, 236))
    missing = {d.component for d in spec.defects if d.kind == "missing_component"}
    for i, comp in enumerate(spec.components):
        if i in missing:
            continue
        canvas.polygon(pts(_component_points(comp)), COMPONENT_BGR[comp.name])
        if comp.name == "chip":
            canvas.ellipse(
                pts(np.array([[comp.x - comp.w / 2 + 6, comp.y - comp.h / 2 + 6]]))[0],
                (2.5 * scale, 2.5 * scale),
                0,
                (96, 96, 100),
                10,
            )
    out: list[tuple[int, SceneObject]] = []
    thickness = max(1, round(2 * scale))
    for j, d in enumerate(spec.defects):
        canvas.begin_object()
        if d.kind == "scratch":
            canvas.polyline(pts(d.points), SCRATCH_BGR, thickness)
        elif d.kind == "dent":
            canvas.polygon(pts(d.points), DENT_BGR)
            assert d.extra is not None
            canvas.polygon(pts(d.extra), DENT_RIM_BGR)
        elif d.kind == "contamination":
            canvas.polygon(pts(d.points), STAIN_BGR)
            assert d.extra is not None
            canvas.polygon(pts(d.extra), STAIN_CORE_BGR)
        else:
            canvas.polygon(pts(d.points), PAD_BGR)
        box = canvas.end_object()
        if box is not None:
            out.append((j, SceneObject(d.kind, box)))
    return out


def draw_novel(
    canvas: Canvas,
    rng: np.random.Generator,
    cx: float,
    cy: float,
    spread: tuple[float, float],
    scale: float,
    severity: float,
) -> list[tuple[int, SceneObject]]:
    """Foreign objects never seen in training (wrench, cable tie, insect) near (cx, cy), with their slot."""
    out: list[tuple[int, SceneObject]] = []
    count = 1 + int(severity * 2.99)
    size = scale * (0.7 + 0.6 * severity)
    for j in range(count):
        kind = ("wrench", "cable_tie", "insect")[int(rng.integers(3))]
        x, y = cx + rng.uniform(-spread[0], spread[0]), cy + rng.uniform(-spread[1], spread[1])
        frame = local_frame(x, y, rng.uniform(0, 360), size)
        canvas.begin_object()
        if kind == "wrench":
            canvas.polygon(transform_points(rect_points(0, 0, 44, 9), frame), NOVEL_BGR[kind])
            canvas.polygon(transform_points(ellipse_points((22, 0), (10, 10), 0, 16), frame), NOVEL_BGR[kind])
            canvas.polygon(transform_points(ellipse_points((25, 0), (4, 4), 0, 10), frame), (90, 90, 90))
        elif kind == "cable_tie":
            t = np.linspace(-1.2, 1.2, 9)
            arc = np.stack([24 * np.sin(t), 14 * (1 - np.cos(t))], axis=1)
            canvas.polyline(transform_points(arc, frame), NOVEL_BGR[kind], max(2, round(3 * size)))
        else:
            for sx in (-1, 0, 1):
                legs = np.array([[sx * 5, -11], [sx * 5, 0], [sx * 5, 11]])
                canvas.polyline(transform_points(legs, frame), NOVEL_BGR[kind], max(1, round(2 * size)))
            canvas.polygon(transform_points(ellipse_points((0, 0), (12, 6), 0, 16), frame), NOVEL_BGR[kind])
        box = canvas.end_object()
        if box is not None:
            out.append((j, SceneObject("foreign_object", box, attributes={"kind": kind})))
    return out


@lru_cache(maxsize=16)
def _belt_tile(height: int, scale: float) -> np.ndarray:
    slat = max(8, round(32 * scale))
    period = slat * max(16, math.ceil(1024 * scale / slat))
    tile = np.empty((height, period, 3), np.float32)
    tile[:] = (58, 58, 61)
    tile += periodic_texture(height, period, 4.0, seed=11, smooth=1.2)[..., None]
    for x in range(0, period, slat):
        tile[:, x : x + max(1, round(2 * scale))] = (44, 44, 47)
    rail = round(22 * scale)
    for y0 in (0, height - rail):
        tile[y0 : y0 + rail] = (124, 127, 130)
        tile[y0 : y0 + rail] += periodic_texture(rail, period, 3.0, seed=12 + y0, smooth=0.8)[..., None]
    edge = max(1, round(2 * scale))
    tile[rail - edge : rail] = (88, 90, 94)
    tile[height - rail : height - rail + edge] = (88, 90, 94)
    return np.clip(tile + 0.5, 0, 255).astype(np.uint8)


class InspectionScene:
    """Parts at an inspection station on a conveyor belt."""

    name = "inspection"
    taxonomy = TAXONOMY
    default_site = "line-a"
    default_camera = "cam1"
    default_rate = 0.02
    redesign_targets: tuple[str, ...] = ("part",)
    default_redesign = "part"

    @staticmethod
    def _scale(view: View) -> float:
        return min(view.width, view.height) / 256.0

    def _video_geometry(self, view: View) -> tuple[float, float]:
        part_scale = 0.55 * self._scale(view)
        return part_scale, 1.4 * 180 * part_scale

    def background(self, view: View) -> np.ndarray:
        tile = _belt_tile(view.height, round(self._scale(view), 3))
        offset = round(view.offset) if view.video else int(view.rng(0, LAYOUT + 10).integers(tile.shape[1]))
        return window(tile, offset, view.width)

    def render(self, canvas: Canvas, view: View, conditions: SceneConditions) -> SceneOutput:
        out = SceneOutput()
        if not view.video:
            scale = self._scale(view)
            spec = make_part(view.rng(0, LAYOUT), view.rng(0, DEFECT), view.defect_rate)
            cx, cy = (view.width - 1) / 2, (view.height - 1) / 2
            out.objects = [obj for _, obj in draw_part(canvas, spec, cx, cy, scale, conditions)]
            out.image_class = spec.image_class
            if conditions.novel_severity is not None:
                out.novel = [
                    o
                    for _, o in draw_novel(
                        canvas,
                        view.rng(0, NOVEL),
                        cx,
                        cy,
                        (0.4 * view.width, 0.4 * view.height),
                        scale,
                        conditions.novel_severity,
                    )
                ]
            return out
        part_scale, pitch = self._video_geometry(view)
        first = max(0, math.floor((view.offset - pitch) / pitch))
        last = math.ceil((view.offset + view.width + pitch) / pitch)
        cy = (view.height - 1) / 2
        for k in range(first, last + 1):
            cx = (k + 0.5) * pitch - view.offset
            spec = make_part(view.rng(k, LAYOUT), view.rng(k, DEFECT), view.defect_rate)
            for j, obj in draw_part(canvas, spec, cx, cy, part_scale, conditions):
                out.objects.append(SceneObject(obj.label, obj.box, track_id=k * 16 + j + 1))
            if conditions.novel_severity is not None:
                novel_rng = view.rng(k, NOVEL)
                if novel_rng.random() < 0.3 + 0.6 * conditions.novel_severity:
                    for j, obj in draw_novel(
                        canvas, novel_rng, cx, cy, (0.3 * pitch, 0.3 * pitch), part_scale, conditions.novel_severity
                    ):
                        out.novel.append(SceneObject(obj.label, obj.box, k * 16 + 8 + j, obj.attributes))
        return out

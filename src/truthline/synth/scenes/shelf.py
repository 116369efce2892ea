"""Scenario "shelf": products on supermarket shelves with out-of-stock gaps; many objects per image.

A still image shows one bay of three shelves; in video the camera pans along the aisle and every product
keeps one track id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from truthline.synth.canvas import Canvas, Color, ellipse_points
from truthline.synth.records import ClassSpec, Taxonomy
from truthline.synth.scenes.base import (
    LAYOUT,
    NOVEL,
    SceneConditions,
    SceneObject,
    SceneOutput,
    View,
    periodic_texture,
    window,
)

PRODUCTS = ("cola_can", "water_bottle", "cereal_box", "soap_bottle", "chips_bag")

TAXONOMY = Taxonomy(
    scenario="shelf",
    description="Supermarket shelves. Box every product facing and every out-of-stock gap.",
    classes=(
        ClassSpec("cola_can", "short red can with a white band"),
        ClassSpec("water_bottle", "tall light-blue bottle with a narrow neck and a dark cap"),
        ClassSpec("cereal_box", "tall yellow box with a red round logo"),
        ClassSpec("soap_bottle", "green bottle with rounded shoulders and a white label"),
        ClassSpec("chips_bag", "orange bag with crimped top and bottom edges"),
        ClassSpec("gap", "out of stock: the dark empty slot where a run of facings is missing; box the slot"),
    ),
)

# (width range, height range, main colour)
SIZES: dict[str, tuple[tuple[float, float], tuple[float, float], Color]] = {
    "cola_can": ((20, 23), (36, 40), (38, 38, 204)),
    "water_bottle": ((22, 25), (56, 64), (226, 196, 140)),
    "cereal_box": ((34, 40), (56, 64), (40, 196, 236)),
    "soap_bottle": ((24, 28), (44, 52), (84, 168, 60)),
    "chips_bag": ((34, 40), (42, 50), (30, 128, 236)),
}
REDESIGN_BGR = np.array([150.0, 50.0, 120.0])
GAP_BGR: Color = (92, 100, 108)
NOVEL_BGR: Color = (180, 60, 230)
BOARD_TOPS = (84, 168, 252)
BOARD_H = 10
ROW_TOPS = (4, 94, 178)


@dataclass
class Run:
    cls: str
    x: float
    w: float
    h: float
    facings: int
    spacing: float
    row: int
    out_of_stock: bool
    tint: np.ndarray


def make_bay(rng: np.random.Generator, width: float, rate: float, start: float = 3.0) -> list[Run]:
    """Runs of facings (one product class each) along the three rows of a bay, in scene-256 units."""
    runs = []
    for row in range(3):
        x = start
        while True:
            cls = PRODUCTS[int(rng.integers(len(PRODUCTS)))]
            (w0, w1), (h0, h1), _ = SIZES[cls]
            w, h = rng.uniform(w0, w1), rng.uniform(h0, h1)
            facings, spacing = int(rng.integers(1, 5)), rng.uniform(1.5, 3.5)
            oos = bool(rng.random() < rate)
            tint = rng.uniform(-10, 10, 3)
            fit = int((width - 2 - x + spacing) // (w + spacing))
            if fit < 1:
                break
            facings = min(facings, fit)
            runs.append(Run(cls, x, w, h, facings, spacing, row, oos, tint))
            x += facings * (w + spacing) + rng.uniform(2, 6)
    return runs


def _c(v: np.ndarray | tuple[float, ...]) -> Color:
    a = np.clip(np.rint(np.asarray(v, dtype=np.float64)), 0, 255).astype(int)
    return (int(a[0]), int(a[1]), int(a[2]))


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def draw_product(
    canvas: Canvas, cls: str, x0: float, bottom: float, w: float, h: float, s: float, main: np.ndarray, redesign: float
) -> None:
    """One facing, left edge x0 and bottom y in image pixels; w and h already scaled by ``s``."""
    x1, top, cx = x0 + w - 1, bottom - h + 1, x0 + (w - 1) / 2
    col = _c(main)
    if cls == "cola_can":
        canvas.polygon(_rect(x0, top + 2 * s, x1, bottom), col)
        canvas.polygon(_rect(x0 + 1, top, x1 - 1, top + 2 * s), (172, 172, 178))
        canvas.polygon(_rect(x0, top + 0.42 * h, x1, top + 0.56 * h), (236, 236, 236))
    elif cls == "water_bottle":
        body_top, neck = top + 0.34 * h, 0.22 * w
        canvas.polygon(
            np.array(
                [
                    [x0, bottom],
                    [x0, body_top],
                    [cx - neck, top + 0.14 * h],
                    [cx + neck, top + 0.14 * h],
                    [x1, body_top],
                    [x1, bottom],
                ]
            ),
            col,
        )
        canvas.polygon(_rect(cx - neck - 1, top, cx + neck + 1, top + 0.14 * h), (140, 60, 20))
        canvas.polygon(_rect(x0, top + 0.55 * h, x1, top + 0.7 * h), (180, 110, 30))
    elif cls == "cereal_box":
        canvas.polygon(_rect(x0, top, x1, bottom), col)
        r = 0.3 * w
        if redesign >= 0.5:
            canvas.polygon(
                np.array([[cx, top + 0.35 * h - r], [cx + r, top + 0.35 * h + r], [cx - r, top + 0.35 * h + r]]),
                (236, 236, 236),
            )
        else:
            canvas.polygon(ellipse_points((cx, top + 0.35 * h), (r, r), 0, 16), (40, 40, 190))
    elif cls == "soap_bottle":
        sh = 0.25 * h
        canvas.polygon(
            np.array(
                [
                    [x0, bottom],
                    [x0, top + sh + 0.12 * h],
                    [x0 + 0.25 * w, top + 0.12 * h],
                    [x1 - 0.25 * w, top + 0.12 * h],
                    [x1, top + sh + 0.12 * h],
                    [x1, bottom],
                ]
            ),
            col,
        )
        canvas.polygon(_rect(cx - 0.15 * w, top, cx + 0.15 * w, top + 0.12 * h), (40, 40, 40))
        canvas.polygon(_rect(x0 + 0.15 * w, top + 0.5 * h, x1 - 0.15 * w, top + 0.8 * h), (240, 240, 240))
    elif cls == "chips_bag":
        n = 6
        xs = np.linspace(x0, x1, n + 1)
        top_edge = [[x, top + (0 if i % 2 == 0 else 3 * s)] for i, x in enumerate(xs)]
        bottom_edge = [[x, bottom - (0 if i % 2 == 0 else 3 * s)] for i, x in enumerate(xs)][::-1]
        canvas.polygon(np.array(top_edge + bottom_edge), col)
        canvas.polygon(ellipse_points((cx, top + 0.55 * h), (0.3 * w, 0.22 * h), 0, 16), (60, 110, 170))


def _novel_facing(canvas: Canvas, x0: float, bottom: float, s: float) -> float:
    w, h = 17 * s, 50 * s
    x1, top = x0 + w - 1, bottom - h + 1
    canvas.polygon(_rect(x0, top, x1, bottom), NOVEL_BGR)
    for k in range(3):
        y = top + (0.2 + 0.25 * k) * h
        canvas.polygon(_rect(x0, y, x1, y + 2 * s), (250, 250, 250))
    return w


@lru_cache(maxsize=16)
def _shelf_tile(height: int, scale: float) -> np.ndarray:
    pitch = max(4, round(16 * scale))
    period = pitch * max(16, math.ceil(1024 * scale / pitch))
    tile = np.empty((height, period, 3), np.float32)
    tile[:] = (205, 214, 222)
    tile += periodic_texture(height, period, 3.0, seed=21, smooth=1.5)[..., None]
    hole = max(1, round(1.5 * scale))
    for y in range(pitch // 2, height, pitch):
        for x in range(pitch // 2, period, pitch):
            tile[y - hole : y + hole, x - hole : x + hole] = (168, 176, 184)
    for top in BOARD_TOPS:
        y0, y1 = round(top * scale), round((top + BOARD_H) * scale)
        tile[y0:y1] = (228, 228, 230)
        tile[max(y0, y1 - max(1, round(3 * scale))) : y1] = (150, 152, 156)
    return np.clip(tile + 0.5, 0, 255).astype(np.uint8)


class ShelfScene:
    """Products on three supermarket shelves with out-of-stock gaps."""

    name = "shelf"
    taxonomy = TAXONOMY
    default_site = "store-1"
    default_camera = "aisle-3"
    default_rate = 0.1
    redesign_targets: tuple[str, ...] = PRODUCTS
    default_redesign = "cereal_box"

    def background(self, view: View) -> np.ndarray:
        s = round(view.height / 256.0, 3)
        tile = _shelf_tile(view.height, s)
        return window(tile, round(view.offset) if view.video else 0, view.width)

    def _draw_bay(
        self,
        canvas: Canvas,
        view: View,
        k: int,
        origin: float,
        width: float,
        cond: SceneConditions,
        out: SceneOutput,
        start: float,
    ) -> None:
        s = view.height / 256.0
        runs = make_bay(view.rng(k, LAYOUT), width / s, view.defect_rate, start)
        novel_rng = view.rng(k, NOVEL) if cond.novel_severity is not None else None

        def tid(r: int, i: int) -> int | None:
            """Track id of slot ``i`` of run ``r`` in bay ``k``: fixed by the layout, not by conditions."""
            return k * 10000 + r * 20 + i + 1 if view.video else None

        for r, run in enumerate(runs):
            bottom = BOARD_TOPS[run.row] * s - 1
            x = origin + run.x * s
            span = (run.facings * (run.w + run.spacing) - run.spacing) * s
            is_novel = novel_rng is not None and novel_rng.random() < 0.15 + 0.5 * float(cond.novel_severity or 0)
            if run.out_of_stock:
                canvas.begin_object()
                height = (BOARD_TOPS[run.row] - ROW_TOPS[run.row] - 6) * s
                canvas.polygon(_rect(x, bottom - height + 1, x + span - 1, bottom), GAP_BGR)
                box = canvas.end_object()
                if box is not None:
                    out.objects.append(SceneObject("gap", box, tid(r, 0)))
                continue
            if is_novel:
                xx, j = x, 0
                while xx + 17 * s <= x + span:
                    canvas.begin_object()
                    xx += _novel_facing(canvas, xx, bottom, s) + run.spacing * s
                    box = canvas.end_object()
                    if box is not None:
                        out.novel.append(SceneObject("novel_product", box, tid(r, 10 + j)))
                    j += 1
                continue
            main = np.asarray(SIZES[run.cls][2], dtype=np.float64) + run.tint
            red = cond.redesign_severity if cond.redesign_target == run.cls else 0.0
            main = main * (1 - red) + REDESIGN_BGR * red
            for f in range(run.facings):
                canvas.begin_object()
                draw_product(
                    canvas, run.cls, x + f * (run.w + run.spacing) * s, bottom, run.w * s, run.h * s, s, main, red
                )
                box = canvas.end_object()
                if box is not None:
                    out.objects.append(SceneObject(run.cls, box, tid(r, f)))

    def render(self, canvas: Canvas, view: View, conditions: SceneConditions) -> SceneOutput:
        out = SceneOutput()
        if not view.video:
            start = float(view.rng(0, LAYOUT + 10).uniform(2, 10))
            self._draw_bay(canvas, view, 0, 0.0, float(view.width), conditions, out, start)
            return out
        bay = 256.0 * view.height / 256.0
        first = max(0, math.floor(view.offset / bay))
        last = math.floor((view.offset + view.width) / bay)
        for k in range(first, last + 1):
            self._draw_bay(canvas, view, k, k * bay - view.offset, bay, conditions, out, 3.0)
        return out

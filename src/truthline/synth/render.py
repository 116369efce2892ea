"""One frame from a scene and a set of resolved conditions: background, camera, objects, occluder, pixels."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from truthline.domain.errors import UserInputError
from truthline.synth.canvas import Canvas
from truthline.synth.conditions import PIXEL_ORDER
from truthline.synth.corruptions import PIXEL_CORRUPTIONS, draw_occluder
from truthline.synth.geometry import sample_displacement, warp_image
from truthline.synth.scenes import Scene, SceneConditions, SceneOutput, View


@dataclass(frozen=True)
class Active:
    """A condition as it applies to one frame: severity already drawn, variant resolved."""

    name: str
    severity: float
    variant: str | None = None
    params: Mapping[str, float] = field(default_factory=dict)


@dataclass
class Frame:
    image: np.ndarray
    annotations: list[dict[str, Any]]
    novel_objects: list[dict[str, Any]]
    image_class: str | None
    metadata: dict[str, Any]


def check_redesign(scene: Scene, variant: str | None) -> str:
    target = variant or scene.default_redesign
    if target not in scene.redesign_targets:
        raise UserInputError(
            f"scenario {scene.name!r} cannot redesign {target!r}",
            where="condition 'redesign'",
            fix=f"use redesign={' or redesign='.join(scene.redesign_targets)}",
        )
    return target


def _box_list(box: Any) -> list[float]:
    return [float(v) for v in box.xywh()]


def render_frame(
    scene: Scene,
    view: View,
    active: list[Active],
    rng_for: Callable[[str], np.random.Generator],
    occlusion_static: bool = False,
) -> Frame:
    """Render one frame. ``rng_for(name)`` gives each condition its own generator.

    Order: camera displacement moves background and every drawn shape; objects are drawn; an occluder is
    painted over a fraction of one object's box (of the whole frame when ``occlusion_static``, as in video);
    then the pixel conditions run in physical order (light, atmosphere, lens, exposure, sensor, encoder).
    """
    by_name = {a.name: a for a in active}
    meta: dict[str, Any] = {}
    if "lighting" not in by_name:
        meta.update({"lighting": "day", "lighting_severity": 0.0})
    matrix = None
    if "displacement" in by_name:
        a = by_name["displacement"]
        d = sample_displacement(a.severity, rng_for(a.name), view.width, view.height, a.variant or "both", a.params)
        matrix = d.matrix(view.width, view.height)
        meta.update({"displacement_severity": a.severity, **d.metadata()})
    background = scene.background(view)
    if matrix is not None:
        background = warp_image(background, matrix)
    canvas = Canvas(background, matrix)
    sc = SceneConditions()
    if "redesign" in by_name:
        a = by_name["redesign"]
        target = check_redesign(scene, a.variant)
        sc = SceneConditions(redesign_target=target, redesign_severity=a.severity)
        meta.update({"redesign": target, "redesign_severity": a.severity})
    if "novel" in by_name:
        sc = SceneConditions(sc.redesign_target, sc.redesign_severity, by_name["novel"].severity)
    out: SceneOutput = scene.render(canvas, view, sc)
    image = canvas.image
    if "novel" in by_name:
        meta.update({"novel_severity": by_name["novel"].severity, "novel_objects": len(out.novel)})
    occluded: list[float] = [0.0] * len(out.objects)
    if "occlusion" in by_name:
        a = by_name["occlusion"]
        boxes = np.array([o.box.xywh() for o in out.objects], dtype=np.float64).reshape(-1, 4)
        image, occ_meta, occluded = draw_occluder(
            image, boxes, a.severity, rng_for(a.name), target=-1 if occlusion_static else None
        )
        meta.update(occ_meta)
    for name in PIXEL_ORDER:
        if name in by_name:
            a = by_name[name]
            image, m = PIXEL_CORRUPTIONS[name](image, a.severity, a.variant, rng_for(name), a.params)
            meta.update(m)
    annotations = []
    for obj, occ in zip(out.objects, occluded, strict=True):
        ann: dict[str, Any] = {"label": obj.label, "bbox": _box_list(obj.box)}
        if obj.track_id is not None:
            ann["track_id"] = obj.track_id
        if obj.box.truncated:
            ann["truncated"] = True
        if occ > 0:
            ann["occluded"] = occ
        annotations.append(ann)
    novel = []
    for obj in out.novel:
        item: dict[str, Any] = {"label": obj.label, "bbox": _box_list(obj.box), "novel": True, **obj.attributes}
        if obj.track_id is not None:
            item["track_id"] = obj.track_id
        novel.append(item)
    return Frame(image, annotations, novel, out.image_class, meta)
